"""The explainer page with several visitors on one server process (AppTest, built-in model): steps
computed once for the room, each visitor's view their own, and a crowded server that says what it
skipped. Not timed (see benchmarks/load.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvviz.engine import runstore
from kvviz.engine.limiter import WorkLimiter

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"
pytestmark = pytest.mark.slow


@pytest.fixture
def store(monkeypatch):
    """A fresh process-wide store for the test (the page asks runstore.shared_store())."""
    def use(**kw):
        s = runstore.RunStore(limiter=WorkLimiter(1), **kw)
        monkeypatch.setattr(runstore, "_shared", s)
        return s
    return use


def _open() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open_following(room_id: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.query_params["follow"] = room_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _step_metric(at) -> str:
    return next(m.value for m in at.metric if m.label == "Step")


def _click(at, key: str) -> None:
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_two_visitors_share_one_computation_and_keep_their_own_view(store):
    s = store()
    alice = _open()
    for _ in range(3):
        _click(alice, "next")
    run = alice.session_state.tracer.run
    assert run.computations == 5  # prefill + decode 1 on opening, then 3 decode steps
    bob = _open()
    assert bob.session_state.tracer.run is run and _step_metric(bob) == "decode 1"
    for _ in range(3):
        _click(bob, "next")
    assert run.computations == 5 and _step_metric(bob) == "decode 4"
    assert [x.token_id for x in bob.session_state.tracer.trace.steps] == \
        [x.token_id for x in alice.session_state.tracer.trace.steps]
    _click(bob, "reset")  # Bob starts again; Alice stays where she was
    _click(bob, "next")
    alice.run()
    assert _step_metric(bob) == "decode 2" and _step_metric(alice) == "decode 4"
    assert run.computations == 5 and s.misses == 1


def test_a_crowded_server_skips_the_recompute_pass_and_says_so(store):
    store(crowd_visitors=2)
    at = _open()  # one visitor: the default run is measured both ways
    assert at.session_state.tracer.trace.steps[1].other_time_ms is not None
    assert not any("recompute pass" in i.value for i in at.info)
    _open()  # a second visitor: a crowd from now on
    at.sidebar.text_area(key="prompt").set_value("A prompt of my own about the sea and")
    at.sidebar.button(key="start").click().run()
    trace = at.session_state.tracer.trace
    assert trace.settings["compare"] is True and trace.steps[1].other_time_ms is None
    assert any("recompute pass" in i.value for i in at.info)
    assert "ms: forward pass" in [m.label for m in at.metric]
    at.sidebar.text_area(key="prompt").set_value("Lionel Messi is a")
    at.sidebar.button(key="start").click().run()  # the default run's steps, as they were computed
    assert at.session_state.tracer.trace.steps[1].other_time_ms is not None
    assert not any("recompute pass" in i.value for i in at.info)
    _click(at, "next")  # a new step, computed in the crowd
    assert at.session_state.tracer.trace.steps[2].other_time_ms is None
    assert any("recompute pass" in i.value for i in at.info)


def test_in_a_crowd_the_run_a_room_follows_keeps_the_recompute_pass(store, tmp_path, monkeypatch):
    from kvviz.ui import follow

    monkeypatch.setenv("KVVIZ_ROOMS_DIR", str(tmp_path))
    follow.room_store.clear()
    try:
        store(crowd_visitors=2)
        lead = _open()
        _open()  # a crowd from now on
        _click(lead, "next")
        assert lead.session_state.tracer.trace.steps[2].other_time_ms is None
        lead.button(key="room_lead").click().run()  # the instructor leads a room: the room's run
        _click(lead, "next")
        assert lead.session_state.tracer.trace.steps[3].other_time_ms is not None
        assert not any("recompute pass" in i.value for i in lead.info)
        attendee = _open_following(lead.session_state.room.room_id)
        _click(lead, "next")
        attendee.run()
        assert attendee.session_state.view == 4
        assert attendee.session_state.tracer.trace.steps[4].other_time_ms is not None
    finally:
        follow.room_store.clear()


def test_a_first_visit_waits_for_its_turn_and_is_told(store, monkeypatch):
    """Every page run takes a turn (kvviz/ui/turns.py): a visitor arriving while the page slots are
    held waits, is told "queued" with an estimate, and then gets the whole page."""
    import threading

    from kvviz.text import t
    from kvviz.ui import turns

    s = store(page_slots=1)
    _open()  # the model loaded and the default run computed: what follows only draws
    told: list[tuple[int, float]] = []
    real = turns.queue_notice

    def recording():
        on_wait, slot = real()
        return (lambda ahead, eta: (told.append((ahead, eta)), on_wait(ahead, eta))), slot
    monkeypatch.setattr(turns, "queue_notice", recording)
    holding, release = threading.Event(), threading.Event()

    def other_visitor():
        with s.page_turn("someone else"):
            holding.set()
            release.wait(30)
    other = threading.Thread(target=other_visitor)
    other.start()
    assert holding.wait(10)
    threading.Timer(1.0, release.set).start()  # the other page ends a second later
    waits = s.pages.waits
    at = _open()
    other.join(10)
    assert s.pages.waits == waits + 1  # this visit waited for the turn the other visitor held
    assert told and told[0][0] == 1 and told[0][1] > 0  # told while it waited: 1 ahead, an estimate
    assert _step_metric(at) == "decode 1"  # then the whole page, and the notice is gone
    queued = t("learn.queued.one", ahead=1, eta=1).split(":")[0]
    assert not any(i.value.startswith(queued) for i in at.info)
