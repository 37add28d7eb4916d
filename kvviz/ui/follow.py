"""Follow mode: an instructor leads a room; attendees open `?follow=<room id>` and see the instructor's
run, read-only, at the instructor's step.

The instructor's session publishes the link state of the run on screen (settings, step, open view)
to the room store (kvviz/rooms.py: files every replica reads) whenever it changes. An attendee's
page holds a tiny fragment that runs once a second and does one stat() of the room's file; only
when that changed does the page rerun, read the room, and move to the new state. The attendee's
run is the same deterministic run (greedy or seeded), opened through the shared run store: on the
instructor's replica its steps are already computed; on another replica they are computed once
for everyone in the room there. No model work happens unless the instructor's state changed.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from kvviz import presets, rooms
from kvviz.errors import KvvizError
from kvviz.text import t
from kvviz.ui import url_state
from kvviz.ui.pages import learn_views as views
from kvviz.ui.state import Note, learn
from kvviz.ui.url_state import ShareState

PARAM = "follow"
LEAD_PARAM = "lead"  # a leader link: the instructor leads their room again from a new session
POLL_S = 1.0  # one stat() per attendee per second


@st.cache_resource(show_spinner=False)
def room_store() -> rooms.RoomStore:
    """This process's handle on the deployment's rooms (KVVIZ_ROOMS_DIR; see kvviz/rooms.py)."""
    return rooms.store_from_env()


def follow_id() -> str | None:
    """The room this visitor follows (from ?follow=), or None."""
    return st.query_params.get(PARAM)


def _link(param: str, value: str) -> str:
    """This page with one parameter, and the instructor's language if the URL names one."""
    params = {param: value}
    lang = st.query_params.get("lang")
    if lang:
        params["lang"] = lang
    return f"{st.context.url or ''}?{url_state.query_string(params)}"


def follower_link(room_id: str) -> str:
    """The link attendees open."""
    return _link(PARAM, room_id)


def leader_link(lead: rooms.Lead) -> str:
    """The link that leads the room again from a new session (after a reload): the instructor's alone."""
    return _link(LEAD_PARAM, rooms.lead_token(lead))


# --- the instructor --------------------------------------------------------------------------------


def mark_followed(tracer) -> None:
    """If this visitor leads a room or follows one, its run keeps the recompute pass on a crowded
    server: it is the lesson on the projector, computed once per replica for everyone in the room
    (kvviz/engine/runstore.py)."""
    run = getattr(tracer, "run", None)  # a run store cursor's shared run; a saved file has none
    if run is not None and (learn.room is not None or follow_id() is not None):
        run.led = True


def _on_lead() -> None:
    try:
        learn.room = room_store().create()
        learn.room_published = None
        mark_followed(learn.tracer)
    except (KvvizError, OSError) as e:
        learn.error = Note("learn.error.kvviz", {"message": t("share.room.full") if isinstance(e, OSError) else str(e)})


def _on_stop() -> None:
    if learn.room is not None:
        room_store().close(learn.room)
    learn.room = None
    learn.room_published = None


def lead_controls(where=None) -> None:
    """The "Lead a room" button, or the room's link and a Stop button while leading (in the sidebar,
    or in `where`: presenter mode has no sidebar)."""
    sb = where if where is not None else st.sidebar
    if learn.room is None:
        sb.button(t("share.room.lead"), icon=":material/groups:", help=t("share.room.lead_help"), key="room_lead",
                  on_click=_on_lead, width="stretch")
        return
    sb.success(t("share.room.leading"), icon=":material/groups:")
    sb.caption(t("share.room.link"))
    sb.code(follower_link(learn.room.room_id), language=None, wrap_lines=True)
    # In a popover: shown only when asked for (presenter mode draws these controls on the projected page)
    with sb.popover(t("share.room.resume"), icon=":material/key:", width="stretch"):
        st.caption(t("share.room.resume_help"))
        st.code(leader_link(learn.room), language=None, wrap_lines=True)
    sb.button(t("share.room.stop"), key="room_stop", on_click=_on_stop, width="stretch")


def resume_lead(models, views_: tuple, allow_other: bool) -> None:
    """A leader link (?lead=...): lead its room again and open the run where the room stands. The
    parameter leaves the address bar at once (a projected page never shows it) and is never put in
    a link for someone else. A link that no longer leads a room says so, and the page opens as usual."""
    token = st.query_params.get(LEAD_PARAM)
    if token is None:
        return
    del st.query_params[LEAD_PARAM]
    try:
        store = room_store()
        lead = store.resume(token)
        room = store.read(lead.room_id) if lead is not None else None
    except OSError:
        lead = room = None
    if lead is None or room is None:
        st.warning(t("share.room.resume_failed"), icon=":material/key_off:")
        return
    learn.room = lead
    learn.room_published = None
    state, _ = url_state.decode(room.params, models=models, views=views_, allow_other=allow_other,
                                scenarios=presets.explainer_scenarios())
    if state is not None:  # the room's run, instead of what the rest of the URL holds
        learn.link_read = True
        learn.pending_link = state


def publish(state: ShareState | None) -> None:
    """Send the run on screen to the room this visitor leads, if it changed since the last send."""
    if learn.room is None:
        return
    if state is None:  # a saved file: nothing a room could reopen
        st.caption(t("share.room.replay"))
        return
    params = url_state.encode(state, presets.explainer_scenarios())
    if params == learn.room_published:
        return
    try:
        room_store().publish(learn.room, params)
        learn.room_published = params
    except (KvvizError, OSError):  # closed, swept, or the folder is gone: stop leading and say so
        learn.room = None
        learn.error = Note("share.room.gone")


# --- the attendee ----------------------------------------------------------------------------------


def _leave() -> None:
    if PARAM in st.query_params:
        del st.query_params[PARAM]
    learn.follow_seen = None


def render_follower(room_id: str, sync: Callable[[ShareState], None], models, allow_other: bool) -> None:
    """An attendee's page: the instructor's run at the instructor's step, no controls.

    `sync` moves this visitor's run to a state (starting the run if its settings changed);
    `models` and `allow_other` are the explainer's model choices and policy (the room is read as
    untrusted as any link)."""
    st.sidebar.button(t("share.room.leave"), key="room_leave", on_click=_leave, width="stretch")
    if not rooms.valid_room_id(room_id):
        st.error(t("share.room.bad_id"))
        return
    try:
        store = room_store()
        learn.follow_seen = store.peek(room_id)  # before the read: a change in between reruns once more
        room = store.read(room_id)
    except OSError:  # the rooms folder cannot be read here: as good as no room
        room = None
    _watch(room_id)
    if room is None:
        st.warning(t("share.room.gone"), icon=":material/group_off:")
        return
    if not room.params:
        st.info(t("share.room.waiting"), icon=":material/hourglass_top:")
        return
    state, _ = url_state.decode(room.params, models=models, views=views.VIEWS, allow_other=allow_other,
                                scenarios=presets.explainer_scenarios())
    if state is None:
        st.info(t("share.room.waiting"), icon=":material/hourglass_top:")
        return
    sync(state)
    views.show_error()
    if not learn.has_run:
        return
    st.info(t("share.room.following"), icon=":material/groups:")
    tracer = learn.tracer
    views.draw(tracer.trace, learn.view, tracer.done)


def _watch(room_id: str) -> None:
    """Once a second: one stat() of the room's file; a full rerun only when it changed."""

    @st.fragment(run_every=POLL_S)
    def watcher():
        try:
            seen = room_store().peek(room_id)
        except OSError:
            seen = None
        if seen != learn.follow_seen:
            st.rerun(scope="app")

    watcher()
