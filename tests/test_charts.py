"""Figures are pure functions of a trace: check what they draw against the trace itself."""

import pytest
from tiny_models import tiny_loaded

import kvviz
from kvviz.analysis import ledger
from kvviz.charts import trace as charts

PROMPT = "One two three four"


@pytest.fixture(scope="module")
def gemma3_trace():
    # hybrid: sliding layers (window 5) and one global layer, attention recorded everywhere
    return kvviz.trace(tiny_loaded("gemma3"), PROMPT, 8, attention_layers="all")


def test_cache_bytes_series_is_the_trace(gemma3_trace):
    fig = charts.cache_bytes_figure(gemma3_trace, 3)
    assert list(fig.data[0].y) == [s.cache_bytes for s in gemma3_trace.steps]


def test_cache_map_matches_what_each_layer_holds(gemma3_trace):
    tr = gemma3_trace
    p = len(tr.prompt_token_ids)
    view = 6
    rows = charts.writer_steps(tr, view)
    step = tr.steps[view]
    assert len(rows) == tr.model.num_layers and len(rows[0]) == step.context_length
    for layer, row in zip(step.cache_layers, rows):
        held = [w for w in row if w is not None]
        assert len(held) == layer.key_shape[2]  # as many entries as the real tensor's seq axis
        assert held[-1] == view  # the newest entry was written by the step being viewed
    global_row = rows[-1]  # the global layer keeps everything: prefill, then one per decode step
    assert global_row == [0] * p + list(range(1, view + 1))
    fig = charts.cache_map_figure(tr, view)
    assert "evicted" in fig.data[0].text[0][0]  # sliding layer 0 dropped position 0


def test_attention_rows_are_aligned_to_positions(gemma3_trace):
    tr = gemma3_trace
    p = len(tr.prompt_token_ids)
    m = charts.attention_matrix(tr, 5, layer=0, head=1)  # a sliding layer
    assert len(m) == p + 5 and all(len(r) == tr.steps[5].context_length for r in m)
    for r, row in enumerate(m):
        weights = [x for x in row if x is not None]
        assert abs(sum(weights) - 1) < 1e-4  # softmax rows
        assert all(x is None or x == 0 for x in row[r + 1 :])  # nothing after the query (causal)
    last = m[-1]
    window = tr.model.layer_windows[0]
    assert sum(x is not None for x in last) == window  # the cache's window-1 entries plus the new key
    g = charts.attention_matrix(tr, 5, layer=5, head=0)  # the global layer sees every position
    assert all(x is not None for x in g[-1])


def test_token_text_is_escaped_in_figures():
    assert charts.plotly_text("<b>x</b> & y\n") == "&lt;b&gt;x&lt;/b&gt; &amp; y↵"
    tr = kvviz.trace(tiny_loaded("llama"), "<b>bold</b> <img src=x>", 2, attention_layers=[0])
    for fig in (charts.cache_map_figure(tr, 1), charts.attention_figure(tr, 1, 0, 0)):
        text = fig.to_json()
        assert "<b>bold" not in text and "<img" not in text


def test_work_figures_follow_the_ledger(gemma3_trace):
    run = ledger.split_trace(gemma3_trace)
    fig = charts.work_split_figure(run, 2)
    fresh, recomputed, reused = fig.data[:3]
    assert list(fresh.y) == [s.fresh["total"] for s in run.steps]
    assert list(recomputed.y) == [s.recomputed["total"] for s in run.steps]
    assert list(reused.y) == [s.reused_kv_bytes for s in run.steps]
    totals = charts.running_totals_figure(run, 2)
    assert totals.data[0].y[-1] == run.recompute_total and totals.data[1].y[-1] == run.cached_total
    comp = charts.components_figure(gemma3_trace.steps[4])
    assert list(comp.data[0].x) == [gemma3_trace.steps[4].flops["cached"][c] for c in ledger.COMPONENTS]


def test_every_figure_has_titles(gemma3_trace):
    tr = gemma3_trace
    run = ledger.split_trace(tr)
    figs = [charts.cache_map_figure(tr, 3), charts.cache_bytes_figure(tr, 3), charts.time_figure(tr, 3),
            charts.attention_figure(tr, 3, 0, 0), charts.running_totals_figure(run, 3)]
    for fig in figs:
        assert fig.layout.title.text
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_short_cache_map_names_every_position_and_whole_layers(gemma3_trace):
    """Up to TOKENS_ON_AXIS positions the x-axis names each position's token (Plotly turns them when
    they would overlap); the layer axis numbers whole layers, at most MAX_POSITION_TICKS of them."""
    tr = gemma3_trace
    view = 6
    n = tr.steps[view].context_length
    assert n <= charts.TOKENS_ON_AXIS
    fig = charts.cache_map_figure(tr, view)
    x, y = fig.layout.xaxis, fig.layout.yaxis
    assert x.tickmode == "array" and len(x.ticktext) == n and x.tickangle is None
    assert list(x.ticktext) == [lab.split(" ", 1)[1] for lab in fig.data[0].x]
    layers = tr.model.num_layers
    assert y.tick0 == 0 and y.dtick == max(1, -(-layers // charts.MAX_POSITION_TICKS)) and float(y.dtick).is_integer()
    assert -(-layers // y.dtick) <= charts.MAX_POSITION_TICKS


def test_position_ticks_number_the_window_from_its_first_position():
    labels = [f"{p} 'w'" for p in range(1920, 2048)]  # an attention window: the last 128 of 2,048 keys
    ticks = charts._position_ticks(labels, 1920)
    assert ticks["ticktext"] == [str(p) for p in range(1920, 2048, 20)]
    assert ticks["tickvals"] == [f"{p} 'w'" for p in range(1920, 2048, 20)]
