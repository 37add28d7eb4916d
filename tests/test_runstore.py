"""The shared run store: identical work done once, never shared across different content, each
visitor's view their own, the bound enforced; and the fair work limiter. Tiny models, not timed."""

import threading
import time

import pytest
from tiny_models import tiny_loaded

from kvviz.engine.limiter import WorkLimiter
from kvviz.engine.runstore import RunStore, run_key
from kvviz.engine.tracer import Sampling, Tracer

PROMPT = "The cache grows by one"


class CountingTracer(Tracer):
    """A Tracer that counts its forward steps, to prove who computed what."""

    calls = 0

    def step(self):
        type(self).calls += 1
        return super().step()


@pytest.fixture(autouse=True)
def _reset_count():
    CountingTracer.calls = 0


def tracer(prompt=PROMPT, n=6, arch="llama", **kw):
    kw.setdefault("attention_layers", "all")
    return CountingTracer(tiny_loaded(arch), prompt, n, **kw)


def open_(store, owner, model="tiny", **kw):
    return store.open(tracer(**kw), model, owner)


def test_same_preset_one_computation_identical_steps():
    store = RunStore()
    a = open_(store, "alice")
    b = open_(store, "bob")
    assert a.run is b.run and store.misses == 1 and store.hits == 1
    for _ in range(4):
        a.step()
    for _ in range(4):
        b.step()
    assert CountingTracer.calls == 4 and a.run.computations == 4
    assert [s.token_id for s in a.trace.steps] == [s.token_id for s in b.trace.steps]
    assert all(x is y for x, y in zip(a.trace.steps, b.trace.steps))  # the same objects, read-only


def test_shared_steps_equal_an_unshared_run():
    store = RunStore()
    a = open_(store, "alice")
    b = open_(store, "bob")
    while not a.done:
        a.step()
    while not b.done:
        b.step()
    alone = Tracer(tiny_loaded("llama"), PROMPT, 6, attention_layers="all").run()
    assert [s.token_id for s in b.trace.steps] == alone.generated_ids
    assert [s.cache_bytes for s in b.trace.steps] == [s.cache_bytes for s in alone.steps]
    assert b.trace.finish_reason == alone.finish_reason == "max_new_tokens"


def test_concurrent_requests_wait_for_one_computation():
    store = RunStore()
    cursors = [open_(store, f"v{i}") for i in range(6)]
    errors = []

    def walk(c):
        try:
            while not c.done:
                c.step()
        except Exception as e:  # collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=walk, args=(c,)) for c in cursors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert CountingTracer.calls == 6  # six steps, not 36
    ids = {tuple(s.token_id for s in c.trace.steps) for c in cursors}
    assert len(ids) == 1 and all(c.done for c in cursors)


@pytest.mark.parametrize("change", [
    dict(prompt="A different prompt"),
    dict(n=7),
    dict(sampling=Sampling(0.8, 50, 0.95, 1)),
    dict(attention_layers=[0]),
    dict(compare=False),
    dict(use_cache=False),
    dict(arch="qwen2"),
])
def test_different_content_never_shares(change):
    store = RunStore()
    a = open_(store, "alice")
    b = open_(store, "bob", **change)
    assert a.run is not b.run and store.misses == 2
    a.step()
    b.step()
    assert a.trace.steps[0] is not b.trace.steps[0]
    assert CountingTracer.calls == 2


def test_model_id_is_part_of_the_key():
    store = RunStore()
    a = store.open(tracer(), "gpt2", "alice")
    b = store.open(tracer(), "/some/folder", "bob")
    assert a.run is not b.run


def test_sampled_runs_with_a_seed_share_and_other_seeds_do_not():
    store = RunStore()
    s = dict(sampling=Sampling(0.8, 50, 0.95, 7))
    a, b = open_(store, "a", **s), open_(store, "b", **s)
    c = open_(store, "c", sampling=Sampling(0.8, 50, 0.95, 8))
    assert a.run is b.run and a.run is not c.run
    assert run_key(tracer(**s), "m") != run_key(tracer(sampling=Sampling(0.8, 50, 0.95, 8)), "m")


def test_each_visitor_keeps_their_own_view():
    store = RunStore()
    a = open_(store, "alice")
    b = open_(store, "bob", prompt=PROMPT)
    for _ in range(6):
        a.step()
    assert a.done and a.trace.finish_reason == "max_new_tokens"
    # Bob has not moved: alice's progress is not his.
    assert b.trace.steps == [] and not b.done and b.trace.finish_reason is None
    b.step()
    assert len(b.trace.steps) == 1 and len(a.trace.steps) == 6
    # Reset: alice opens the run again and is back at step 0, bob keeps his step.
    a2 = open_(store, "alice")
    assert a2.trace.steps == [] and len(b.trace.steps) == 1
    a2.step()
    assert a2.trace.steps[0] is a.trace.steps[0] and CountingTracer.calls == 6


def test_a_visitor_keeps_their_own_prompt_text():
    store = RunStore()
    a = open_(store, "alice")
    t = tracer()
    t.trace.prompt_text = "shown to bob"  # e.g. text that tokenizes the same
    b = store.open(t, "tiny", "bob")
    assert a.run is b.run and a.trace.prompt_text == PROMPT and b.trace.prompt_text == "shown to bob"


def test_bound_is_enforced_and_dropped_runs_live_on_for_their_visitors():
    store = RunStore(max_bytes=1)
    a = open_(store, "alice")
    a.step()  # the run now holds more than 1 byte: the store lets it go
    assert len(store) == 0 and store.nbytes <= 1
    a.step()  # alice keeps stepping her run
    assert len(a.trace.steps) == 2
    b = open_(store, "bob")
    assert b.run is not a.run  # a new visitor starts afresh


def test_bound_keeps_most_recent_runs_within_bytes():
    one = RunStore()
    c = open_(one, "x", prompt="run 0")
    c.step()
    c.step()
    per_run = c.run.nbytes
    store = RunStore(max_bytes=int(per_run * 2.5))
    for i in range(5):
        cur = open_(store, f"v{i}", prompt=f"run {i}")
        cur.step()
        cur.step()
        assert store.nbytes <= store.max_bytes
    assert len(store) == 2
    assert open_(store, "w", prompt="run 4").run is cur.run  # the most recent one stayed


def test_finished_run_frees_its_tracer():
    store = RunStore()
    a = open_(store, "alice", n=2)
    a.step()
    live = a.run.nbytes
    a.step()
    assert a.done and a.run._tracer is None
    assert a.run.nbytes == a.run.steps_bytes < live + a.run.steps_bytes


# ---- the work limiter ----------------------------------------------------------------------------

def test_limiter_first_come_first_served_and_reports_the_queue():
    lim = WorkLimiter(slots=1, poll_s=0.01)
    order, waits = [], {}
    hold = threading.Event()

    def work(owner):
        with lim.slot(owner, on_wait=lambda ahead, eta: waits.setdefault(owner, (ahead, eta))):
            order.append(owner)
            if owner == "a":
                hold.wait(5)

    ta = threading.Thread(target=work, args=("a",))
    ta.start()
    while lim.pending() < 1:
        time.sleep(0.005)
    tb = threading.Thread(target=work, args=("b",))
    tb.start()
    while lim.pending() < 2:
        time.sleep(0.005)
    tc = threading.Thread(target=work, args=("c",))
    tc.start()
    while lim.pending() < 3:
        time.sleep(0.005)
    time.sleep(0.05)
    hold.set()
    for t in (ta, tb, tc):
        t.join(5)
    assert order == ["a", "b", "c"]
    assert "a" not in waits and waits["b"][0] == 1 and waits["c"][0] == 2
    assert waits["c"][1] > waits["b"][1] > 0
    assert lim.served == 3 and lim.waits == 2 and lim.pending() == 0


def test_limiter_one_pending_request_per_visitor():
    """A visitor's second request waits for their first to finish, behind everyone already in line."""
    lim = WorkLimiter(slots=1, poll_s=0.01)
    order = []
    hold = threading.Event()

    def work(owner, tag):
        with lim.slot(owner):
            order.append(tag)
            if tag == "a1":
                hold.wait(5)

    t1 = threading.Thread(target=work, args=("a", "a1"))
    t1.start()
    while lim.pending() < 1:
        time.sleep(0.005)
    t2 = threading.Thread(target=work, args=("a", "a2"))  # the same visitor again (Play, fast)
    t2.start()
    time.sleep(0.05)
    assert lim.pending() == 1  # not queued while a1 is pending
    t3 = threading.Thread(target=work, args=("b", "b1"))
    t3.start()
    while lim.pending() < 2:
        time.sleep(0.005)
    hold.set()
    for t in (t1, t2, t3):
        t.join(5)
    assert order == ["a1", "b1", "a2"]


def test_limiter_gives_up_the_place_when_the_wait_is_abandoned():
    lim = WorkLimiter(slots=1, poll_s=0.01)
    hold = threading.Event()

    def a():
        with lim.slot("a"):
            hold.wait(5)

    ta = threading.Thread(target=a)
    ta.start()
    while lim.pending() < 1:
        time.sleep(0.005)

    def stop(ahead, eta):
        raise KeyboardInterrupt  # e.g. Streamlit stopping a stale run

    with pytest.raises(KeyboardInterrupt):
        with lim.slot("b", on_wait=stop):
            pass
    assert lim.pending() == 1
    hold.set()
    ta.join(5)
    with lim.slot("b"):
        assert lim.pending() == 1
    assert lim.pending() == 0


def test_crowded_counts_recent_visitors():
    store = RunStore(crowd_visitors=3, active_window_s=60)
    a = open_(store, "alice")
    open_(store, "bob")
    assert store.active_visitors() == 2 and not store.crowded()
    open_(store, "carol", prompt="other")
    a.step()
    assert store.active_visitors() == 3 and store.crowded()
    store.active_window_s = 0  # everyone's last request is now "long ago"
    time.sleep(0.01)
    assert store.active_visitors() == 0 and not store.crowded()
    assert not RunStore(crowd_visitors=0).crowded()


def test_pages_take_turns_and_a_waiting_visitor_is_told():
    store = RunStore(page_slots=1)
    told: list[tuple[int, float]] = []
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with store.page_turn("a"):
            order.append("a")
            inside.set()
            release.wait(5)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(5)
    threading.Timer(0.3, release.set).start()
    with store.page_turn("b", lambda ahead, eta: told.append((ahead, eta))):
        order.append("b")
    t.join(5)
    assert order == ["a", "b"]  # b drew after a's turn ended
    assert told and told[0][0] == 1 and told[0][1] > 0  # and was told one page was ahead, with an estimate
    assert store.pages.waits == 1 and store.pages.served == 2


def test_without_page_slots_pages_never_wait():
    store = RunStore(page_slots=0)
    with store.page_turn("a"), store.page_turn("b", lambda *_: pytest.fail("told to wait")):
        pass
    assert store.pages is None


def test_a_turn_inside_a_turn_on_one_thread_is_the_same_turn():
    """A page run holds a turn and draws its step fragment inline, which asks again: no deadlock,
    one turn served; another thread still waits for it."""
    store = RunStore(page_slots=1)
    with store.page_turn("a"):
        with store.page_turn("a", lambda *_: pytest.fail("told to wait for its own turn")):
            assert store.pages.pending() == 1
        told = []

        def b():
            with store.page_turn("b", lambda *w: told.append(w)):
                pass
        other = threading.Thread(target=b)
        other.start()
        other.join(0.3)
        assert other.is_alive() and told and told[0][0] == 1  # b waits behind a's one turn
    other.join(5)
    assert not other.is_alive()
    assert store.pages.served == 2 and store.pages.waits == 1  # a's two asks were one turn


def test_a_first_page_goes_ahead_of_queued_steps_but_behind_earlier_first_pages():
    from kvviz.engine.limiter import WorkLimiter

    lim = WorkLimiter(1, poll_s=0.05)
    order: list[str] = []
    hold, started = threading.Event(), threading.Event()

    def running():
        with lim.slot("r"):
            started.set()
            hold.wait(5)

    def ask(owner: str, first: bool):
        with lim.slot(owner, first=first):
            order.append(owner)

    threads = [threading.Thread(target=running)]
    threads[0].start()
    assert started.wait(5)
    for owner, first in (("step a", False), ("step b", False), ("page c", True), ("page d", True)):
        th = threading.Thread(target=ask, args=(owner, first))
        th.start()
        threads.append(th)
        while lim.pending() < len(threads):  # each in line before the next asks
            threading.Event().wait(0.01)
    hold.set()
    for th in threads:
        th.join(5)
    assert order == ["page c", "page d", "step a", "step b"]


def test_steps_computed_in_a_crowd_skip_the_recompute_pass_except_in_the_run_a_room_follows():
    store = RunStore(crowd_visitors=2, active_window_s=60)
    a = open_(store, "alice", n=8)
    a.step()
    a.step()  # alone: prefill and decode 1 measured both ways
    b = open_(store, "bob", n=8)  # a second visitor makes the room a crowd
    a.step()
    a.step()
    store.active_window_s = 0  # the room has gone quiet
    time.sleep(0.01)
    a.step()
    measured = [s.other_time_ms is not None for s in a.trace.steps]
    assert measured == [True, True, False, False, True]
    assert all((s.max_abs_logit_diff is None) == (s.other_token_id is None) == (not m)
               for s, m in zip(a.trace.steps, measured))
    # Skipping costs the later steps nothing: the tokens are those of a run measured throughout.
    assert [s.token_id for s in a.trace.steps] == [s.token_id for s in tracer(n=8).run().steps[:5]]
    assert a.trace.steps[-1].max_abs_logit_diff < 1e-3
    # A crowd again. The run a room follows keeps the pass (computed once for everyone in it).
    store.active_window_s = 60
    b.step()
    assert store.crowded() and b.run is a.run
    a.step()
    assert a.trace.steps[-1].other_time_ms is None
    a.run.led = True
    a.step()
    assert a.trace.steps[-1].other_time_ms is not None
