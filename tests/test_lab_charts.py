"""The lab's pure Plotly builders against the data they draw (no Streamlit, tiny model)."""

from __future__ import annotations

import pytest
from tiny_models import tiny_loaded

from kvviz.analysis import lab as alab
from kvviz.charts import lab as charts
from kvviz.engine.lab import run_lab


@pytest.fixture(scope="module")
def run():
    return run_lab(tiny_loaded("llama"), "The cache grows by one <b>token</b>", 5, ["full", "sinks:2:2", "h2o:2:2"])


def test_grid_figure_draws_the_cell_states(run):
    for policy in (1, 2):
        for step in range(5):
            for head in (0, 1):
                fig = charts.grid_figure(run, policy, step, head)
                states = alab.grid(run, policy, step, head)
                codes = [[alab.CELL_STATES.index(c) for c in row] for row in states]
                assert [list(r) for r in fig.data[0].z] == codes
    h2o = run.policies[2].steps[4]
    for layer, heads in enumerate(h2o.kept_positions):  # per-head grids show each head's own positions
        for head, kept in enumerate(heads):
            row = alab.grid(run, 2, 4, head)[layer]
            assert [i for i, c in enumerate(row) if c not in (alab.EVICTED, alab.FUTURE)] == kept


def test_kl_and_bytes_figures_carry_the_runs_numbers(run):
    kl = charts.kl_figure(run, 3)
    assert [list(tr.y) for tr in kl.data] == [[s.kl for s in p.steps[:4]] for p in run.policies]
    b = charts.bytes_figure(run, 4)
    assert [list(tr.y) for tr in b.data] == [[s.cache_bytes for s in p.steps] for p in run.policies]


def test_perplexity_and_blocks_figures():
    points = [dict(family="window", budget=b, spec=f"window:{b}", perplexity=100 / b, peak_cache_bytes=1000 * b)
              for b in (16, 8)]
    fig = charts.perplexity_figure(points, dict(perplexity=3.0, peak_cache_bytes=64_000))
    assert list(fig.data[0].x) == [8000, 16000] and list(fig.data[0].y) == [12.5, 6.25]
    assert list(fig.data[1].y) == [3.0]
    demo = {"block_size": 4, "requests": [{"tokens": 9, "blocks": [0, 1, 2]}, {"tokens": 6, "blocks": [0, 3]}]}
    z = [list(r) for r in charts.blocks_figure(demo).data[0].z]
    assert z == [[1, 0, 0], [1, 0, None]]  # block 0 shared by both requests


def test_specs_and_token_text_are_escaped_in_figures():
    run = run_lab(tiny_loaded("llama"), "<b>x</b>", 2, ["full", "window:1"])
    fig = charts.grid_figure(run, 1, 1)
    assert "<b>" not in fig.layout.title.text
    assert all("<b>" not in str(cd) for tr in charts.kl_figure(run, 1).data for cd in tr.customdata)
