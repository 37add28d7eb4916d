"""Titles, axes, legends and hover text of the Learn room's charts (kvviz/charts/trace.py).

Hover templates hold Plotly's own %{...} fields and take no t() fields (t() formats only when given fields).
"""

STRINGS: dict[str, str] = {
    "step.prefill": "prefill",
    "step.decode": "decode {index}",
    # the work a step does, by ledger component
    "component.q_proj": "Q projection",
    "component.kv_proj": "K and V projections",
    "component.scores": "attention scores (Q·Kᵀ)",
    "component.attn_v": "attention × V",
    "component.o_proj": "output projection",
    "component.mlp": "MLP",
    "component.lm_head": "LM head",
    "mode.cached": "cached",
    "mode.recompute": "recompute",
    # cache map
    "chart.cache_map.empty": "No cache in recompute mode: nothing is kept between steps",
    "chart.cache_map.title": "What every layer's cache holds after {step}",
    "chart.cache_map.x": "position in the sequence (token)",
    "chart.cache_map.y": "layer",
    "chart.cache_map.colorbar": "written at",
    "chart.cache_map.hover": "layer {layer}, position {position}: {token}",
    "chart.cache_map.hover_long": "layer %{y}, position %{x}<br>written by step %{z} (0 = prefill)",
    "chart.cache_map.evicted": "evicted (outside the sliding window)",
    "chart.cache_map.by_prefill": "written by prefill",
    "chart.cache_map.by_decode": "written by decode step {step}",
    # cache bytes
    "chart.cache_bytes.title": "Cache size after each step",
    "chart.cache_bytes.x": "step (0 = prefill)",
    "chart.cache_bytes.y": "bytes held in K and V",
    "chart.cache_bytes.series": "cache bytes (real tensors)",
    "chart.cache_bytes.hover": "step %{x}<br>%{y:,} bytes (%{customdata[0]})<br>%{customdata[1]} tokens cached",
    # head sharing
    "chart.heads.query": "query head {i}",
    "chart.heads.kv": "K/V head {j}",
    "chart.heads.kind.mha": "multi-head",
    "chart.heads.kind.mqa": "multi-query",
    "chart.heads.kind.gqa": "grouped-query",
    "chart.heads.title": "{kind} attention: {heads} query heads read {kv_heads} cached K/V heads ({group} each)",
    # time
    "chart.time.title": "Measured forward time per step (wall clock, this machine)",
    "chart.time.x": "step (0 = prefill)",
    "chart.time.y": "milliseconds",
    "chart.time.ran": "{mode} (ran)",
    "chart.time.alongside": "{mode} (alongside)",
    "chart.time.hover": "step %{x}: %{y:.1f} ms",
    # attention
    "chart.attention.missing": "Attention weights of layer {layer} were not recorded for these steps",
    "chart.attention.colorbar": "weight",
    "chart.attention.hover": "query %{y} → key %{x}<br>weight %{z:.4f}",
    "chart.attention.fresh": "fresh K/V (computed this step)",
    "chart.attention.title": "Attention weights: layer {layer}, query head {head} (reads K/V head {kv_head})",
    "chart.attention.x": "key position (token)",
    "chart.attention.y": "query position (token)",
    "chart.attention.x_window": "key position (token): the last {keys} of {total}",
    "chart.attention.overview_x": "whole run, mean weight per {block}×{block} block",
    "chart.attention.overview_hover": "queries near %{y:.0f}, keys near %{x:.0f}<br>mean weight %{z:.4f}",
    # work split
    "chart.work.fresh": "fresh: needed by the new token either way",
    "chart.work.recomputed": "recomputed: only without the cache",
    "chart.work.reused": "reused: K/V read from the cache",
    "chart.work.fresh_hover": "step %{x}<br>fresh %{y:,} FLOPs",
    "chart.work.recomputed_hover": "step %{x}<br>recomputed %{y:,} FLOPs",
    "chart.work.reused_hover": (
        "step %{x}<br>%{y:,} bytes read (%{customdata[0]:,} values)<br>"
        "would cost %{customdata[1]:,} FLOPs of K/V projection to recompute"
    ),
    "chart.work.title": "Work per step: fresh, recomputed without a cache, reused from the cache",
    "chart.work.y_flops": "FLOPs",
    "chart.work.y_bytes": "bytes read",
    "chart.work.x": "step (0 = prefill)",
    # running totals
    "chart.running.recompute": "without cache (recompute)",
    "chart.running.cached": "with cache",
    "chart.running.recompute_hover": "after step %{x}: %{y:,} FLOPs",
    "chart.running.cached_hover": "after step %{x}: %{y:,} FLOPs<br>%{customdata:.1%} of recompute",
    "chart.running.title": "Running total of FLOPs since the prompt",
    "chart.running.x": "step (0 = prefill)",
    "chart.running.y_si": "FLOPs, cumulative (M = 10⁶, G = 10⁹, T = 10¹²)",
    # components
    "chart.components.cached": "with cache",
    "chart.components.recompute": "without cache",
    "chart.components.hover": "%{y}: %{x:,} FLOPs",
    "chart.components.title": "FLOPs by component at {step} (whole model)",
    "chart.components.x_si": "FLOPs (M = 10⁶, G = 10⁹, T = 10¹²)",
}
