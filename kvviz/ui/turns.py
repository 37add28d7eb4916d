"""Pages take turns for this server process, and a visitor whose turn has not come is told so.

One process draws pages under one GIL: every page run (a first visit, a Start, a widget, a step)
takes a turn in the run store's page queue (KVVIZ_PAGE_SLOTS at once, first come first served, a
visitor's first page ahead of queued steps), so a crowd's pages finish one after another instead of
all slowly together, and a page that waits shows "queued" with an estimate instead of a silent spinner.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import streamlit as st

from kvviz.text import t
from kvviz.ui.state import learn


def visitor_id() -> str:
    """This visitor's id in the server's queues (one request each at a time)."""
    if learn.visitor_id is None:
        learn.visitor_id = uuid.uuid4().hex
    return learn.visitor_id


def queue_notice():
    """A slot that says "queued" while this visitor's work waits for the server; returns
    (on_wait for the run store, the slot to clear afterwards)."""
    slot = st.empty()
    shown = [""]

    def on_wait(ahead: int, eta_s: float) -> None:
        text = t("learn.queued.one" if ahead == 1 else "learn.queued.many", ahead=ahead, eta=max(1, round(eta_s)))
        if text != shown[0]:  # a waiting room polls twice a second: send only what changed
            shown[0] = text
            slot.info(text, icon=":material/hourglass_top:")

    return on_wait, slot


@contextlib.contextmanager
def page_turn(take: bool = True) -> Iterator[tuple]:
    """Hold one of the process's page slots for the body (none when not `take`); a turn inside a turn
    is the same turn. A visitor's first page goes ahead of the steps already queued (a room arriving
    sees its pages). Yields (on_wait, notice): the same slot tells of a wait for the model inside."""
    from kvviz.engine.runstore import shared_store

    first = learn.visitor_id is None
    on_wait, notice = queue_notice()
    turn = shared_store().page_turn(visitor_id(), on_wait, first=first) if take else contextlib.nullcontext()
    with turn:
        notice.empty()
        yield on_wait, notice
