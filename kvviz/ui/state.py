"""The Learn page's per-visitor state, typed and in one place.

Everything a visitor owns lives in st.session_state (never on a shared object): their run
(a Tracer, hence their own cache, or a Replay of a saved file), the step on screen, Play, the
message to show, and their language. `learn` below is a typed view over those keys:

    from kvviz.ui.state import learn
    learn.view += 1
    learn.error = Note("learn.error.kvviz", message=str(e))

Widget keys (the sidebar's "prompt", "model_choice", ...) hold stable ids, never display
labels, so a language switch keeps the visitor's choices; their labels come from kvviz.text
through each widget's format_func.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import streamlit as st

from kvviz.text import DEFAULT, LANGUAGES, set_language, t

T = TypeVar("T")


@dataclass(frozen=True)
class Note:
    """A message for the visitor as a text key and its fields: drawn in the language of the moment."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return t(self.key, **self.fields)


class Replay:
    """A saved trace stepped through like a live run: every step is recorded, nothing is computed."""

    done = True

    def __init__(self, trace):
        self.trace = trace

    def step(self):
        return None


class _Key(Generic[T]):
    """One session-state key with its default, read and written as an attribute."""

    def __init__(self, default: T):
        self.default = default

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        return st.session_state.get(self.name, self.default)

    def __set__(self, obj, value: T) -> None:
        st.session_state[self.name] = value


class LearnState:
    """The Learn page's keys in st.session_state (the names are the keys)."""

    tracer: _Key[Any] = _Key(None)  # kvviz Tracer (live run) or Replay (saved file); None before the first run
    run_settings: _Key[dict | None] = _Key(None)  # the settings the run on screen was started with
    view: _Key[int] = _Key(0)  # index of the step on screen (0 = prefill)
    playing: _Key[bool] = _Key(False)
    play_clock: _Key[Any] = _Key(None)  # kvviz.ui.play_clock.Clock: Play's schedule (None: not playing)
    error: _Key[Note | None] = _Key(None)
    open_view: _Key[str] = _Key("questions")  # stable id of the open tab (see learn_views.VIEWS)
    lang: _Key[str] = _Key(DEFAULT)
    visitor_id: _Key[str | None] = _Key(None)  # this visitor's id in the shared run store's queue
    want_next: _Key[bool] = _Key(False)  # Next / Reset only ask; the page does the work where a
    want_reset: _Key[bool] = _Key(False)  # queued step can say so while it waits
    # Shared state (kvviz/ui/share.py, follow.py): the link read once per session, a link or scenario
    # waiting to be opened (a url_state.ShareState), what the link ignored, the run's scenario id.
    link_read: _Key[bool] = _Key(False)
    pending_link: _Key[Any] = _Key(None)
    link_problems: _Key[list] = _Key([])
    scenario: _Key[str | None] = _Key(None)
    room: _Key[Any] = _Key(None)  # kvviz.rooms.Lead of the room this visitor leads, else None
    room_published: _Key[Any] = _Key(None)  # what was last published to it (publish on change only)
    follow_seen: _Key[Any] = _Key(None)  # an attendee: the room file's signature last read (rooms.peek)
    follow_view: _Key[str | None] = _Key(None)  # an attendee: the instructor's tab last followed
    # Read by the planner page: the model of the visitor's last run.
    loaded_model_config: _Key[dict | None] = _Key(None)
    loaded_model_parameters: _Key[int | None] = _Key(None)

    @property
    def has_run(self) -> bool:
        return self.tracer is not None

    @property
    def is_replay(self) -> bool:
        return isinstance(self.tracer, Replay)


learn = LearnState()

# Widget keys (their values are stable ids or numbers; labels come from format_func).
W_MODEL = "model_choice"
W_MODEL_OTHER = "model_other"
W_PROMPT = "prompt"
W_MAX_NEW = "max_new"
W_DECODING = "decoding"
W_PACE = "pace"
W_SLIDER = "view_slider"
W_TABS = "view_tab"
W_UPLOAD = "trace_upload"
W_TEMPERATURE = "temperature"
W_TOP_K = "top_k"
W_TOP_P = "top_p"
W_SEED = "seed"


def apply_language(requested: str | None = None) -> str:
    """Set this script run's language from the visitor's choice (kept in their session).

    Called at the top of every run of app.py and of every fragment rerun (a fragment or a
    callback may run in a fresh thread, where the language would otherwise be the default).
    """
    if requested is not None:
        learn.lang = requested if requested in LANGUAGES else DEFAULT
    set_language(learn.lang)
    return learn.lang
