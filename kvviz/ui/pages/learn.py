"""The explainer page: step through generation on a real model and watch the cache grow.

State per visitor lives in st.session_state (kvviz/ui/state.py: their own Tracer, hence their
own cache); the model is loaded once per server process with st.cache_resource and shared. The
part that changes on every step runs in a fragment, so a click reruns only that part. What each
step shows (the tabs) is drawn by learn_views.py; every word comes from kvviz.text.
"""

from __future__ import annotations

import logging
import os
import time

import streamlit as st

from kvviz.engine.caps import (  # limits per run, enforced by the engine
    APP_MAX_CONTEXT,
    app_attention_layers,
)
from kvviz.errors import KvvizError
from kvviz.text import t
from kvviz.ui import follow, play_clock, presenter, share, turns, url_state
from kvviz.ui.markup import md_escape
from kvviz.ui.pages import learn_views as views
from kvviz.ui.sidebar import ALLOW_OTHER, DECODINGS, OTHER, PRESETS, settings_from_sidebar  # noqa: F401 (pages, tests)
from kvviz.ui.state import W_PACE, W_SLIDER, W_TABS, Note, apply_language, learn
from kvviz.ui.turns import queue_notice, visitor_id
from kvviz.ui.url_state import DEFAULTS, ShareState

log = logging.getLogger(__name__)

PACES = {"slow": 2.0, "medium": 1.0, "fast": 0.3}  # Play's pace by id, in seconds per step
DEFAULT_PACE = "medium"


@st.cache_resource(show_spinner=False, max_entries=3)
def load_shared(name: str | None):
    """One copy of each model per server process, shared by every visitor."""
    from kvviz.engine.models import load_model, use_threads

    use_threads(int(os.environ.get("KVVIZ_THREADS", "1")))
    return load_model(name)


def _fail(e: Exception) -> None:
    """Keep a message for the page, never a traceback; the page keeps what the visitor had.

    Messages can quote what the visitor typed (a model name): the page escapes them when it draws them.
    """
    learn.error = views.error_note(e)


def _start(settings: dict) -> bool:
    """Build a new run; on any error keep the current one and show why (False).

    Identical runs (same model, prompt tokens and settings) are computed once for every visitor
    of this server: the run store hands out a cursor of their own over the shared steps."""
    from kvviz.engine.runstore import shared_store
    from kvviz.engine.sources import model_source
    from kvviz.engine.tracer import Sampling, Tracer

    try:
        if settings["model"] == "":
            raise KvvizError(t("learn.error.no_model"))
        with st.spinner(t("learn.loading")):
            # One policy for what a visitor may load (KVVIZ_ALLOW_OTHER_MODELS, KVVIZ_MODEL_DIRS): missing
            # and forbidden folders get the same answer, so the page is no oracle for the server's disk.
            loaded = load_shared(model_source(settings["model"], [p for p in PRESETS.values() if p]))
        sampling = Sampling(settings["temperature"], settings["top_k"], settings["top_p"], settings["seed"])

        tracer = Tracer(loaded, settings["prompt"], settings["max_new_tokens"], sampling=sampling,
                        max_context=APP_MAX_CONTEXT)
        tracer.record_attention(app_attention_layers(loaded.info, len(tracer.ids) + settings["max_new_tokens"]))
        # Measured both ways, except the steps computed while the server is crowded (the run store
        # decides per step; the page says which) for any run but the one a room follows.
        tracer = shared_store().open(tracer, settings["model"], visitor_id())
        follow.mark_followed(tracer)
        on_wait, notice = queue_notice()
        with st.spinner(t("learn.prefilling")):
            tracer.step(on_wait)
            tracer.step(on_wait)  # and the first decode step: the page opens on the cache at work
        notice.empty()
    except Exception as e:
        _fail(e)
        return False
    learn.tracer = tracer
    learn.run_settings = settings
    learn.view = len(tracer.trace.steps) - 1  # step 1 (prefill when the run stopped after it)
    learn.playing = False
    learn.error = None
    learn.scenario = None
    learn.loaded_model_config = loaded.config_dict  # for the capacity planner
    learn.loaded_model_parameters = loaded.info.num_parameters
    return True


def _advance_to(target: int, on_wait=None) -> None:
    """Show step `target`, computing (or reading from the shared run) the steps up to it; the last
    step where the run ends sooner."""
    tracer = learn.tracer
    try:
        while len(tracer.trace.steps) - 1 < target and not tracer.done:
            tracer.step(on_wait)
    except Exception as e:
        learn.playing = False
        _fail(e)
    learn.view = max(0, min(target, len(tracer.trace.steps) - 1))


def _open_link(state: ShareState) -> None:
    """Open the run a link or a scenario card holds, at its step and view. A link whose run cannot
    start (a model this server cannot load, a prompt past the context limit) opens the default run
    with a message instead."""
    share.apply_to_widgets(state)
    settings = url_state.settings_of(state, PRESETS)
    if _start(settings):
        on_wait, notice = queue_notice()
        with st.spinner(t("share.url.stepping", step=state.step)):
            _advance_to(state.step, on_wait)
        notice.empty()
        if state.view:
            learn.open_view = state.view
            st.session_state.pop(W_TABS, None)  # the tabs open at learn.open_view
        learn.scenario = state.scenario
        return
    failed = learn.error.text() if learn.error is not None else ""
    share.apply_to_widgets(DEFAULTS)
    if _start(url_state.settings_of(DEFAULTS, PRESETS)):
        learn.error = Note("share.url.failed", {"message": failed})


def _advance(on_wait=None) -> None:
    tracer = learn.tracer
    steps = tracer.trace.steps
    if learn.view < len(steps) - 1:
        learn.view += 1
        return
    if tracer.done:
        learn.playing = False
        return
    try:
        tracer.step(on_wait)
        learn.view = len(tracer.trace.steps) - 1
    except Exception as e:
        learn.playing = False
        _fail(e)


def render() -> None:
    apply_language()
    present = presenter.is_on()
    if present:
        presenter.style()
    st.title(t("learn.title"))
    follow.resume_lead(PRESETS, views.VIEWS, ALLOW_OTHER)
    room = follow.follow_id()
    if room is not None:  # an attendee: the instructor's run, read-only
        follow.render_follower(room, _follow, PRESETS, ALLOW_OTHER)
        return
    if not present:
        st.caption(t("learn.intro"))
    share.read_link(PRESETS, views.VIEWS, ALLOW_OTHER)
    if learn.pending_link is not None:  # a link on arrival, or a scenario card: before the sidebar is drawn
        state, learn.pending_link = learn.pending_link, None
        _open_link(state)
    settings, start = settings_from_sidebar()
    if not present:
        follow.lead_controls()
    share.scenario_cards()
    if start or not learn.has_run:
        _start(settings)
    if learn.has_run and not learn.is_replay and settings != (learn.run_settings or settings):
        st.warning(t("learn.unapplied"), icon=":material/edit_note:")
    share.show_problems()
    if not learn.has_run:
        views.show_error()
        st.info(t("learn.no_run"))
        return
    _stepper()
    if present:  # no sidebar: the room's controls at the foot of the page
        follow.lead_controls(st.expander(t("share.room.lead"), icon=":material/groups:",
                                         expanded=learn.room is not None))


def _follow(state: ShareState) -> None:
    """An attendee: move to the instructor's state. A new run only when its settings changed; steps
    come from the shared run store (computed once per replica); the tab follows the instructor's
    when the instructor changes it."""
    settings = url_state.settings_of(state, PRESETS)
    if not learn.has_run or learn.is_replay or learn.run_settings != settings:
        if not _start(settings):
            return
    on_wait, notice = queue_notice()
    with st.spinner(t("share.url.stepping", step=state.step)):
        _advance_to(state.step, on_wait)
    notice.empty()
    if state.view and state.view != learn.follow_view:
        learn.follow_view = state.view
        learn.open_view = state.view
        st.session_state.pop(W_TABS, None)


def _pace() -> float:
    return PACES.get(st.session_state.get(W_PACE, DEFAULT_PACE), PACES[DEFAULT_PACE])


def _stepper() -> None:
    playing = learn.playing
    pace = _pace()

    @st.fragment(run_every=pace if playing else None)
    def body():
        apply_language()  # a fragment rerun does not pass through app.py
        # The timer is set when the whole page runs: Play, Pause or a new pace inside the
        # fragment must rerun the page to start, stop or retime it.
        if (learn.playing, _pace()) != (playing, pace):
            st.rerun(scope="app")
        if learn.want_reset:
            learn.want_reset = False
            _start(learn.run_settings)
        # Pages take turns (one GIL per process; kvviz/ui/turns.py): a whole page run already holds
        # one (app.py); a step request in this fragment (Next, a Play tick) takes its own.
        with turns.page_turn(take=learn.want_next or learn.playing) as (on_wait, notice):
            if learn.want_next:
                learn.want_next = False
                _advance(on_wait)
            # Advance on the timer's ticks only, not when a widget inside the fragment changes.
            if learn.playing:
                _play_tick(pace, on_wait)
                if not learn.playing:
                    st.rerun()  # the run ended: stop the timer
            notice.empty()
            if presenter.is_on():
                presenter.lesson_banner(learn.tracer.trace, learn.view)
            _controls()
            views.show_error()
            tracer = learn.tracer
            if views.skipped_recompute(tracer.trace, learn.view):
                st.info(t("learn.crowd_mode"), icon=":material/groups:")
            try:
                views.draw(tracer.trace, learn.view, tracer.done)
            except Exception as e:  # a message, never a traceback (logged)
                log.exception("could not draw the step")
                st.error(md_escape(t("learn.error.draw", kind=type(e).__name__, detail=str(e)[:300])))
        shared = share.current_state(learn.view, learn.open_view)  # after draw: the open tab is known
        share.write_url(shared)
        follow.publish(shared)

    body()


def _ready_last(tracer) -> int:
    """The last step this visitor can be shown without running the model (a shared run may be ahead)."""
    run = getattr(tracer, "run", None)  # a run store Cursor
    return len(run.steps if run is not None else tracer.trace.steps) - 1


def _play_tick(pace: float, on_wait) -> None:
    """One timer tick of Play: the step Play's clock says (kvviz/ui/play_clock.py): frames skipped
    when the server is slower than the pace, never a queue of steps."""
    tracer = learn.tracer
    if learn.view >= len(tracer.trace.steps) - 1 and tracer.done:
        learn.playing = False
        return
    clock = learn.play_clock or play_clock.Clock(time.monotonic(), learn.view)
    goal = play_clock.target(clock, time.monotonic(), pace, learn.view, _ready_last(tracer))
    if goal > learn.view:
        _advance_to(goal, on_wait)
        learn.play_clock = play_clock.after(clock, time.monotonic(), pace, learn.view)
    if learn.view >= len(tracer.trace.steps) - 1 and tracer.done:
        learn.playing = False


# Button callbacks run before the page is drawn, so every button's state reflects the click. Next and
# Reset only ask: the work runs in the page, where a queued step can say so while it waits.
def _on_next() -> None:
    learn.error = None
    learn.want_next = True


def _on_back() -> None:
    learn.error = None
    learn.playing = False
    learn.view = max(0, learn.view - 1)


def _on_play() -> None:
    learn.playing = not learn.playing
    learn.play_clock = play_clock.Clock(time.monotonic(), learn.view)


def _on_reset() -> None:
    """Start again with the settings of the run on screen, not unsaved edits in the sidebar."""
    apply_language()
    learn.playing = False
    if learn.is_replay:
        learn.view = 0  # a saved trace: back to its first step
        return
    learn.want_reset = True


def _on_slide() -> None:
    learn.error = None
    learn.playing = False
    learn.view = st.session_state[W_SLIDER]


def _controls() -> None:
    tracer = learn.tracer
    last = len(tracer.trace.steps) - 1
    view = learn.view
    playing = learn.playing
    at_end = view == last and tracer.done
    c = st.columns([1, 1.3, 1, 1, 1.4, 1])
    c[0].button(t("learn.back"), icon=":material/arrow_back:", disabled=view == 0 or playing, width="stretch",
                key="back", on_click=_on_back, shortcut=presenter.shortcut("back"))
    c[1].button(t("learn.next"), icon=":material/skip_next:", type="primary", disabled=at_end or playing,
                width="stretch", key="next", on_click=_on_next, help=t("learn.next_help"),
                shortcut=presenter.shortcut("next"))
    c[2].button(t("learn.pause") if playing else t("learn.play"),
                icon=":material/pause:" if playing else ":material/play_arrow:",
                disabled=at_end and not playing, width="stretch", key="play", on_click=_on_play,
                shortcut=presenter.shortcut("play"))
    c[3].button(t("learn.reset"), icon=":material/replay:", width="stretch", key="reset", on_click=_on_reset,
                help=t("learn.reset_help"))
    c[4].selectbox(t("learn.pace"), list(PACES), index=list(PACES).index(DEFAULT_PACE), key=W_PACE,
                   label_visibility="collapsed", format_func=lambda p: t(f"learn.pace.{p}"))
    with c[5]:
        share.link_box(share.current_state(view, learn.open_view))
    if last > 0:
        st.session_state[W_SLIDER] = view
        st.slider(t("learn.slider"), 0, last, key=W_SLIDER, on_change=_on_slide, disabled=playing)
