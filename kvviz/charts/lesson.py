"""The overview's two small figures, drawn above the Learn page's tabs: every layer's cache
growing, and each step's work with the cache against what a cache-less loop redoes.

Pure Plotly from a Trace and the ledger: no Streamlit, no model. Sized to sit side by side
above the fold at 1280×800; every word from kvviz.text.
"""

from __future__ import annotations

import plotly.graph_objects as go

from kvviz.analysis import ledger
from kvviz.charts.shared import all_steps, ledger_run, shared_figure
from kvviz.charts.trace import FRESH, RECOMPUTED, REUSED, step_label
from kvviz.text import t
from kvviz.trace_data import Trace
from kvviz.units import fmt_bytes

HEIGHT = 230  # px: two of these side by side fit under the strip at 1280×800, even at a long prompt
FONT = {"size": 12}
WRITTEN = FRESH  # the position written this step: computed fresh, as in the work chart


def _small(data: list[dict], title: str, x: str, y: str, xaxis: dict, yaxis: dict) -> go.Figure:
    """The figure from a plain spec (Plotly's canonical form, checked against its validation in
    tests/test_lesson.py): built for every new step of every run, where constructing and validating
    go.Bar objects cost ~25 ms a figure; this costs ~1."""
    layout = {
        "title": {"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        "xaxis": {"title": {"text": x}, **xaxis}, "yaxis": {"title": {"text": y}, **yaxis},
        "font": FONT, "height": HEIGHT, "barmode": "stack", "bargap": 0.15,
        "margin": {"l": 50, "r": 10, "t": 48, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "font": {"size": 11},
                   "traceorder": "normal"},
        "hoverlabel": {"font": {"size": 13}},
    }
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def _shape(dims: list[int]) -> str:
    return "[" + ", ".join(str(d) for d in dims) + "]"


@shared_figure(all_steps)
def cache_shapes_figure(trace: Trace, view: int) -> go.Figure:
    """One bar per layer: the positions its K and V hold after step `view`, the part written by
    this step in the fresh colour. Hover gives the layer's K/V shape and bytes."""
    step = trace.steps[view]
    fed = ledger.query_length("cached", step.phase, step.context_length)
    layers = step.cache_layers
    held = [c.key_shape[2] if len(c.key_shape) > 2 else 0 for c in layers]
    new = [min(fed, h) for h in held]
    custom = [[_shape(c.key_shape), fmt_bytes(c.bytes)] for c in layers]
    y = list(range(len(layers)))
    hover = t("lesson.chart.cache.hover") + "<extra></extra>"
    bar = {"type": "bar", "orientation": "h", "y": y, "customdata": custom, "hovertemplate": hover}
    data = [{**bar, "x": [h - n for h, n in zip(held, new)], "marker": {"color": REUSED},
             "name": t("lesson.chart.cache.reused")},
            {**bar, "x": new, "marker": {"color": WRITTEN}, "name": t("lesson.chart.cache.written")}]
    shapes = {tuple(c.key_shape) for c in layers} | {tuple(c.value_shape) for c in layers}
    label = step_label(step)
    title = (t("lesson.chart.cache.title", step=label, shape=_shape(list(next(iter(shapes)))))
             if len(shapes) == 1 else t("lesson.chart.cache.title_mixed", step=label))
    return _small(data, title, t("lesson.chart.cache.x"), t("lesson.chart.cache.y"),
                  xaxis={"rangemode": "tozero"}, yaxis={"autorange": "reversed", "dtick": 5 if len(layers) > 12 else 1})


@shared_figure(ledger_run)
def work_figure(run: ledger.RunLedger, view: int) -> go.Figure:
    """Per step up to `view`: the FLOPs the cached loop does (fresh), with the FLOPs a loop without
    a cache redoes for earlier positions stacked on top; the step on screen drawn solid, others faded."""
    steps = run.steps[: view + 1]
    x = [s.index for s in steps]
    fade = [1.0 if s.index == view else 0.45 for s in steps]
    data = [{"type": "bar", "x": x, "y": [s.fresh["total"] for s in steps], "name": t("lesson.chart.work.fresh"),
             "marker": {"color": FRESH, "opacity": fade},
             "hovertemplate": t("lesson.chart.work.fresh_hover") + "<extra></extra>"},
            {"type": "bar", "x": x, "y": [s.recomputed["total"] for s in steps],
             "name": t("lesson.chart.work.recomputed"), "marker": {"color": RECOMPUTED, "opacity": fade},
             "hovertemplate": t("lesson.chart.work.recomputed_hover") + "<extra></extra>"}]
    return _small(data, t("lesson.chart.work.title"), t("lesson.chart.work.x"), t("lesson.chart.work.y"),
                  xaxis={"range": [-0.6, max(view, 4) + 0.6]}, yaxis={"tickformat": "~s"})
