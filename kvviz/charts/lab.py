"""Plotly figures for the cache lab: pure functions of kvviz.lab/1 data and the lab's measurements.

Titles and axis words come from kvviz.text; numbers from the run. Policy specs and token text go
into figures only through plotly_text (escaped).
"""

from __future__ import annotations

import plotly.graph_objects as go

from kvviz.analysis.lab import CELL_STATES, grid
from kvviz.charts.trace import _layout, plotly_text
from kvviz.lab.data import LabRun
from kvviz.text import t
from kvviz.units import fmt_bytes

CELL_COLORS = {"evicted": "#f2f2f2", "held": "#1f77b4", "sink": "#9467bd", "quantized": "#17becf",
               "new": "#ff7f0e", "future": "#ffffff"}
POLICY_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


def grid_figure(run: LabRun, policy: int, step: int, head: int = 0) -> go.Figure:
    """layers x positions: what one policy holds after `step` (one colour per cell state)."""
    states = grid(run, policy, step, head)
    codes = [[CELL_STATES.index(c) for c in row] for row in states]  # (layers, positions)
    n = len(CELL_STATES)
    scale = []
    for i, name in enumerate(CELL_STATES):  # a discrete colour scale: one flat band per state
        scale += [[i / n, CELL_COLORS[name]], [(i + 1) / n, CELL_COLORS[name]]]
    names = [[t(f"lab.cell.{c}") for c in row] for row in states]
    fig = go.Figure(go.Heatmap(
        z=codes, zmin=-0.5, zmax=n - 0.5, colorscale=scale, showscale=False, customdata=names,
        xgap=1, ygap=1, hovertemplate=t("lab.grid.hover") + "<extra></extra>",
    ))
    for name in CELL_STATES[:-1]:  # a legend entry per state (future cells are blank)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=t(f"lab.cell.{name}"),
                                 marker=dict(size=12, symbol="square", color=CELL_COLORS[name])))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, plotly_text(run.policies[policy].spec), t("lab.grid.x"), t("lab.grid.y"),
                   height=330, plot_bgcolor="#ffffff")


def kl_figure(run: LabRun, upto: int) -> go.Figure:
    """KL(full || policy) per step for every policy, up to the step on screen."""
    fig = go.Figure()
    for i, p in enumerate(run.policies):
        steps = p.steps[: upto + 1]
        fig.add_trace(go.Scatter(
            x=list(range(len(steps))), y=[s.kl for s in steps], name=plotly_text(p.spec), mode="lines+markers",
            line=dict(color=POLICY_COLORS[i % len(POLICY_COLORS)]),
            customdata=[[("✔" if s.agree else "✘"), plotly_text(s.token_text)] for s in steps],
            hovertemplate=t("lab.kl.hover") + "<extra>" + plotly_text(p.spec) + "</extra>",
        ))
    return _layout(fig, t("lab.kl.title"), t("lab.step.x"), t("lab.kl.y"), height=330)


def bytes_figure(run: LabRun, upto: int) -> go.Figure:
    """True bytes each policy holds after every step."""
    fig = go.Figure()
    for i, p in enumerate(run.policies):
        steps = p.steps[: upto + 1]
        fig.add_trace(go.Scatter(
            x=list(range(len(steps))), y=[s.cache_bytes for s in steps], name=plotly_text(p.spec),
            mode="lines+markers", line=dict(color=POLICY_COLORS[i % len(POLICY_COLORS)]),
            text=[fmt_bytes(s.cache_bytes) for s in steps],
            hovertemplate="%{text} (%{y:,} B)<extra>" + plotly_text(p.spec) + "</extra>",
        ))
    return _layout(fig, t("lab.bytes.title"), t("lab.step.x"), t("lab.bytes.y"), height=330)


def perplexity_figure(points: list[dict], full: dict | None = None) -> go.Figure:
    """Perplexity against peak bytes held, one line per policy family (points: family, budget, spec, ...)."""
    fig = go.Figure()
    families = sorted({p["family"] for p in points}, key=[p["family"] for p in points].index)
    for i, fam in enumerate(families):
        pts = sorted((p for p in points if p["family"] == fam), key=lambda p: p["peak_cache_bytes"])
        fig.add_trace(go.Scatter(
            x=[p["peak_cache_bytes"] for p in pts], y=[p["perplexity"] for p in pts], name=plotly_text(fam),
            mode="lines+markers", line=dict(color=POLICY_COLORS[i % len(POLICY_COLORS)]),
            text=[f"{plotly_text(p['spec'])}: {fmt_bytes(p['peak_cache_bytes'])}" for p in pts],
            hovertemplate="%{text}<br>" + t("lab.ppl.hover") + "<extra></extra>",
        ))
    if full:
        fig.add_trace(go.Scatter(
            x=[full["peak_cache_bytes"]], y=[full["perplexity"]], name="full", mode="markers",
            marker=dict(size=14, symbol="star", color="#000000"),
            text=[fmt_bytes(full["peak_cache_bytes"])], hovertemplate="full: %{text}<br>" + t("lab.ppl.hover")
            + "<extra></extra>",
        ))
    fig.update_xaxes(type="log")
    return _layout(fig, t("lab.ppl.title"), t("lab.ppl.x"), t("lab.ppl.y"), height=380)


def blocks_figure(demo: dict) -> go.Figure:
    """Requests x block slots of their block tables; a block shared by several requests is drawn in one colour."""
    tables = [r["blocks"] for r in demo["requests"]]
    owners: dict[int, int] = {}
    for table in tables:
        for b in table:
            owners[b] = owners.get(b, 0) + 1
    width = max(len(tb) for tb in tables)
    z = [[(1 if owners[b] > 1 else 0) if j < len(tb) else None for j, b in enumerate(tb + [0] * (width - len(tb)))]
         for tb in tables]
    text = [[f"#{b}" if j < len(tb) else "" for j, b in enumerate(tb + [0] * (width - len(tb)))] for tb in tables]
    labels = [t("lab.paged.request", i=i + 1, tokens=r["tokens"]) for i, r in enumerate(demo["requests"])]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(width)), y=labels, text=text, texttemplate="%{text}", zmin=0, zmax=1, showscale=False,
        colorscale=[[0, "#aec7e8"], [1, "#2ca02c"]], xgap=3, ygap=3,
        hovertemplate=t("lab.paged.hover") + "<extra></extra>",
    ))
    for name, color in ((t("lab.paged.own"), "#aec7e8"), (t("lab.paged.shared"), "#2ca02c")):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker=dict(size=12, symbol="square", color=color)))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, t("lab.paged.title", size=demo["block_size"]), t("lab.paged.x"), "",
                   height=120 + 40 * len(tables), plot_bgcolor="#ffffff")
