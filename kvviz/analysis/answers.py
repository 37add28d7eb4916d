"""The source article's three questions, answered from a trace as numbers and stable keys.

    for a in answers(trace):
        a.key        # "attention", "mlp" or "hidden": which question
        a.case       # which headline applies: "prefill", "decode" or "decode_windowed"
        a.evidence   # the run's figures (ints, shapes, flags), by name
        a.lines      # ids of the evidence lines worth showing, in order

No words here: kvviz.text.answers turns an Answer into sentences in the visitor's language.
The figures come from the trace's last step (the largest context: where the difference is
biggest), from the cost model stored in each step (kvviz/analysis/ledger.py), and, for the data
handed between blocks, from the hidden state the run really passed into block 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kvviz.analysis import ledger
from kvviz.errors import KvvizError
from kvviz.trace_data import Step, Trace

QUESTION_KEYS = ("attention", "mlp", "hidden")
ATTENTION_PARTS = ("q_proj", "kv_proj", "scores", "attn_v", "o_proj")  # a block's self-attention, by ledger component
# Evidence lines each answer shows, by stable id (the text layer has one template per id).
LINES = {
    "attention": ("kv_proj", "q_proj", "scores_attn_v", "reused_kv"),
    "mlp": ("per_token", "last_step", "run"),
    "hidden": ("per_position", "all_blocks", "measured"),
}


@dataclass
class Answer:
    key: str  # "attention", "mlp" or "hidden"
    case: str  # "prefill", "decode" or "decode_windowed" (sliding layers: attention only)
    evidence: dict[str, Any] = field(default_factory=dict)  # the run's figures
    lines: tuple[str, ...] = ()  # ids of the evidence lines, in display order

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunSummary:
    """The run's totals: cached vs recompute FLOPs."""

    steps: int
    cached_flops: int
    recompute_flops: int

    @property
    def ratio(self) -> float:
        """How many times more work the cache-less loop does (0 when nothing ran)."""
        return self.recompute_flops / self.cached_flops if self.cached_flops else 0.0


def _flops(step: Step, info) -> dict[str, dict[str, int]]:
    return step.flops or ledger.step_flops(info, step.phase, step.context_length)


def answers(trace: Trace) -> list[Answer]:
    """The three answers for a trace that has at least one step."""
    if not trace.steps:
        raise KvvizError(key="errors.no_steps")
    run = ledger.split_trace(trace)  # once, for the answers that need the whole run
    return [_attention(trace, run), _mlp(trace, run), _hidden(trace)]


def run_summary(trace: Trace) -> RunSummary:
    run = ledger.split_trace(trace)
    return RunSummary(len(trace.steps), run.cached_total, run.recompute_total)


def _attention(trace: Trace, run: ledger.RunLedger) -> Answer:
    info = trace.model
    step = trace.steps[-1]
    c = step.context_length
    f = _flops(step, info)
    fc, fr = f["cached"], f["recompute"]
    split = ledger.split_step(info, step.phase, c, step.index)
    windowed = any(w is not None and w < c for w in info.layer_windows)
    evidence = {
        "step": step.index,
        "phase": step.phase,
        "context_length": c,
        "earlier_tokens": c - 1 if step.phase == "decode" else 0,
        "windowed": windowed,  # some layer's sliding window is shorter than the context
        "kv_proj_cached": fc["kv_proj"],
        "kv_proj_recompute": fr["kv_proj"],
        "q_proj_cached": fc["q_proj"],
        "q_proj_recompute": fr["q_proj"],
        "scores_attn_v_cached": fc["scores"] + fc["attn_v"],
        "scores_attn_v_recompute": fr["scores"] + fr["attn_v"],
        "scores_attn_v_recompute_needed": fr["scores_needed"] + fr["attn_v_needed"],
        # All the attention block's work (Q, K, V, O projections and the attention matmuls), and the whole step
        "attn_cached": sum(fc[k] for k in ATTENTION_PARTS),
        "attn_recompute": sum(fr[k] for k in ATTENTION_PARTS),
        "total_cached": fc["total"],
        "total_recompute": fr["total"],
        "reused_kv_bytes": split.reused_kv_bytes,
        "reused_kv_elements": split.reused_kv_elements,
        "run_reused_kv_bytes": run.reused_kv_bytes,
        "run_kv_proj_cached": run.totals["cached"]["kv_proj"],
        "run_kv_proj_recompute": run.totals["recompute"]["kv_proj"],
    }
    case = "prefill" if step.phase == "prefill" else ("decode_windowed" if windowed else "decode")
    return Answer("attention", case, evidence, LINES["attention"])


def _mlp(trace: Trace, run: ledger.RunLedger) -> Answer:
    info = trace.model
    step = trace.steps[-1]
    c = step.context_length
    f = _flops(step, info)
    per_block = ledger.mlp_flops_per_token(info)
    evidence = {
        "step": step.index,
        "phase": step.phase,
        "context_length": c,
        "blocks": info.num_layers,
        "mlp_per_token_block": per_block,
        "mlp_per_token": info.num_layers * per_block,
        "mlp_matrices": 3 if info.mlp_kind == "gated" else 2,
        "hidden_size": info.hidden_size,
        "intermediate_size": info.intermediate_size,
        "positions_cached": ledger.query_length("cached", step.phase, c),
        "positions_recompute": ledger.query_length("recompute", step.phase, c),
        "mlp_cached": f["cached"]["mlp"],
        "mlp_recompute": f["recompute"]["mlp"],
        "run_mlp_cached": run.totals["cached"]["mlp"],
        "run_mlp_recompute": run.totals["recompute"]["mlp"],
        "mlp_share_cached": run.shares("cached")["mlp"],
    }
    return Answer("mlp", "prefill" if step.phase == "prefill" else "decode", evidence, LINES["mlp"])


def _hidden(trace: Trace) -> Answer:
    info = trace.model
    step = trace.steps[-1]
    c = step.context_length
    b = ledger.step_bytes(info, step.phase, c)
    shapes = {m: [1, ledger.query_length(m, step.phase, c), info.hidden_size] for m in ledger.MODES}
    sizes = {m: b[m]["hidden_per_block"] for m in ledger.MODES}
    if step.hidden_shape:  # the run's own tensor for the mode that ran
        shapes[trace.mode] = list(step.hidden_shape)
        sizes[trace.mode] = step.hidden_bytes
    evidence = {
        "step": step.index,
        "phase": step.phase,
        "context_length": c,
        "mode_that_ran": trace.mode,
        "shape_cached": shapes["cached"],  # [batch, positions, hidden]
        "shape_recompute": shapes["recompute"],
        "bytes_cached": sizes["cached"],
        "bytes_recompute": sizes["recompute"],
        "hidden_size": info.hidden_size,
        "dtype_bytes": info.dtype_bytes,
        "bytes_per_token": info.hidden_size * info.dtype_bytes,
        "blocks": info.num_layers,
        "all_blocks_cached": info.num_layers * sizes["cached"],
        "all_blocks_recompute": info.num_layers * sizes["recompute"],
    }
    return Answer("hidden", "prefill" if step.phase == "prefill" else "decode", evidence, LINES["hidden"])
