"""h2o:H:R: hold the R most recent positions plus the H "heavy hitters" with the largest
accumulated attention, per layer and K/V head.

H2O (Zhang et al. 2023, FMInference/H2O, h2o_hf/utils_hh/modify_llama.py): every query's attention
row is added to a running score per key (column sums, prefill rows included); the lowest-scoring
position outside the recent window is evicted. Here the sum also runs over the query heads that share
a K/V head (grouped-query attention), so that each K/V head, which is what the cache stores, keeps
its own positions. Needs eager attention (the weights). h2o:0:R is window:R.
"""

from __future__ import annotations

import torch

from kvviz.cache.evict import EvictingLayer, EvictingPolicy, count
from kvviz.errors import KvvizError


class H2OLayer(EvictingLayer):
    def __init__(self, heavy: int, recent: int):
        super().__init__(heavy + recent)
        self.heavy, self.recent = heavy, recent
        self.scores: torch.Tensor | None = None  # (kv_heads, held) accumulated attention per held slot

    def observe(self, weights: torch.Tensor) -> None:
        """weights: (batch, q_heads, q, k) over the held slots plus the new ones, after the softmax."""
        b, q_heads, q, k = weights.shape
        kv_heads = self.keys.shape[1]
        if k != self.keys.shape[-2]:
            raise KvvizError(f"h2o saw attention over {k} keys where its layer holds {self.keys.shape[-2]}.")
        # query head h reads K/V head h // (q_heads // kv_heads) (transformers' repeat_kv)
        add = weights[0].float().reshape(kv_heads, q_heads // kv_heads, q, k).sum(dim=(1, 2))  # (kv_heads, k)
        old = self.scores if self.scores is not None else add.new_zeros(kv_heads, 0)
        self.scores = torch.cat([old, add.new_zeros(kv_heads, k - old.shape[1])], dim=1) + add

    def choose(self) -> torch.Tensor:
        held, heads = self.keys.shape[-2], self.keys.shape[1]
        recent = torch.arange(held - self.recent, held, device=self.keys.device).expand(heads, -1)
        if not self.heavy:
            return recent
        older = self.scores[:, : held - self.recent]  # (kv_heads, held - R): candidates for heavy hitters
        heavy = older.topk(self.heavy, dim=-1).indices  # (kv_heads, H)
        return torch.cat([heavy, recent], dim=-1)  # (kv_heads, H + R)

    def keep(self, index: torch.Tensor) -> None:
        super().keep(index)
        self.scores = self.scores.gather(1, index)

    def stored(self) -> list[torch.Tensor]:
        return [self.keys, self.values]  # the scores are bookkeeping, not K/V (H2O counts them apart too)


class H2OCache(EvictingPolicy):
    needs_attention = True
    per_head = True  # each K/V head keeps its own positions

    def __init__(self, heavy: int, recent: int):
        self.heavy = count(heavy, "heavy")
        self.recent = count(recent, "recent")
        if heavy + recent < 1:
            raise KvvizError(key="errors.policy.empty", spec="h2o:H:R", sum="H + R")
        self.spec = f"h2o:{heavy}:{recent}"

    def new_layer(self) -> H2OLayer:
        return H2OLayer(self.heavy, self.recent)

    def observe_attention(self, cache, layer: int, weights: torch.Tensor) -> None:
        cache.layers[layer].observe(weights)
