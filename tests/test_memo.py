"""Work drawn from shared steps is done once per process: two visitors on one run share figures and
ledgers (built once), different runs, views or languages never do, and a shared result cannot be
changed through the copy a visitor gets."""

import gc

import pytest
from tiny_models import tiny_loaded

from kvviz.analysis import ledger, memo
from kvviz.charts import shared
from kvviz.charts import trace as charts
from kvviz.engine.runstore import RunStore
from kvviz.engine.tracer import Tracer
from kvviz.text import set_language


def cursor(store, prompt, owner):
    tr = Tracer(tiny_loaded("llama"), prompt, 4)
    tr.record_attention([0])
    c = store.open(tr, "tiny-llama", owner)
    for _ in range(3):
        c.step()
    return c


@pytest.fixture
def fresh_memo(monkeypatch):
    m = memo.Memo(16 << 20)
    monkeypatch.setattr(memo, "shared", m)
    set_language("en")
    return m


def test_two_visitors_on_one_run_share_each_figure_built_once(fresh_memo):
    store = RunStore()
    a, b = cursor(store, "One two three", "a"), cursor(store, "One two three", "b")
    assert a.trace.steps[1] is b.trace.steps[1]  # the store shares the steps
    fa, fb = charts.cache_map_figure(a.trace, 2), charts.cache_map_figure(b.trace, 2)
    assert fresh_memo.misses == 1 and fresh_memo.hits == 1
    assert fa is not fb and fa.to_dict() == fb.to_dict() == charts.cache_map_figure.build(a.trace, 2).to_dict()
    fa.update_layout(title_text="changed by one visitor")  # their copy only
    assert charts.cache_map_figure(b.trace, 2).layout.title.text != "changed by one visitor"
    ra = ledger.split_trace(a.trace)
    assert ledger.split_trace(b.trace) is ra  # one ledger per steps
    assert charts.work_split_figure(ra, 2).to_dict() == charts.work_split_figure.build(ra, 2).to_dict()
    assert charts.running_totals_figure(ra, 2).to_dict() == charts.running_totals_figure.build(ra, 2).to_dict()


def test_different_runs_steps_or_views_never_share(fresh_memo):
    store = RunStore()
    a, c = cursor(store, "One two three", "a"), cursor(store, "Four five six", "c")
    fa, fc = charts.cache_map_figure(a.trace, 2), charts.cache_map_figure(c.trace, 2)
    assert fa.to_dict() != fc.to_dict() and fresh_memo.misses == 2
    assert charts.cache_map_figure(a.trace, 1).to_dict() == charts.cache_map_figure.build(a.trace, 1).to_dict()
    assert ledger.split_trace(a.trace) is not ledger.split_trace(c.trace)
    fig = charts.attention_figure(a.trace, 2, 0, 1)
    assert fig.to_dict() == charts.attention_figure.build(a.trace, 2, 0, 1).to_dict()
    assert fig.to_dict() != charts.attention_figure(a.trace, 2, 0, 2).to_dict()  # another head
    step = a.trace.steps[2]
    assert charts.components_figure(step, True).to_dict() == charts.components_figure.build(step, True).to_dict()
    assert charts.components_figure(step).to_dict() == charts.components_figure.build(step).to_dict()


def test_language_is_part_of_the_key(fresh_memo, monkeypatch):
    store = RunStore()
    a = cursor(store, "One two three", "a")
    charts.cache_map_figure(a.trace, 2)
    monkeypatch.setattr(shared, "language", lambda: "xx")
    charts.cache_map_figure(a.trace, 2)
    assert fresh_memo.misses == 2 and fresh_memo.hits == 0


def test_entries_never_keep_steps_alive_and_the_memo_is_bounded():
    m = memo.Memo(max_bytes=4000)

    class Obj:
        pass

    o = Obj()
    assert m.get(("k",), (o,), lambda: "x" * 100) == "x" * 100
    assert m.get(("k",), (o,), lambda: "other") == "x" * 100  # a hit
    del o
    gc.collect()
    o2 = Obj()  # may reuse the id: the dead weak reference never matches it
    assert m.get(("k",), (o2,), lambda: "new") == "new"
    for i in range(100):
        m.get(("n", i), (), lambda: "y" * 500)
    assert m.nbytes <= 4000 and len(m) < 10


def test_tables_are_made_once_per_step_and_language(fresh_memo):
    from kvviz.analysis.article import compare_trace
    from kvviz.ui import tables

    store = RunStore()
    a, b = cursor(store, "One two three", "a"), cursor(store, "One two three", "b")
    made = []

    def rows(step):
        made.append(step.index)
        return [{"token": c.token_text, "probability": c.prob} for c in step.top_k]

    ta = tables.shared_table("candidates", (a.trace.steps[2],), lambda: rows(a.trace.steps[2]))
    tb = tables.shared_table("candidates", (b.trace.steps[2],), lambda: rows(b.trace.steps[2]))
    assert ta is tb and made == [2]
    assert ta.column_names == ["token", "probability"]
    assert ta.column("probability").to_pylist() == [c.prob for c in a.trace.steps[2].top_k]
    tables.shared_table("candidates", (a.trace.steps[1],), lambda: rows(a.trace.steps[1]))
    set_language("zh")
    tables.shared_table("candidates", (a.trace.steps[2],), lambda: rows(a.trace.steps[2]))
    set_language("en")
    assert made == [2, 1, 2]  # another step, another language: made again
    assert compare_trace(a.trace) is compare_trace(b.trace)  # same model, same tokens
    assert compare_trace(a.trace) != compare_trace(cursor(store, "One two three four five", "c").trace)


def test_a_table_arrow_cannot_hold_stays_a_frame(fresh_memo):
    from kvviz.ui import tables

    mixed = tables.shared_table("mixed", (), lambda: [{"a": 1}, {"a": "two"}, {"a": b"\xff"}])
    assert len(mixed) == 3 and list(mixed["a"]) == [1, "two", b"\xff"]  # st.dataframe converts it
