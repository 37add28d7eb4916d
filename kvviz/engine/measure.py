"""Measure one forward pass's FLOPs with PyTorch's own counter, grouped like the cost model.

    meter = FlopMeter()
    with meter:
        model(...)
    meter.groups()  # {"q_proj": ..., "kv_proj": ..., "scores": ..., ..., "other": ..., "total": ...}

torch.utils.flop_counter.FlopCounterMode counts every matmul (mm, addmm, bmm, baddbmm, sdpa) as
2*M*N*K and knows which modules were running. Each counted op is given to the deepest module
around it:
    q_proj                      -> q_proj
    k_proj, v_proj              -> kv_proj
    o_proj / attention c_proj   -> o_proj
    anything inside `mlp`       -> mlp (and OPT's fc1 / fc2, which sit in the block itself)
    lm_head                     -> lm_head
    the attention module itself -> its two matmuls: the first of each pair is the scores (Q·Kᵀ),
                                   the second attention × V (eager attention does exactly these two)
    anything else               -> other (0 on the tested architectures; e.g. a rotary table
                                   computed with a matmul would land here)
`total` is everything the counter saw (`other` included).

Fused projections are reported as measured, not split: GPT-2's c_attn computes Q, K and V in one
matmul and appears as `qkv_proj` (no `q_proj` / `kv_proj` keys); splitting it by output columns
would be arithmetic, not measurement. ledger.comparable() sums the cost model's q_proj + kv_proj
to meet it. A fused attention kernel (sdpa) is likewise reported as `attention`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Self

from torch.utils.flop_counter import FlopCounterMode

_Q = {"q_proj", "wq", "query"}
_KV = {"k_proj", "v_proj", "wk", "wv", "key", "value"}
_QKV = {"c_attn", "qkv_proj", "wqkv", "query_key_value"}
_O = {"o_proj", "out_proj", "wo", "dense"}
_ATTN = {"self_attn", "attn", "attention", "self_attention"}
_MLP = {"mlp", "feed_forward", "ffn"}
_MLP_LEAVES = {"fc1", "fc2"}  # OPT keeps its MLP's two matrices directly in the block
_HEAD = {"lm_head", "embed_out", "output"}
_SDPA = ("_scaled_dot_product", "scaled_dot_product")


class _RecordingCounter(FlopCounterMode):
    """FlopCounterMode that also keeps, for every counted op, the modules around it."""

    def __init__(self) -> None:
        super().__init__(display=False)
        self.events: list[tuple[str, str, int]] = []  # (deepest module, op name, flops)

    def _count_flops(self, func_packet, out, args, kwargs):  # same as torch 2.13, plus the event
        if func_packet in self.flop_registry:
            flop_count = self.flop_registry[func_packet](*args, **kwargs, out_val=out)
            parents = set(self.mod_tracker.parents)
            for par in parents:
                self.flop_counts[par][func_packet] += flop_count
            deepest = max(parents, key=lambda p: (p.count("."), len(p)))
            self.events.append((deepest, str(func_packet), int(flop_count)))
        return out


def classify(module_path: str) -> str:
    """Group of a module path like 'LlamaForCausalLM.model.layers.0.self_attn.q_proj'."""
    parts = module_path.split(".")
    leaf = parts[-1]
    low = [p.lower() for p in parts]
    if any(p in _MLP for p in low[1:]):
        return "mlp"
    inside_attn = len(low) >= 2 and low[-2] in _ATTN
    if leaf.lower() in _MLP_LEAVES and not inside_attn:
        return "mlp"
    if leaf.lower() in _HEAD:
        return "lm_head"
    if leaf.lower() in _Q:
        return "q_proj"
    if leaf.lower() in _KV:
        return "kv_proj"
    if leaf.lower() in _QKV:
        return "qkv_proj"
    if leaf.lower() in _O or (leaf == "c_proj" and inside_attn):
        return "o_proj"
    if leaf.lower() in _ATTN:
        return "attention_core"
    return "other"


class FlopMeter:
    """A context manager around one forward pass; groups() maps the counts to the ledger's components."""

    def __init__(self):
        self._counter: _RecordingCounter | None = None
        self._groups: dict[str, int] | None = None

    def __enter__(self) -> Self:
        self._groups = None
        self._counter = _RecordingCounter()
        self._counter.__enter__()
        return self

    def __exit__(self, *exc) -> bool:
        assert self._counter is not None
        self._counter.__exit__(*exc)
        return False

    @property
    def events(self) -> list[tuple[str, str, int]]:
        return list(self._counter.events) if self._counter else []

    def total(self) -> int:
        return int(self._counter.get_total_flops()) if self._counter else 0

    def groups(self) -> dict[str, int]:
        """Measured FLOPs per component group, plus `other` and `total` (all that was counted)."""
        if self._groups is not None:
            return dict(self._groups)
        g: dict[str, int] = defaultdict(int)
        order: dict[str, int] = defaultdict(int)  # matmuls seen so far in each attention module
        for module, op, flops in self.events:
            group = classify(module)
            if group == "attention_core":
                if any(s in op for s in _SDPA):
                    group = "attention"  # fused kernel: scores and attn_v in one op
                else:
                    group = "scores" if order[module] % 2 == 0 else "attn_v"
                    order[module] += 1
            g[group] += flops
        fused = "qkv_proj" in g
        keys = ["q_proj", "kv_proj"] if not fused else ["qkv_proj"]
        keys += ["scores", "attn_v"] if "attention" not in g else ["attention"]
        keys += ["o_proj", "mlp", "lm_head"]
        out = {k: int(g.get(k, 0)) for k in keys}
        if fused:  # a model could mix fused and separate projections; keep anything seen
            for k in ("q_proj", "kv_proj"):
                if g.get(k):
                    out[k] = int(g[k])
        out["other"] = int(g.get("other", 0))
        out["total"] = self.total()
        self._groups = out
        return dict(out)
