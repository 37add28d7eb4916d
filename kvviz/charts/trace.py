"""Plotly figures from a Trace: pure functions, no Streamlit, no model.

Every figure has a title, axis titles with units, and hover text with exact numbers.
Token text goes into figures only through `plotly_text`, which escapes the tags Plotly
would otherwise interpret, so a prompt is always shown as text.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from kvviz.analysis.ledger import LABELS, fmt_bytes
from kvviz.trace_data import Step, Trace

FONT = dict(size=15)  # readable when projected
PREFILL_COLOR = "#7f7f7f"
FRESH, RECOMPUTED, REUSED = "#1f77b4", "#d62728", "#2ca02c"


def plotly_text(text: str) -> str:
    """Escape &, < and > (Plotly renders a subset of HTML in labels) and show spaces/newlines."""
    return html.escape(text, quote=False).replace("\n", "↵")


def _layout(fig: go.Figure, title: str, x: str, y: str, **kw) -> go.Figure:
    fig.update_layout(
        title=dict(text=title),
        xaxis_title=x,
        yaxis_title=y,
        font=FONT,
        margin=dict(l=60, r=20, t=60, b=50),
        hoverlabel=dict(font_size=14),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        **kw,
    )
    return fig


def step_label(step: Step) -> str:
    return "prefill" if step.phase == "prefill" else f"decode {step.index}"


# --- the cache -------------------------------------------------------------------------------


def writer_steps(trace: Trace, view: int) -> list[list[int | None]]:
    """For each layer and context position: the step that wrote that K/V entry, None if not held.

    Position p was written by the prefill (step 0) when p < prompt length, else by decode step
    p - prompt_len + 1. A layer holds the last `seq` positions (sliding layers drop older ones).
    """
    steps = trace.steps[: view + 1]
    if not steps or not steps[-1].cache_layers:
        return []
    p = len(trace.prompt_token_ids)
    total = steps[-1].context_length  # positions fed so far
    rows = []
    for layer in steps[-1].cache_layers:
        held = layer.key_shape[2]
        rows.append([(0 if pos < p else pos - p + 1) if pos >= total - held else None for pos in range(total)])
    return rows


def cache_map_figure(trace: Trace, view: int) -> go.Figure:
    """Layers x positions, coloured by the step that wrote each entry."""
    rows = writer_steps(trace, view)
    fig = go.Figure()
    if not rows:
        return _layout(fig, "No cache in recompute mode: nothing is kept between steps", "position", "layer")
    step_count = max(1, view)
    texts = [plotly_text(repr(t)) for t in trace.token_texts]
    hover = []
    for li, row in enumerate(rows):
        hover.append([
            f"layer {li}, position {pos}: {texts[pos]}<br>"
            + ("evicted (outside the sliding window)" if w is None else ("written by prefill" if w == 0 else f"written by decode step {w}"))
            for pos, w in enumerate(row)
        ])
    # Prefill in grey, decode steps in blues; positions a sliding layer no longer holds stay empty.
    edge = 0.5 / step_count
    fig.add_trace(
        go.Heatmap(
            z=[[(float("nan") if w is None else w) for w in row] for row in rows],
            x=list(range(len(rows[0]))),
            y=list(range(len(rows))),
            zmin=0,
            zmax=step_count,
            colorscale=[[0, PREFILL_COLOR], [edge, PREFILL_COLOR], [edge, "#c6dbef"], [1, "#08519c"]],
            colorbar=dict(title="written at", tickvals=[0] + ([step_count] if view else []),
                          ticktext=["prefill"] + ([f"decode {step_count}"] if view else [])),
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    return _layout(fig, f"What every layer's cache holds after {step_label(trace.steps[view])}", "position in the sequence (token)", "layer", yaxis_autorange="reversed")


def cache_bytes_figure(trace: Trace, view: int) -> go.Figure:
    steps = trace.steps
    x = [s.index for s in steps]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=[s.cache_bytes for s in steps],
            mode="lines+markers",
            name="cache bytes (real tensors)",
            customdata=[[fmt_bytes(s.cache_bytes), s.context_length] for s in steps],
            hovertemplate="step %{x}<br>%{y:,} bytes (%{customdata[0]})<br>%{customdata[1]} tokens cached<extra></extra>",
        )
    )
    if 0 <= view < len(steps):
        fig.add_vline(x=steps[view].index, line_dash="dot", line_color="#ff7f0e")
    return _layout(fig, "Cache size after each step", "step (0 = prefill)", "bytes held in K and V")


def head_sharing_figure(num_heads: int, num_kv_heads: int) -> go.Figure:
    """Which query heads read each K/V head (grouped-query and multi-query attention)."""
    group = max(1, num_heads // max(1, num_kv_heads))
    labels = [f"query head {i}" for i in range(num_heads)] + [f"K/V head {j}" for j in range(num_kv_heads)]
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node=dict(label=labels, pad=8, thickness=14,
                      color=["#1f77b4"] * num_heads + ["#ff7f0e"] * num_kv_heads),
            link=dict(source=list(range(num_heads)), target=[num_heads + i // group for i in range(num_heads)],
                      value=[1] * num_heads, color="rgba(255,127,14,0.25)"),
        )
    )
    kind = "multi-head" if group == 1 else ("multi-query" if num_kv_heads == 1 else "grouped-query")
    return _layout(fig, f"{kind} attention: {num_heads} query heads read {num_kv_heads} cached K/V heads ({group} each)",
                   "", "", height=min(480, 90 + 26 * num_heads))


# --- time ------------------------------------------------------------------------------------


def time_figure(trace: Trace, view: int) -> go.Figure:
    """Measured forward time per step, for the mode that ran and the other mode alongside."""
    steps = trace.steps
    other = "recompute" if trace.mode == "cached" else "cached"
    x = [s.index for s in steps]
    fig = go.Figure()
    colors = {"cached": FRESH, "recompute": RECOMPUTED}
    fig.add_trace(go.Scatter(x=x, y=[s.time_ms for s in steps], mode="lines+markers", name=f"{trace.mode} (ran)",
                             line_color=colors[trace.mode],
                             hovertemplate="step %{x}: %{y:.1f} ms<extra>" + trace.mode + "</extra>"))
    if any(s.other_time_ms is not None for s in steps):
        fig.add_trace(go.Scatter(x=x, y=[s.other_time_ms for s in steps], mode="lines+markers", name=f"{other} (alongside)",
                                 line_color=colors[other],
                                 hovertemplate="step %{x}: %{y:.1f} ms<extra>" + other + "</extra>"))
    if 0 <= view < len(steps):
        fig.add_vline(x=steps[view].index, line_dash="dot", line_color="#ff7f0e")
    return _layout(fig, "Measured forward time per step (wall clock, this machine)", "step (0 = prefill)", "milliseconds")


# --- attention -------------------------------------------------------------------------------


def attention_matrix(trace: Trace, view: int, layer: int, head: int) -> list[list[float | None]] | None:
    """Rows: the prefill's causal triangle, then one new row per decode step; None if not recorded.

    A decode row holds the keys that step attended over, which end at its own position; on a
    sliding layer they start at the window's edge, so rows are placed right-aligned.
    """
    steps = trace.steps[: view + 1]
    if not steps or any(layer not in s.attention for s in steps):
        return None
    width = steps[-1].context_length  # positions up to and including the newest query
    rows: list[list[float | None]] = []
    for s in steps:
        for r in s.attention[layer][head]:
            r = [float(x) for x in r]
            if s.phase == "prefill":  # keys after the query are masked: shown blank, not as weight 0
                q = len(rows)
                rows.append(r[: q + 1] + [None] * (width - q - 1))
            else:
                q = s.context_length - 1  # the new token's position
                start = q - len(r) + 1
                rows.append([None] * start + r + [None] * (width - q - 1))
    return rows


def attention_figure(trace: Trace, view: int, layer: int, head: int) -> go.Figure:
    m = attention_matrix(trace, view, layer, head)
    fig = go.Figure()
    if m is None:
        return _layout(fig, f"Attention weights of layer {layer} were not recorded for these steps", "", "")
    p = len(trace.prompt_token_ids)
    # Category labels carry the token text, so hover shows it without a per-cell payload.
    labels = [f"{i} {plotly_text(repr(t))}" for i, t in enumerate(trace.token_texts[: len(m[0])])]
    fig.add_trace(
        go.Heatmap(
            z=m,
            x=labels,
            y=labels[: len(m)],
            colorscale="Viridis",
            zmin=0,
            colorbar=dict(title="weight"),
            hovertemplate="query %{y} → key %{x}<br>weight %{z:.4f}<extra></extra>",
        )
    )
    # Decode rows: every key column but the last came from the cache; the last is the fresh K.
    fresh_x = fresh_y = labels[p : len(m)]
    if fresh_x:
        fig.add_trace(go.Scatter(x=fresh_x, y=fresh_y, mode="markers", name="fresh K/V (computed this step)",
                                 marker=dict(symbol="square-open", size=12, color="#ff7f0e", line=dict(width=2)),
                                 hoverinfo="skip"))
    kv_head = head // max(1, trace.model.num_attention_heads // trace.model.num_key_value_heads)
    return _layout(
        fig,
        f"Attention weights: layer {layer}, query head {head} (reads K/V head {kv_head})",
        "key position (token)",
        "query position (token)",
        yaxis_autorange="reversed",
    )


# --- work (from the ledger) ------------------------------------------------------------------

COMPONENT_LABELS = LABELS  # one wording for the components, shared with the ledger


def work_split_figure(run, view: int) -> go.Figure:
    """Per step: the no-cache loop's work as fresh + recomputed FLOPs; below, K/V bytes reused from the cache."""
    from plotly.subplots import make_subplots

    steps = run.steps
    x = [s.index for s in steps]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.08)
    fig.add_trace(go.Bar(x=x, y=[s.fresh["total"] for s in steps], name="fresh: needed by the new token either way",
                         marker_color=FRESH, hovertemplate="step %{x}<br>fresh %{y:,} FLOPs<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=[s.recomputed["total"] for s in steps], name="recomputed: only without the cache",
                         marker_color=RECOMPUTED, hovertemplate="step %{x}<br>recomputed %{y:,} FLOPs<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=[s.reused_kv_bytes for s in steps], name="reused: K/V read from the cache",
                         marker_color=REUSED,
                         customdata=[[s.reused_kv_elements, s.reused_kv_proj_flops] for s in steps],
                         hovertemplate="step %{x}<br>%{y:,} bytes read (%{customdata[0]:,} values)<br>"
                                       "would cost %{customdata[1]:,} FLOPs of K/V projection to recompute<extra></extra>"),
                  row=2, col=1)
    fig.update_layout(barmode="stack")
    if 0 <= view < len(steps):
        fig.add_vline(x=steps[view].index, line_dash="dot", line_color="#ff7f0e")
    _layout(fig, "Work per step: fresh, recomputed without a cache, reused from the cache", None, None, height=540)
    # SI ticks (G = 10^9) with the unit in the title, so "3G" is never read as bytes or billions
    fig.update_yaxes(title_text="FLOPs", tickformat="~s", row=1, col=1)
    fig.update_yaxes(title_text="bytes read", tickformat="~s", row=2, col=1)
    fig.update_xaxes(title_text="step (0 = prefill)", row=2, col=1)
    return fig


def running_totals_figure(run, view: int) -> go.Figure:
    steps = run.steps
    x = [s.index for s in steps]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[s.cum_recompute for s in steps], mode="lines+markers", name="without cache (recompute)",
                             line_color=RECOMPUTED, hovertemplate="after step %{x}: %{y:,} FLOPs<extra>recompute</extra>"))
    fig.add_trace(go.Scatter(x=x, y=[s.cum_cached for s in steps], mode="lines+markers", name="with cache",
                             line_color=FRESH, customdata=[s.ratio for s in steps],
                             hovertemplate="after step %{x}: %{y:,} FLOPs<br>%{customdata:.1%} of recompute<extra>cached</extra>"))
    if 0 <= view < len(steps):
        fig.add_vline(x=steps[view].index, line_dash="dot", line_color="#ff7f0e")
    fig.update_yaxes(tickformat="~s")
    return _layout(fig, "Running total of FLOPs since the prompt", "step (0 = prefill)", "FLOPs, cumulative (G = 10⁹)")


def components_figure(step: Step, log_scale: bool = False) -> go.Figure:
    """One step's FLOPs by component, with and without the cache."""
    names = list(COMPONENT_LABELS)
    labels = [COMPONENT_LABELS[c] for c in names]
    fig = go.Figure()
    for mode, color, label in (("cached", FRESH, "with cache"), ("recompute", RECOMPUTED, "without cache")):
        vals = [step.flops.get(mode, {}).get(c, 0) for c in names]
        fig.add_trace(go.Bar(y=labels, x=vals, orientation="h", name=label, marker_color=color,
                             hovertemplate="%{y}: %{x:,} FLOPs<extra>" + label + "</extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="log" if log_scale else "linear", tickformat="~s")
    return _layout(fig, f"FLOPs by component at {step_label(step)} (whole model)", "FLOPs (G = 10⁹)", "", height=420,
                   yaxis_autorange="reversed")
