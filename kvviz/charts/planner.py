"""Plotly figures for the capacity planner: pure functions of plain numbers, no Streamlit.

Sizes are plotted in GiB (2**30 bytes); every hover gives the exact byte count and GB too.

Model names are user text (a file name, a config's _name_or_path): they go through `label`
(Plotly's pseudo-HTML escaped) and are never written into a hovertemplate, where `%{...}`
would be read as a placeholder; hovers reference them as per-point data (%{text}, %{y}, %{x}).
"""

from __future__ import annotations

import plotly.graph_objects as go

from kvviz.charts.trace import plotly_text
from kvviz.text import t
from kvviz.units import GB, GIB


def label(name: str) -> str:
    """A user-supplied name as Plotly text: &, < and > escaped, and never read as LaTeX ($...$)."""
    text = plotly_text(str(name))
    if len(text) >= 2 and text.startswith("$") and text.endswith("$"):
        text = "\u200b" + text  # Plotly typesets strings wrapped in $...$ as LaTeX; a zero-width space stops it
    return text


def log_contexts(lo: int = 128, hi: int = 131072, per_octave: int = 4) -> list[int]:
    """Context lengths spaced evenly on a log axis, including every power of two in range."""
    out: set[int] = set()
    c = float(lo)
    while c <= hi:
        out.add(round(c))
        c *= 2 ** (1 / per_octave)
    p = 1
    while p <= hi:
        if p >= lo:
            out.add(p)
        p *= 2
    out.add(hi)
    return sorted(out)


# The name comes from each point's `text`, never from the template itself.


def cache_vs_context(series: list[tuple[str, list[int], list[int]]], *, batch: int = 1, dtype: str = "bf16",
                     capacity_bytes: int | None = None, capacity_label: str = "") -> go.Figure:
    """Cache size against context length, one line per model; a dashed line for free memory if given."""
    fig = go.Figure()
    for name, contexts, sizes in series:
        shown = label(name)
        fig.add_trace(
            go.Scatter(
                x=contexts,
                y=[s / GIB for s in sizes],
                customdata=[[s, s / GB] for s in sizes],
                text=[shown] * len(contexts),
                mode="lines",
                name=shown,
                hovertemplate=t("planner.chart.curve_hover"),
            )
        )
    if capacity_bytes is not None and series:
        xs = series[0][1]
        shown = label(capacity_label or t("planner.chart.free_memory"))
        fig.add_trace(
            go.Scatter(
                x=[xs[0], xs[-1]],
                y=[capacity_bytes / GIB] * 2,
                customdata=[[capacity_bytes, capacity_bytes / GB]] * 2,
                text=[shown] * 2,
                mode="lines",
                line={"dash": "dash", "color": "gray"},
                name=shown,
                hovertemplate=t("planner.chart.capacity_hover"),
            )
        )
    fig.update_layout(
        title=t("planner.chart.curve_title", dtype=label(dtype), batch=batch),
        xaxis={"title": t("planner.chart.context_axis"), "type": "log"},
        yaxis={"title": t("planner.chart.cache_axis"), "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        hovermode="closest",
    )
    return fig


def memory_bars(rows: list[dict], accelerator_name: str, usable_bytes: int, gpus: int = 1) -> go.Figure:
    """Weights + cache per model beside the accelerator's usable memory. rows: name, weights_bytes, cache_bytes.

    With gpus > 1 the rows hold what one device of a tensor-parallel group holds, and the title says so.
    """
    names = [label(r["name"]) for r in rows]  # bar categories: the hover shows them through %{y}
    fig = go.Figure()
    for key, part, color in (("weights_bytes", t("planner.chart.weights"), "#636efa"),
                             ("cache_bytes", t("planner.chart.kv_cache"), "#ef553b")):
        vals = [r[key] for r in rows]
        fig.add_trace(
            go.Bar(
                y=names,
                x=[v / GIB for v in vals],
                customdata=[[v, v / GB] for v in vals],
                orientation="h",
                name=part,
                marker_color=color,
                hovertemplate=t("planner.chart.bar_hover"),
            )
        )
    acc = label(accelerator_name)
    fig.add_vline(x=usable_bytes / GIB, line_dash="dash", line_color="gray",
                  annotation_text=t("planner.chart.usable", accelerator=acc, gib=f"{usable_bytes / GIB:.1f}"),
                  annotation_position="bottom right")
    fig.update_layout(
        barmode="stack",
        title=t("planner.chart.bars_title", accelerator=acc) if gpus == 1
        else t("planner.chart.bars_title_tp", n=gpus, accelerator=acc),
        xaxis={"title": t("planner.chart.memory_axis"), "type": "log" if _spread(rows, usable_bytes) else "linear"},
        margin={"l": 120, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def _spread(rows: list[dict], usable: int) -> bool:
    vals = [r["weights_bytes"] + r["cache_bytes"] for r in rows] + [usable]
    vals = [v for v in vals if v > 0]
    return bool(vals) and max(vals) / min(vals) > 200


def variants_bars(rows: list[dict], context: int, dtype: str) -> go.Figure:
    """Bytes per token (and cache at `context`) of one model shape under MHA, GQA, MQA and MLA.

    rows: name, bytes_per_token, total_bytes.
    """
    fig = go.Figure(
        go.Bar(
            x=[label(r["name"]) for r in rows],
            y=[r["total_bytes"] / GIB for r in rows],
            customdata=[[r["total_bytes"], r["total_bytes"] / GB, r["bytes_per_token"], context] for r in rows],
            text=[t("planner.chart.per_token", bytes=f"{r['bytes_per_token']:,}") for r in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=t("planner.chart.variants_hover"),
        )
    )
    fig.update_layout(
        title=t("planner.chart.variants_title", dtype=label(dtype), context=f"{context:,}"),
        yaxis={"title": t("planner.chart.cache_axis"), "rangemode": "tozero"},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig
