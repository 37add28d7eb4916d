"""Plotly figures from a Trace: pure functions, no Streamlit, no model.

Every figure has a title, axis titles with units, and hover text with exact numbers.
Token text goes into figures only through `plotly_text`, which escapes the tags Plotly
would otherwise interpret, so a prompt is always shown as text. Every word (titles, axes,
legends, hover text) comes from kvviz.text in the current visitor's language.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from kvviz.analysis.ledger import COMPONENTS
from kvviz.text import t
from kvviz.trace_data import Step, Trace
from kvviz.units import fmt_bytes

FONT = {"size": 15}  # readable when projected
PREFILL_COLOR = "#7f7f7f"
FRESH, RECOMPUTED, REUSED = "#1f77b4", "#d62728", "#2ca02c"


def plotly_text(text: str) -> str:
    """Escape &, < and > (Plotly renders a subset of HTML in labels) and show spaces/newlines."""
    return html.escape(text, quote=False).replace("\n", "↵")


def _layout(fig: go.Figure, title: str, x: str, y: str, **kw) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        xaxis_title=x,
        yaxis_title=y,
        font=FONT,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        hoverlabel={"font_size": 14},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        **kw,
    )
    return fig


def step_label(step: Step) -> str:
    return t("step.prefill") if step.phase == "prefill" else t("step.decode", index=step.index)


def component_label(component: str) -> str:
    """A ledger component ("q_proj", "mlp", ...) in words."""
    return t(f"component.{component}")


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
        return _layout(fig, t("chart.cache_map.empty"), t("chart.cache_map.x"), t("chart.cache_map.y"))
    step_count = max(1, view)
    texts = [plotly_text(repr(tok)) for tok in trace.token_texts]
    evicted, by_prefill = t("chart.cache_map.evicted"), t("chart.cache_map.by_prefill")
    hover = []
    for li, row in enumerate(rows):
        hover.append([
            t("chart.cache_map.hover", layer=li, position=pos, token=texts[pos]) + "<br>"
            + (evicted if w is None else (by_prefill if w == 0 else t("chart.cache_map.by_decode", step=w)))
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
            colorbar={"title": t("chart.cache_map.colorbar"), "tickvals": [0] + ([step_count] if view else []),
                      "ticktext": [t("step.prefill")] + ([t("step.decode", index=step_count)] if view else [])},
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    return _layout(fig, t("chart.cache_map.title", step=step_label(trace.steps[view])), t("chart.cache_map.x"),
                   t("chart.cache_map.y"), yaxis_autorange="reversed")


def cache_bytes_figure(trace: Trace, view: int) -> go.Figure:
    steps = trace.steps
    x = [s.index for s in steps]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=[s.cache_bytes for s in steps],
            mode="lines+markers",
            name=t("chart.cache_bytes.series"),
            customdata=[[fmt_bytes(s.cache_bytes), s.context_length] for s in steps],
            hovertemplate=t("chart.cache_bytes.hover") + "<extra></extra>",
        )
    )
    if 0 <= view < len(steps):
        fig.add_vline(x=steps[view].index, line_dash="dot", line_color="#ff7f0e")
    return _layout(fig, t("chart.cache_bytes.title"), t("chart.cache_bytes.x"), t("chart.cache_bytes.y"))


def head_sharing_figure(num_heads: int, num_kv_heads: int) -> go.Figure:
    """Which query heads read each K/V head (grouped-query and multi-query attention)."""
    group = max(1, num_heads // max(1, num_kv_heads))
    labels = ([t("chart.heads.query", i=i) for i in range(num_heads)]
              + [t("chart.heads.kv", j=j) for j in range(num_kv_heads)])
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={"label": labels, "pad": 8, "thickness": 14,
                  "color": ["#1f77b4"] * num_heads + ["#ff7f0e"] * num_kv_heads},
            link={"source": list(range(num_heads)), "target": [num_heads + i // group for i in range(num_heads)],
                  "value": [1] * num_heads, "color": "rgba(255,127,14,0.25)"},
        )
    )
    kind = "mha" if group == 1 else ("mqa" if num_kv_heads == 1 else "gqa")
    title = t("chart.heads.title", kind=t(f"chart.heads.kind.{kind}"), heads=num_heads, kv_heads=num_kv_heads,
              group=group)
    return _layout(fig, title, "", "", height=min(480, 90 + 26 * num_heads))


# --- time ------------------------------------------------------------------------------------


def time_figure(trace: Trace, view: int) -> go.Figure:
    """Measured forward time per step, for the mode that ran and the other mode alongside."""
    steps = trace.steps
    other = "recompute" if trace.mode == "cached" else "cached"
    x = [s.index for s in steps]
    fig = go.Figure()
    colors = {"cached": FRESH, "recompute": RECOMPUTED}
    ran, alongside = t(f"mode.{trace.mode}"), t(f"mode.{other}")
    hover = t("chart.time.hover")
    fig.add_trace(go.Scatter(x=x, y=[s.time_ms for s in steps], mode="lines+markers",
                             name=t("chart.time.ran", mode=ran), line_color=colors[trace.mode],
                             hovertemplate=hover + "<extra>" + ran + "</extra>"))
    if any(s.other_time_ms is not None for s in steps):
        fig.add_trace(go.Scatter(x=x, y=[s.other_time_ms for s in steps], mode="lines+markers",
                                 name=t("chart.time.alongside", mode=alongside), line_color=colors[other],
                                 hovertemplate=hover + "<extra>" + alongside + "</extra>"))
    if 0 <= view < len(steps):
        fig.add_vline(x=steps[view].index, line_dash="dot", line_color="#ff7f0e")
    return _layout(fig, t("chart.time.title"), t("chart.time.x"), t("chart.time.y"))


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
        return _layout(fig, t("chart.attention.missing", layer=layer), "", "")
    p = len(trace.prompt_token_ids)
    # Category labels carry the token text, so hover shows it without a per-cell payload.
    labels = [f"{i} {plotly_text(repr(tok))}" for i, tok in enumerate(trace.token_texts[: len(m[0])])]
    fig.add_trace(
        go.Heatmap(
            z=m,
            x=labels,
            y=labels[: len(m)],
            colorscale="Viridis",
            zmin=0,
            colorbar={"title": t("chart.attention.colorbar")},
            hovertemplate=t("chart.attention.hover") + "<extra></extra>",
        )
    )
    # Decode rows: every key column but the last came from the cache; the last is the fresh K.
    fresh_x = fresh_y = labels[p : len(m)]
    if fresh_x:
        fig.add_trace(go.Scatter(x=fresh_x, y=fresh_y, mode="markers", name=t("chart.attention.fresh"),
                                 marker={"symbol": "square-open", "size": 12, "color": "#ff7f0e", "line": {"width": 2}},
                                 hoverinfo="skip"))
    kv_head = head // max(1, trace.model.num_attention_heads // trace.model.num_key_value_heads)
    return _layout(
        fig,
        t("chart.attention.title", layer=layer, head=head, kv_head=kv_head),
        t("chart.attention.x"),
        t("chart.attention.y"),
        yaxis_autorange="reversed",
    )


# --- work (from the ledger) ------------------------------------------------------------------


def work_split_figure(run, view: int) -> go.Figure:
    """Per step: the no-cache loop's work as fresh + recomputed FLOPs; below, K/V bytes reused from the cache."""
    from plotly.subplots import make_subplots

    steps = run.steps
    x = [s.index for s in steps]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.08)
    fig.add_trace(go.Bar(x=x, y=[s.fresh["total"] for s in steps], name=t("chart.work.fresh"),
                         marker_color=FRESH, hovertemplate=t("chart.work.fresh_hover") + "<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=[s.recomputed["total"] for s in steps], name=t("chart.work.recomputed"),
                         marker_color=RECOMPUTED, hovertemplate=t("chart.work.recomputed_hover") + "<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=[s.reused_kv_bytes for s in steps], name=t("chart.work.reused"),
                         marker_color=REUSED,
                         customdata=[[s.reused_kv_elements, s.reused_kv_proj_flops] for s in steps],
                         hovertemplate=t("chart.work.reused_hover") + "<extra></extra>"),
                  row=2, col=1)
    fig.update_layout(barmode="stack")
    if 0 <= view < len(steps):
        fig.add_vline(x=steps[view].index, line_dash="dot", line_color="#ff7f0e")
    _layout(fig, t("chart.work.title"), None, None, height=540)
    # SI ticks (G = 10^9) with the unit in the title, so "3G" is never read as bytes or billions
    fig.update_yaxes(title_text=t("chart.work.y_flops"), tickformat="~s", row=1, col=1)
    fig.update_yaxes(title_text=t("chart.work.y_bytes"), tickformat="~s", row=2, col=1)
    fig.update_xaxes(title_text=t("chart.work.x"), row=2, col=1)
    return fig


def running_totals_figure(run, view: int) -> go.Figure:
    steps = run.steps
    x = [s.index for s in steps]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=[s.cum_recompute for s in steps], mode="lines+markers",
                             name=t("chart.running.recompute"), line_color=RECOMPUTED,
                             hovertemplate=t("chart.running.recompute_hover")
                             + f"<extra>{t('mode.recompute')}</extra>"))
    fig.add_trace(go.Scatter(x=x, y=[s.cum_cached for s in steps], mode="lines+markers", name=t("chart.running.cached"),
                             line_color=FRESH, customdata=[s.ratio for s in steps],
                             hovertemplate=t("chart.running.cached_hover") + f"<extra>{t('mode.cached')}</extra>"))
    if 0 <= view < len(steps):
        fig.add_vline(x=steps[view].index, line_dash="dot", line_color="#ff7f0e")
    fig.update_yaxes(tickformat="~s")
    return _layout(fig, t("chart.running.title"), t("chart.running.x"), t("chart.running.y_si"))


def components_figure(step: Step, log_scale: bool = False) -> go.Figure:
    """One step's FLOPs by component, with and without the cache."""
    labels = [component_label(c) for c in COMPONENTS]
    fig = go.Figure()
    for mode, color in (("cached", FRESH), ("recompute", RECOMPUTED)):
        label = t(f"chart.components.{mode}")
        vals = [step.flops.get(mode, {}).get(c, 0) for c in COMPONENTS]
        fig.add_trace(go.Bar(y=labels, x=vals, orientation="h", name=label, marker_color=color,
                             hovertemplate=t("chart.components.hover") + "<extra>" + label + "</extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="log" if log_scale else "linear", tickformat="~s")
    return _layout(fig, t("chart.components.title", step=step_label(step)), t("chart.components.x"), "", height=420,
                   yaxis_autorange="reversed")
