"""Plotly figures for the Speed view: time per decode step and tokens/s against context, the floor as
a line, and what one step reads. Pure functions of a speed run (kvviz.analysis.speed_runs); the words
(titles, axis names, series names) come in as arguments from kvviz.text, so the charts carry none.
"""

from __future__ import annotations

import plotly.graph_objects as go

from kvviz.analysis import speed_runs
from kvviz.charts.trace import FONT, plotly_text

STYLE = {  # series -> (colour, dash, marker)
    "cached": ("#1f77b4", "solid", "circle"),
    "compiled": ("#2ca02c", "dot", "diamond"),
    "compiled_pipelined": ("#2ca02c", "solid", "diamond-open"),
    "recompute": ("#d62728", "solid", "square"),
    "floor": ("#444444", "dash", None),
}
WEIGHTS_COLOR, CACHE_COLOR = "#9467bd", "#ff7f0e"


def _layout(fig: go.Figure, title: str, x: str, y: str, contexts: list[int]) -> go.Figure:
    """Log-log axes, a tick at each measured context, decades on y; the legend under the plot."""
    fig.update_layout(
        title={"text": plotly_text(title)}, font=FONT, margin={"l": 70, "r": 20, "t": 50, "b": 40},
        xaxis={"title": plotly_text(x), "type": "log", "tickvals": contexts, "ticktext": [f"{c:,}" for c in contexts]},
        yaxis={"title": plotly_text(y), "type": "log", "dtick": 1},
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0},
        hoverlabel={"font_size": 14}, height=560,
    )
    return fig


def _line(fig: go.Figure, name: str, key: str, xs: list[int], ys: list[float], fmt: str, unit: str) -> None:
    color, dash, marker = STYLE[key]
    fig.add_trace(go.Scatter(
        x=xs, y=ys, name=plotly_text(name), mode="lines+markers" if marker else "lines",
        line={"color": color, "dash": dash, "width": 3 if key == "floor" else 2},
        marker={"symbol": marker, "size": 9} if marker else None,
        hovertemplate=f"%{{x:,d}} tokens: %{{y:{fmt}}} {plotly_text(unit)}<extra>{plotly_text(name)}</extra>",
    ))


def ms_per_step(run: dict, names: dict[str, str], title: str, x: str, y: str) -> go.Figure:
    """ms per decode step vs context, one line per measured series, and the floor as a dashed line.

    `names` maps series keys (speed_runs.SERIES and "floor") to their display names.
    """
    fig = go.Figure()
    for key in speed_runs.SERIES:
        xs, ys = speed_runs.series(run, key)
        if xs:
            _line(fig, names[key], key, xs, ys, ",.2f", "ms")
    xs, ys = speed_runs.floor_series(run)
    _line(fig, names["floor"], "floor", xs, ys, ",.2f", "ms")
    return _layout(fig, title, x, y, xs)


def tokens_per_s(run: dict, names: dict[str, str], title: str, x: str, y: str) -> go.Figure:
    """Tokens per second (one sequence: 1000 / ms per step) vs context; the floor is the ceiling here."""
    fig = go.Figure()
    for key in speed_runs.SERIES:
        xs, ys = speed_runs.series(run, key)
        if xs:
            _line(fig, names[key], key, xs, [1000.0 / v for v in ys], ",.1f", "tokens/s")
    xs, ys = speed_runs.floor_series(run)
    _line(fig, names["floor"], "floor", xs, [1000.0 / v for v in ys], ",.1f", "tokens/s")
    return _layout(fig, title, x, y, xs)


def bytes_per_step(run: dict, names: dict[str, str], title: str, x: str, y: str) -> go.Figure:
    """What one cached step must read at each context: the weights (constant) and the cache (growing)."""
    ctx, weights, cache = speed_runs.bytes_read(run)
    labels = [f"{c:,}" for c in ctx]
    fig = go.Figure()
    for name, values, color in ((names["weights"], weights, WEIGHTS_COLOR), (names["cache"], cache, CACHE_COLOR)):
        fig.add_trace(go.Bar(
            x=labels, y=[v / 1e9 for v in values], name=plotly_text(name), marker_color=color,
            customdata=values,
            hovertemplate=f"%{{x}} tokens: %{{customdata:,d}} bytes<extra>{plotly_text(name)}</extra>",
        ))
    fig.update_layout(
        barmode="stack", title={"text": plotly_text(title)}, font=FONT, margin={"l": 70, "r": 20, "t": 70, "b": 50},
        xaxis={"title": plotly_text(x), "type": "category"}, yaxis={"title": plotly_text(y)},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        hoverlabel={"font_size": 14},
    )
    return fig
