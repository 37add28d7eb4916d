"""knorm:B: hold the B positions whose keys have the smallest L2 norm, per layer and K/V head.

kvpress's KnormPress (NVIDIA/kvpress, presses/knorm_press.py: `score = -keys.norm(dim=-1)`, after
Devoto et al. 2024, arXiv:2406.11430: a low key norm goes with high attention). Chosen for the lab
over SnapKV and TOVA because it needs no attention weights (it runs with any attention kernel) and
costs one norm per new key, so it shows what a rule that never looks at the queries gets right and
wrong. kvpress applies it once after prefill; here, like every lab policy, after every step too.
"""

from __future__ import annotations

import torch

from kvviz.cache.evict import EvictingLayer, EvictingPolicy, count


class KnormLayer(EvictingLayer):
    def choose(self) -> torch.Tensor:
        score = -self.keys[0].norm(dim=-1)  # (kv_heads, held): higher is kept
        return score.topk(self.budget, dim=-1).indices  # (kv_heads, budget)


class KnormCache(EvictingPolicy):
    per_head = True  # each K/V head keeps its own positions
    def __init__(self, budget: int):
        self.budget = count(budget, "held", least=1)
        self.spec = f"knorm:{budget}"

    def new_layer(self) -> KnormLayer:
        return KnormLayer(self.budget)
