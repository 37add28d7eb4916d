"""Plotly figures from a Trace: pure functions, no Streamlit, no model.

Every figure has a title, axis titles with units, and hover text with exact numbers.
Token text goes into figures only through `plotly_text`, which escapes the tags Plotly
would otherwise interpret, so a prompt is always shown as text. Every word (titles, axes,
legends, hover text) comes from kvviz.text in the current visitor's language.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from kvviz.analysis.ledger import COMPONENTS
from kvviz.charts.shared import all_steps, ledger_run, shared_figure
from kvviz.text import t
from kvviz.trace_data import Step, Trace
from kvviz.units import fmt_bytes

FONT = {"size": 15}  # readable when projected
PREFILL_COLOR = "#7f7f7f"
FRESH, RECOMPUTED, REUSED = "#1f77b4", "#d62728", "#2ca02c"
TOKENS_ON_AXIS = 40  # up to this many positions the x-axis shows each token's text, beyond it positions
MAX_POSITION_TICKS = 8  # numbered ticks beyond that: at most this many, so 4-digit labels fit in ~400 px
TICK_STEPS = (1, 2, 5)  # position ticks every 1, 2 or 5 × 10^k positions
HOVER_TEXT_CELLS = 2048  # cache maps up to this many cells (30 layers x 68 positions) carry a sentence per cell
ATTENTION_WINDOW = 128  # the attention view shows the last this many keys (and queries) at full size
OVERVIEW_CELLS = 64  # the whole matrix, averaged into at most this many cells a side


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
    z = writer_array(trace, view)
    return [[None if w < 0 else int(w) for w in row] for row in z.tolist()]


def writer_array(trace: Trace, view: int) -> np.ndarray:
    """writer_steps as an array, -1 where a layer no longer holds the position: (layers, positions) int32."""
    steps = trace.steps[: view + 1]
    if not steps or not steps[-1].cache_layers:
        return np.zeros((0, 0), dtype=np.int32)
    p = len(trace.prompt_token_ids)
    total = steps[-1].context_length  # positions fed so far
    pos = np.arange(total)
    writer = np.where(pos < p, 0, pos - p + 1).astype(np.int32)  # (positions,)
    held = np.array([layer.key_shape[2] for layer in steps[-1].cache_layers])  # (layers,)
    return np.where(pos[None, :] >= total - held[:, None], writer[None, :], -1).astype(np.int32)


def position_labels(trace: Trace, count: int) -> list[str]:
    """One category label per position, "12 'token'": unique, and hover shows the token's text."""
    return [f"{i} {plotly_text(repr(tok))}" for i, tok in enumerate(trace.token_texts[:count])]


def tick_every(n: int, most: int = MAX_POSITION_TICKS) -> int:
    """The round step (1, 2, 5, 10, 20, 50, ...) that numbers n positions with at most `most` ticks."""
    scale = 1
    while True:
        for base in TICK_STEPS:
            if -(-n // (base * scale)) <= most:
                return base * scale
        scale *= 10


def _position_ticks(labels: list[str], first: int = 0) -> dict:
    """Ticks on a category axis of positions: each token's text up to TOKENS_ON_AXIS positions (Plotly
    turns them when they would overlap), else the positions divisible by a round step, at most
    MAX_POSITION_TICKS of them, flat. The labels stay the categories, so hover still names the token."""
    n = len(labels)
    if n <= TOKENS_ON_AXIS:
        return {"tickmode": "array", "tickvals": labels, "ticktext": [lab.split(" ", 1)[1] for lab in labels]}
    every = tick_every(n)
    idx = [i for i in range(n) if (first + i) % every == 0]
    return {"tickmode": "array", "tickvals": [labels[i] for i in idx], "ticktext": [str(first + i) for i in idx],
            "tickangle": 0}


@shared_figure(all_steps)
def cache_map_figure(trace: Trace, view: int) -> go.Figure:
    """Layers x positions, coloured by the step that wrote each entry: one cell per K/V entry, no gaps
    between cells at any length (sent as a typed array, not as a list per cell)."""
    z = writer_array(trace, view)  # (layers, positions)
    fig = go.Figure()
    if not z.size:
        return _layout(fig, t("chart.cache_map.empty"), t("chart.cache_map.x"), t("chart.cache_map.y"))
    layers, total = z.shape
    step_count = max(1, view)
    labels = position_labels(trace, total)
    if z.size <= HOVER_TEXT_CELLS:  # small maps: every cell says in words who wrote it
        evicted, by_prefill = t("chart.cache_map.evicted"), t("chart.cache_map.by_prefill")
        hover = [[
            t("chart.cache_map.hover", layer=li, position=pos, token=labels[pos].split(" ", 1)[1]) + "<br>"
            + (evicted if w < 0 else (by_prefill if w == 0 else t("chart.cache_map.by_decode", step=w)))
            for pos, w in enumerate(row)] for li, row in enumerate(z.tolist())]
        hovertext = {"text": hover, "hovertemplate": "%{text}<extra></extra>"}
    else:  # long runs: the position's label and the writing step, without a payload per cell
        hovertext = {"hovertemplate": t("chart.cache_map.hover_long") + "<extra></extra>", "hoverongaps": False}
    # Prefill in grey, decode steps in blues; positions a sliding layer no longer holds stay empty (NaN).
    edge = 0.5 / step_count
    fig.add_trace(
        go.Heatmap(
            z=np.where(z < 0, np.nan, z).astype(np.float32),
            x=labels,
            y=np.arange(layers),
            zmin=0,
            zmax=step_count,
            colorscale=[[0, PREFILL_COLOR], [edge, PREFILL_COLOR], [edge, "#c6dbef"], [1, "#08519c"]],
            colorbar={"title": t("chart.cache_map.colorbar"), "tickvals": [0] + ([step_count] if view else []),
                      "ticktext": [t("step.prefill")] + ([t("step.decode", index=step_count)] if view else [])},
            xgap=0,
            ygap=0,
            **hovertext,
        )
    )
    fig.update_xaxes(type="category", **_position_ticks(labels))
    fig.update_yaxes(tick0=0, dtick=max(1, -(-layers // MAX_POSITION_TICKS)))  # whole layers only
    return _layout(fig, t("chart.cache_map.title", step=step_label(trace.steps[view])), t("chart.cache_map.x"),
                   t("chart.cache_map.y"), yaxis_autorange="reversed")


@shared_figure(all_steps)
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


@shared_figure(lambda num_heads, num_kv_heads: ((num_heads, num_kv_heads), ()))
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


@shared_figure(all_steps)
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


def attention_array(trace: Trace, view: int, layer: int, head: int) -> np.ndarray | None:
    """Rows: the prefill's causal triangle, then one new row per decode step; None if not recorded.

    (query rows, key positions) float32, NaN where a key was not attended (after the query, or
    before a sliding layer's window). A decode row holds the keys that step attended over, which end
    at its own position; on a sliding layer they start at the window's edge, so rows are right-aligned.
    """
    steps = trace.steps[: view + 1]
    if not steps or any(layer not in s.attention for s in steps):
        return None
    width = steps[-1].context_length  # positions up to and including the newest query
    heads = [np.asarray(s.attention[layer][head], dtype=np.float32) for s in steps]  # each (queries, keys)
    out = np.full((sum(h.shape[0] for h in heads), width), np.nan, dtype=np.float32)
    row = 0
    for s, a in zip(steps, heads):
        if s.phase == "prefill":  # keys after the query are masked: shown blank, not as weight 0
            n, k = a.shape[0], min(a.shape[1], width)
            causal = np.arange(k)[None, :] <= (row + np.arange(n))[:, None]  # (n, k)
            out[row : row + n, :k] = np.where(causal, a[:, :k], np.nan)
        else:
            q = s.context_length - 1  # the new token's position
            for r in a:
                out[row, q - len(r) + 1 : q + 1] = r
                row += 1
            continue
        row += a.shape[0]
    return out


def attention_matrix(trace: Trace, view: int, layer: int, head: int) -> list[list[float | None]] | None:
    """attention_array as lists, None where a key was not attended."""
    m = attention_array(trace, view, layer, head)
    if m is None:
        return None
    return [[None if x != x else x for x in row] for row in m.tolist()]


def attention_window(rows: int, width: int, keys: int = ATTENTION_WINDOW) -> tuple[int, int]:
    """(first query row, first key position) of the view at full size: the last `keys` keys and the
    queries at those positions, so the square the newest tokens attend in stays readable at any length."""
    return max(0, rows - keys), max(0, width - keys)


def overview(m: np.ndarray, cells: int = OVERVIEW_CELLS) -> tuple[np.ndarray, int]:
    """The whole matrix averaged over square blocks (NaN where a block holds no weight), and the block side."""
    block = max(1, -(-max(m.shape) // cells))
    r, c = -(-m.shape[0] // block), -(-m.shape[1] // block)
    padded = np.full((r * block, c * block), np.nan, dtype=np.float32)
    padded[: m.shape[0], : m.shape[1]] = m
    blocks = padded.reshape(r, block, c, block)
    held = ~np.isnan(blocks)
    count = held.sum(axis=(1, 3))
    total = np.where(held, blocks, 0).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan).astype(np.float32), block


@shared_figure(all_steps)
def attention_figure(trace: Trace, view: int, layer: int, head: int, keys: int = ATTENTION_WINDOW) -> go.Figure:
    """The last `keys` keys (and queries) at full size; beyond that length, beside it, the whole
    matrix averaged into blocks with the window marked."""
    from plotly.subplots import make_subplots

    m = attention_array(trace, view, layer, head)
    if m is None:
        return _layout(go.Figure(), t("chart.attention.missing", layer=layer), "", "")
    rows, width = m.shape
    p = len(trace.prompt_token_ids)
    r0, k0 = attention_window(rows, width, keys)
    windowed = r0 > 0 or k0 > 0
    # Category labels carry the token text, so hover shows it without a per-cell payload.
    labels = position_labels(trace, width)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.74, 0.26], horizontal_spacing=0.08) if windowed \
        else go.Figure()
    at = {"row": 1, "col": 1} if windowed else {}
    fig.add_trace(go.Heatmap(z=m[r0:, k0:], x=labels[k0:], y=labels[r0:rows], coloraxis="coloraxis",
                             hovertemplate=t("chart.attention.hover") + "<extra></extra>"), **at)
    # Decode rows: every key column but the last came from the cache; the last is the fresh K.
    fresh = labels[max(p, r0, k0) : rows]
    if fresh:
        fig.add_trace(go.Scatter(x=fresh, y=fresh, mode="markers", name=t("chart.attention.fresh"),
                                 marker={"symbol": "square-open", "size": 12, "color": "#ff7f0e", "line": {"width": 2}},
                                 hoverinfo="skip"), **at)
    fig.update_xaxes(type="category", **_position_ticks(labels[k0:], k0), **at)
    fig.update_yaxes(type="category", autorange="reversed", **at)
    x_title = t("chart.attention.x")
    if windowed:
        ov, block = overview(m)
        centers_x = np.arange(ov.shape[1]) * block + (block - 1) / 2
        centers_y = np.arange(ov.shape[0]) * block + (block - 1) / 2
        fig.add_trace(go.Heatmap(z=ov, x=centers_x, y=centers_y, coloraxis="coloraxis",
                                 hovertemplate=t("chart.attention.overview_hover") + "<extra></extra>"),
                      row=1, col=2)
        fig.add_shape(type="rect", x0=k0 - 0.5, x1=width - 0.5, y0=r0 - 0.5, y1=rows - 0.5, row=1, col=2,
                      line={"color": "#ff7f0e", "width": 2})
        fig.update_xaxes(title_text=t("chart.attention.overview_x", block=block), row=1, col=2)
        fig.update_yaxes(autorange="reversed", row=1, col=2)
        x_title = t("chart.attention.x_window", keys=width - k0, total=width)
    kv_head = head // max(1, trace.model.num_attention_heads // trace.model.num_key_value_heads)
    fig.update_layout(coloraxis={"colorscale": "Viridis", "cmin": 0,
                                 "colorbar": {"title": {"text": t("chart.attention.colorbar")}}})
    _layout(fig, t("chart.attention.title", layer=layer, head=head, kv_head=kv_head), None, None)
    fig.update_xaxes(title_text=x_title, **at)
    fig.update_yaxes(title_text=t("chart.attention.y"), **at)
    return fig


# --- work (from the ledger) ------------------------------------------------------------------


@shared_figure(ledger_run)
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


@shared_figure(ledger_run)
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


@shared_figure(lambda step, log_scale=False: ((log_scale,), (step,)))
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
    return _layout(fig, t("chart.components.title", step=step_label(step)), t("chart.components.x_si"), "", height=420,
                   yaxis_autorange="reversed")
