"""The work ledger: what a forward pass costs, from the model's sizes.

Pure arithmetic on a ModelInfo (no torch), whose sizes engine/dims.py reads from the loaded
model's weight matrices (the config is only a cross-check there): matmul FLOPs per component, bytes moved, the
K/V cache's size, and the three-way split of each step's work into fresh, recomputed and
reused. FLOPs are counted like torch.utils.flop_counter: a matmul of (M x K) by (K x N)
costs 2*M*N*K. The cross-check against PyTorch's own counter lives in kvviz/engine/measure.py,
runs on every model kvviz loads (kvviz/engine/selfcheck.py) and in tests/test_measure.py.

Two counts for attention. "Executed" is what eager attention in transformers really
multiplies: K/V are repeated to every query head, and a prefill (or a recompute step)
multiplies the full q x k square even though the causal mask then zeroes half of it.
"Needed" (`scores_needed`, `attn_v_needed`, `total_needed`) is what the maths needs: each
query against only the keys it may see (causal, and inside a sliding window).

Sequence lengths per mode, for a step that ends with `context` tokens in the sequence:
    cached   prefill: q = context, keys = context (the cache was empty)
    cached   decode:  q = 1,       keys = context, or min(context, W) on a sliding layer
                      (transformers keeps the last W - 1 positions and adds the new one)
    recompute:        q = context, keys = context (no cache, the window only masks)
The LM head runs on `lm_head_positions` positions (1: the tracer calls the model with
logits_to_keep=1, in both modes).

    step_flops(info, phase, context)     {"cached": {...}, "recompute": {...}} whole model
    layer_flops(info, layer, mode, ...)  one block (sliding layers differ)
    step_bytes(info, phase, context)     K/V written and read, hidden state, weights
    cache_bytes(info, context)           what the cache holds, byte for byte as transformers
    split_step / split_trace             fresh / recomputed / reused, running totals, ratio
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kvviz.planner.layout import cache_bytes_for, transformers_positions
from kvviz.trace_data import ModelInfo, Trace

COMPONENTS = ("q_proj", "kv_proj", "scores", "attn_v", "o_proj", "mlp", "lm_head")
MODES = ("cached", "recompute")


# --------------------------------------------------------------------------- lengths


def _check(mode: str, phase: str, context: int) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if phase not in ("prefill", "decode"):
        raise ValueError(f"phase must be 'prefill' or 'decode', got {phase!r}")
    if not isinstance(context, int) or context < 1:
        raise ValueError(f"context must be a positive whole number, got {context!r}")


def query_length(mode: str, phase: str, context: int) -> int:
    """Positions the step feeds through the blocks."""
    _check(mode, phase, context)
    return 1 if (mode == "cached" and phase == "decode") else context


def key_length(window: int | None, mode: str, phase: str, context: int) -> int:
    """Keys each query row is multiplied against in eager attention (executed, not masked)."""
    _check(mode, phase, context)
    if mode == "cached" and phase == "decode" and window is not None and window > 1:
        return min(context, window)  # W - 1 cached + the new one
    return context


# Positions a layer of the real cache holds: one rule, shared with the capacity planner.
stored_positions = transformers_positions


def visible_keys(window: int | None, first: int, last: int) -> int:
    """Sum over query positions first..last-1 (0-based) of the keys each may see: min(p + 1, W)."""
    lo, hi = first + 1, last  # p + 1 runs over lo..hi
    if hi < lo:
        return 0
    if window is None:
        return (lo + hi) * (hi - lo + 1) // 2
    total = 0
    top = min(hi, window)
    if top >= lo:
        total += (lo + top) * (top - lo + 1) // 2
    start = max(lo, window + 1)
    if hi >= start:
        total += window * (hi - start + 1)
    return total


# --------------------------------------------------------------------------- FLOPs


def _mm(m: int, n: int, k: int) -> int:
    return 2 * m * n * k


def mlp_matrices(info: ModelInfo) -> int:
    """hidden x inner matrices per block, as read from the modules (older traces: from mlp_kind)."""
    return info.mlp_matrices or (3 if info.mlp_kind == "gated" else 2)


def mlp_flops_per_token(info: ModelInfo) -> int:
    """One position through one block's MLP: three matrices if gated (a fused gate_up counts two)."""
    mats = mlp_matrices(info)
    return mats * _mm(1, info.intermediate_size, info.hidden_size)


def layer_flops(info: ModelInfo, layer: int, mode: str, phase: str, context: int) -> dict[str, int]:
    """One block's matmul FLOPs (no LM head): executed per component, plus the needed attention."""
    window = info.layer_windows[layer] if layer < len(info.layer_windows) else None
    q = query_length(mode, phase, context)
    k = key_length(window, mode, phase, context)
    h, d = info.hidden_size, info.head_dim
    nq, nkv = info.num_attention_heads, info.num_key_value_heads
    # Needed: each of the q query positions (the last q of the context) against its visible keys.
    seen = visible_keys(window, context - q, context)
    out = {
        "q_proj": _mm(q, nq * d, h),  # (q, h) @ (h, nq*d)
        "kv_proj": 2 * _mm(q, nkv * d, h),  # K and V: (q, h) @ (h, nkv*d) each
        "scores": nq * _mm(q, k, d),  # per query head (q, d) @ (d, k); K repeated to nq heads
        "attn_v": nq * _mm(q, d, k),  # per query head (q, k) @ (k, d)
        "o_proj": _mm(q, h, nq * d),  # (q, nq*d) @ (nq*d, h)
        "mlp": q * mlp_flops_per_token(info),
        "scores_needed": 2 * nq * d * seen,
        "attn_v_needed": 2 * nq * d * seen,
    }
    return out


def layers_flops(info: ModelInfo, mode: str, phase: str, context: int) -> list[dict[str, int]]:
    """layer_flops for every block, in order."""
    return [layer_flops(info, i, mode, phase, context) for i in range(info.num_layers)]


def lm_head_flops(info: ModelInfo, positions: int = 1) -> int:
    return _mm(positions, info.vocab_size, info.hidden_size)


def mode_flops(info: ModelInfo, mode: str, phase: str, context: int, lm_head_positions: int = 1) -> dict[str, int]:
    """Whole-model FLOPs of one step in one mode: the seven components, `total`, and the needed figures."""
    per_layer = layers_flops(info, mode, phase, context)
    out = {c: sum(l[c] for l in per_layer) for c in COMPONENTS if c != "lm_head"}
    out["lm_head"] = lm_head_flops(info, lm_head_positions)
    ordered = {c: out[c] for c in COMPONENTS}
    ordered["total"] = sum(ordered.values())
    ordered["scores_needed"] = sum(l["scores_needed"] for l in per_layer)
    ordered["attn_v_needed"] = sum(l["attn_v_needed"] for l in per_layer)
    ordered["total_needed"] = (
        ordered["total"] - ordered["scores"] - ordered["attn_v"] + ordered["scores_needed"] + ordered["attn_v_needed"]
    )
    return ordered


def step_flops(
    info: ModelInfo, phase: str, context_length: int, lm_head_positions: int = 1
) -> dict[str, dict[str, int]]:
    """What the tracer stores in Step.flops: both modes at the same step."""
    return {m: mode_flops(info, m, phase, context_length, lm_head_positions) for m in MODES}



# --------------------------------------------------------------------------- bytes


def kv_bytes_per_token_layer(info: ModelInfo) -> int:
    """One position's K and V in one layer: 2 x KV heads x head_dim x bytes per element."""
    return 2 * info.num_key_value_heads * info.head_dim * info.dtype_bytes


def kv_bytes_per_token(info: ModelInfo) -> int:
    """One position's K and V in every layer (sliding layers included, i.e. below their window)."""
    return info.num_layers * kv_bytes_per_token_layer(info)


def cache_bytes(info: ModelInfo, context: int, batch: int = 1) -> int:
    """Bytes the real DynamicCache holds after `context` tokens: sliding layers capped at W - 1."""
    return cache_bytes_for(_windows(info), info.num_key_value_heads, info.head_dim, info.dtype_bytes, context, batch)


def _windows(info: ModelInfo) -> list[int | None]:
    return list(info.layer_windows) or [None] * info.num_layers


def mode_bytes(info: ModelInfo, mode: str, phase: str, context: int) -> dict[str, int]:
    """Bytes of one step in one mode.

    kv_written: K/V of this step's new positions appended to the cache (cached mode only).
    kv_read: K/V entries read back from the cache by attention (cached decode only).
    kv_computed: K/V the step computes (new positions with a cache, every position without).
    kv_copied: what transformers' DynamicCache physically writes, since update() builds the
        layer's tensor anew with torch.cat (old entries + new) every step.
    hidden_per_block: the hidden state [1, q, hidden] each block receives; hidden_total: all blocks.
    weights: every weight read once per forward pass (the same in both modes).
    """
    q = query_length(mode, phase, context)
    per = kv_bytes_per_token_layer(info)
    before = context - q if mode == "cached" else 0  # positions already processed and cached
    written = read = copied = 0
    if mode == "cached":
        for w in _windows(info):
            held = stored_positions(w, before)
            written += q * per
            read += held * per
            copied += (held + q) * per
    hidden_block = q * info.hidden_size * info.dtype_bytes
    return {
        "kv_written": written,
        "kv_read": read,
        "kv_computed": info.num_layers * q * per,
        "kv_copied": copied,
        "hidden_per_block": hidden_block,
        "hidden_total": info.num_layers * hidden_block,
        "weights": info.weight_bytes,
        "cache_after": cache_bytes(info, context) if mode == "cached" else 0,
    }


def step_bytes(info: ModelInfo, phase: str, context_length: int) -> dict[str, dict[str, int]]:
    return {m: mode_bytes(info, m, phase, context_length) for m in MODES}


# --------------------------------------------------------------------------- the three-way split


@dataclass
class StepSplit:
    """One step's work split three ways, and the running totals up to it.

    fresh: what the new position(s) need whatever the method = the cached mode's executed FLOPs.
    recomputed: what the recompute mode does again for positions it already processed
        = recompute FLOPs - cached FLOPs (per component; the LM head's is 0).
    reused: K/V entries read from the cache instead of recomputed (elements and bytes), and
        the K/V projection FLOPs those entries would have cost again.
    """

    index: int
    phase: str
    context_length: int
    fresh: dict[str, int]
    recomputed: dict[str, int]
    reused_kv_elements: int
    reused_kv_bytes: int
    reused_kv_proj_flops: int
    cached_total: int
    recompute_total: int
    cum_cached: int = 0
    cum_recompute: int = 0
    ratio: float = 1.0  # cum_cached / cum_recompute

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_step(info: ModelInfo, phase: str, context: int, index: int = 0) -> StepSplit:
    flops = step_flops(info, phase, context)
    cached, recompute = flops["cached"], flops["recompute"]
    keys = COMPONENTS + ("total",)
    fresh = {c: cached[c] for c in keys}
    recomputed = {c: recompute[c] - cached[c] for c in keys}
    q = query_length("cached", phase, context)
    before = context - q
    positions = sum(stored_positions(w, before) for w in _windows(info))
    elements = positions * 2 * info.num_key_value_heads * info.head_dim
    return StepSplit(
        index=index,
        phase=phase,
        context_length=context,
        fresh=fresh,
        recomputed=recomputed,
        reused_kv_elements=elements,
        reused_kv_bytes=elements * info.dtype_bytes,
        reused_kv_proj_flops=positions * _mm(1, 2 * info.num_key_value_heads * info.head_dim, info.hidden_size),
        cached_total=cached["total"],
        recompute_total=recompute["total"],
    )


@dataclass
class RunLedger:
    """The split of every step of a trace, with the run's totals."""

    steps: list[StepSplit] = field(default_factory=list)
    totals: dict[str, dict[str, int]] = field(default_factory=dict)  # mode -> component -> FLOPs

    @property
    def cached_total(self) -> int:
        return self.totals.get("cached", {}).get("total", 0)

    @property
    def recompute_total(self) -> int:
        return self.totals.get("recompute", {}).get("total", 0)

    @property
    def ratio(self) -> float:
        """Cached FLOPs over recompute FLOPs for the whole run (below 1 means the cache saved work)."""
        return self.cached_total / self.recompute_total if self.recompute_total else 1.0

    @property
    def reused_kv_bytes(self) -> int:
        return sum(s.reused_kv_bytes for s in self.steps)

    def shares(self, mode: str) -> dict[str, float]:
        """Each component's share of the run's total FLOPs in one mode."""
        t = self.totals[mode]
        return {c: (t[c] / t["total"] if t["total"] else 0.0) for c in COMPONENTS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.steps],
            "totals": self.totals,
            "ratio": self.ratio,
            "reused_kv_bytes": self.reused_kv_bytes,
        }


def split_trace(trace: Trace) -> RunLedger:
    """Fresh / recomputed / reused for every step of a trace, with running totals and the ratio.

    Computed once per list of steps for every visitor reading the same shared steps
    (kvviz.analysis.memo): the result is shared, read it only."""
    from kvviz.analysis import memo

    return memo.by_steps("ledger.split_trace", trace.steps, (trace.model.name,), lambda: _split_trace(trace))


def _split_trace(trace: Trace) -> RunLedger:
    info = trace.model
    run = RunLedger(totals={m: {c: 0 for c in COMPONENTS + ("total", "total_needed")} for m in MODES})
    cum_c = cum_r = 0
    for step in trace.steps:
        sp = split_step(info, step.phase, step.context_length, step.index)
        flops = step.flops or step_flops(info, step.phase, step.context_length)
        for m in MODES:
            for c in run.totals[m]:
                run.totals[m][c] += int(flops[m].get(c, 0))
        cum_c += sp.cached_total
        cum_r += sp.recompute_total
        sp.cum_cached, sp.cum_recompute = cum_c, cum_r
        sp.ratio = cum_c / cum_r if cum_r else 1.0
        run.steps.append(sp)
    return run


# --------------------------------------------------------------------------- measurement comparison


def comparable(model: dict[str, int], measured: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Pairs (cost model, measured) per group that both sides report.

    A fused QKV projection (GPT-2's c_attn) is measured as one matmul, `qkv_proj`; the cost model's
    q_proj + kv_proj are summed to meet it rather than splitting the measurement. Likewise a fused
    attention kernel (sdpa) is measured as `attention` = scores + attn_v.
    """
    pairs: dict[str, tuple[int, int]] = {}
    for c in COMPONENTS:
        if c in measured:
            pairs[c] = (int(model[c]), int(measured[c]))
    if "qkv_proj" in measured:
        pairs["qkv_proj"] = (int(model["q_proj"]) + int(model["kv_proj"]), int(measured["qkv_proj"]))
    if "attention" in measured:
        pairs["attention"] = (int(model["scores"]) + int(model["attn_v"]), int(measured["attention"]))
    if "total" in measured:
        pairs["total"] = (int(model["total"]), int(measured["total"]))
    return pairs
