"""The source article's three questions, answered from a trace with the run's own figures.

    for a in answers(trace):
        a.question, a.answer   # one plain sentence each, figures included
        a.evidence             # raw numbers (for tables and charts)
        a.lines                # the evidence as short readable lines

The figures come from the trace's last step (the largest context: where the difference is
biggest), from the cost model stored in each step (kvviz/ledger.py), and, for the data handed
between blocks, from the hidden state the run really passed into block 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kvviz.analysis import ledger
from kvviz.analysis.ledger import fmt_bytes, fmt_flops
from kvviz.trace_data import Step, Trace

QUESTIONS = {
    "attention": "Which part of self-attention's computation does the KV cache save?",
    "mlp": "Does the KV cache change the MLP layers' computation?",
    "hidden": "Does the KV cache change how much data passes between blocks?",
}


@dataclass
class Answer:
    key: str  # "attention", "mlp" or "hidden"
    question: str
    answer: str  # one plain sentence with the run's figures
    evidence: dict[str, Any] = field(default_factory=dict)  # raw numbers
    lines: list[str] = field(default_factory=list)  # the evidence, readable

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _flops(step: Step, info) -> dict[str, dict[str, int]]:
    return step.flops or ledger.step_flops(info, step.phase, step.context_length)


def _shape(shape: list[int]) -> str:
    return "[" + ", ".join(str(x) for x in shape) + "]"


def _positions(n: int) -> str:
    return f"{n} position" if n == 1 else f"{n} positions"


def _times(a: float, b: float) -> str:
    if not b:
        return "n/a"
    r = a / b
    return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×"


def answers(trace: Trace) -> list[Answer]:
    """The three answers for a trace that has at least one step."""
    if not trace.steps:
        raise ValueError("The trace has no steps yet: run at least the prefill step.")
    run = ledger.split_trace(trace)  # once, for the answers that need the whole run
    return [_attention(trace, run), _mlp(trace, run), _hidden(trace)]


def _last(trace: Trace) -> Step:
    return trace.steps[-1]


def _attention(trace: Trace, run: ledger.RunLedger) -> Answer:
    info = trace.model
    step = _last(trace)
    c = step.context_length
    f = _flops(step, info)
    fc, fr = f["cached"], f["recompute"]
    split = ledger.split_step(info, step.phase, c, step.index)
    att_c = fc["scores"] + fc["attn_v"]
    att_r = fr["scores"] + fr["attn_v"]
    evidence = {
        "step": step.index,
        "phase": step.phase,
        "context_length": c,
        "earlier_tokens": c - 1 if step.phase == "decode" else 0,
        "kv_proj_cached": fc["kv_proj"],
        "kv_proj_recompute": fr["kv_proj"],
        "q_proj_cached": fc["q_proj"],
        "q_proj_recompute": fr["q_proj"],
        "scores_attn_v_cached": att_c,
        "scores_attn_v_recompute": att_r,
        "scores_attn_v_recompute_needed": fr["scores_needed"] + fr["attn_v_needed"],
        "reused_kv_bytes": split.reused_kv_bytes,
        "reused_kv_elements": split.reused_kv_elements,
        "run_reused_kv_bytes": run.reused_kv_bytes,
        "run_kv_proj_cached": run.totals["cached"]["kv_proj"],
        "run_kv_proj_recompute": run.totals["recompute"]["kv_proj"],
    }
    windowed = any(w is not None and w < c for w in info.layer_windows)
    keys_seen = f"all {c} keys" if not windowed else "every key inside each layer's window"
    if step.phase == "prefill":
        text = (
            f"At prefill there is nothing to save yet: both methods project Q, K and V for all {c} prompt tokens "
            f"({fmt_flops(fc['kv_proj'])} for K and V) and fill the cache; the saving starts with the first "
            "generated token."
        )
    else:
        text = (
            f"It saves recomputing the keys and values of the tokens already seen: at the last step "
            f"(context {c} tokens) the K and V projections cost {fmt_flops(fc['kv_proj'])} with the cache against "
            f"{fmt_flops(fr['kv_proj'])} without, because "
            + ("the earlier tokens' K/V still inside each layer's sliding window" if windowed
               else f"the {c - 1} earlier tokens' K/V")
            + f" ({fmt_bytes(split.reused_kv_bytes)}) are read from the cache, and the attention matmuls shrink from "
            f"{fmt_flops(att_r)} to {fmt_flops(att_c)} since only the new token's query is scored, though it still "
            f"meets {keys_seen}."
        )
    lines = [
        f"K and V projections at the last step: {fmt_flops(fc['kv_proj'])} cached vs {fmt_flops(fr['kv_proj'])} "
        f"recompute ({_times(fr['kv_proj'], fc['kv_proj'])})",
        f"Q projection: {fmt_flops(fc['q_proj'])} vs {fmt_flops(fr['q_proj'])}",
        f"Q·Kᵀ + attention × V: {fmt_flops(att_c)} vs {fmt_flops(att_r)} executed "
        f"({fmt_flops(evidence['scores_attn_v_recompute_needed'])} needed under the causal mask)",
        f"K/V read from the cache at the last step: {fmt_bytes(split.reused_kv_bytes)} "
        f"({split.reused_kv_elements:,} values); over the run: {fmt_bytes(run.reused_kv_bytes)}",
    ]
    return Answer("attention", QUESTIONS["attention"], text, evidence, lines)


def _mlp(trace: Trace, run: ledger.RunLedger) -> Answer:
    info = trace.model
    step = _last(trace)
    c = step.context_length
    f = _flops(step, info)
    per_token = info.num_layers * ledger.mlp_flops_per_token(info)
    q_c = ledger.query_length("cached", step.phase, c)
    q_r = ledger.query_length("recompute", step.phase, c)
    evidence = {
        "step": step.index,
        "context_length": c,
        "mlp_per_token": per_token,
        "positions_cached": q_c,
        "positions_recompute": q_r,
        "mlp_cached": f["cached"]["mlp"],
        "mlp_recompute": f["recompute"]["mlp"],
        "run_mlp_cached": run.totals["cached"]["mlp"],
        "run_mlp_recompute": run.totals["recompute"]["mlp"],
        "mlp_share_cached": run.shares("cached")["mlp"],
    }
    kind = "three" if info.mlp_kind == "gated" else "two"
    text = (
        f"Not per token: the MLP works on each position on its own, {fmt_flops(per_token)} per token through all "
        f"{info.num_layers} blocks with or without the cache, but the cache changes how many positions it runs on"
        + (
            f": at prefill both run it on all {q_c} prompt positions ({fmt_flops(f['cached']['mlp'])}); from the "
            "first generated token on, the cached loop runs it on 1 position per step, the cache-less loop on all."
            if step.phase == "prefill"
            else f", {q_c} instead of {q_r} at the last step ({fmt_flops(f['cached']['mlp'])} against "
            f"{fmt_flops(f['recompute']['mlp'])})."
        )
    )
    lines = [
        f"MLP per token per block: {fmt_flops(ledger.mlp_flops_per_token(info))} ({kind} matrices, "
        f"hidden {info.hidden_size} ↔ intermediate {info.intermediate_size})",
        f"MLP at the last step: {fmt_flops(f['cached']['mlp'])} cached ({_positions(q_c)}) vs "
        f"{fmt_flops(f['recompute']['mlp'])} recompute ({_positions(q_r)})",
        f"MLP over the run: {fmt_flops(run.totals['cached']['mlp'])} cached vs "
        f"{fmt_flops(run.totals['recompute']['mlp'])} recompute; "
        f"{evidence['mlp_share_cached'] * 100:.0f}% of the cached run's FLOPs",
    ]
    return Answer("mlp", QUESTIONS["mlp"], text, evidence, lines)


def _hidden(trace: Trace) -> Answer:
    info = trace.model
    step = _last(trace)
    c = step.context_length
    b = ledger.step_bytes(info, step.phase, c)
    shapes = {m: [1, ledger.query_length(m, step.phase, c), info.hidden_size] for m in ledger.MODES}
    sizes = {m: b[m]["hidden_per_block"] for m in ledger.MODES}
    if step.hidden_shape:  # the run's own tensor for the mode that ran
        shapes[trace.mode] = list(step.hidden_shape)
        sizes[trace.mode] = step.hidden_bytes
    evidence = {
        "step": step.index,
        "context_length": c,
        "mode_that_ran": trace.mode,
        "shape_cached": shapes["cached"],
        "shape_recompute": shapes["recompute"],
        "bytes_cached": sizes["cached"],
        "bytes_recompute": sizes["recompute"],
        "bytes_per_token": info.hidden_size * info.dtype_bytes,
        "blocks": info.num_layers,
    }
    if step.phase == "prefill":
        text = (
            f"Not at prefill: both methods hand {_shape(shapes['cached'])} ({fmt_bytes(sizes['cached'])}) from "
            "block to block; from the first generated token on, the cache cuts it to one position."
        )
    else:
        text = (
            f"Yes: with the cache each block hands the next a {_shape(shapes['cached'])} hidden state "
            f"({fmt_bytes(sizes['cached'])}) instead of {_shape(shapes['recompute'])} "
            f"({fmt_bytes(sizes['recompute'])}) without it, at the last step."
        )
    lines = [
        f"Per position: {info.hidden_size} values × {info.dtype_bytes} bytes = "
        f"{fmt_bytes(evidence['bytes_per_token'])}, the same in both modes",
        f"Handed on by all {info.num_layers} blocks at the last step: "
        f"{fmt_bytes(info.num_layers * sizes['cached'])} cached vs "
        f"{fmt_bytes(info.num_layers * sizes['recompute'])} recompute",
        f"Measured from the run ({trace.mode} mode): block 0 received {_shape(shapes[trace.mode])}, "
        f"{fmt_bytes(sizes[trace.mode])}",
    ]
    return Answer("hidden", QUESTIONS["hidden"], text, evidence, lines)


def run_summary(trace: Trace) -> str:
    """One line with the run's totals: cached vs recompute FLOPs and their ratio."""
    run = ledger.split_trace(trace)
    return (
        f"Whole run ({len(trace.steps)} steps): {fmt_flops(run.cached_total)} with the cache vs "
        f"{fmt_flops(run.recompute_total)} recomputing ({_times(run.recompute_total, run.cached_total)} more)."
    )


def explain_text(trace: Trace) -> str:
    out = []
    for i, a in enumerate(answers(trace), 1):
        out.append(f"{i}. {a.question}")
        out.append(f"   {a.answer}")
        out.extend(f"   - {line}" for line in a.lines)
        out.append("")
    out.append(run_summary(trace))
    return "\n".join(out)
