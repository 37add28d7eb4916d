"""sinks:S:R: hold the first S positions (attention sinks) and the most recent R.

StreamingLLM (Xiao et al. 2023, mit-han-lab/streaming-llm, streaming_llm/kv_cache.py
`StartRecentKVCache`: start_size=4, recent_size) keeps the first tokens because the model parks
surplus attention on them. kvpress's StreamingLLMPress scores the first n_sink and the last
positions highest. Unlike the original, positions keep their original rotary positions here
(kvpress's convention); StreamingLLM re-positions the held tokens within the cache.
sinks:0:R is window:R.
"""

from __future__ import annotations

import torch

from kvviz.cache.evict import EvictingLayer, EvictingPolicy, count
from kvviz.errors import KvvizError


class SinksLayer(EvictingLayer):
    def __init__(self, sinks: int, recent: int):
        super().__init__(sinks + recent)
        self.sinks, self.recent = sinks, recent

    def choose(self) -> torch.Tensor:
        held, heads = self.keys.shape[-2], self.keys.shape[1]  # keys: (batch, kv_heads, held, head_dim)
        # Evicted slots never return, so the first `sinks` slots are always positions 0 .. S - 1.
        index = torch.cat([torch.arange(self.sinks), torch.arange(held - self.recent, held)])
        return index.to(self.keys.device).expand(heads, -1)  # (kv_heads, S + R)


class SinksCache(EvictingPolicy):
    def __init__(self, sinks: int, recent: int):
        self.sinks = count(sinks, "sinks")
        self.recent = count(recent, "recent")
        if sinks + recent < 1:
            raise KvvizError(key="errors.policy.empty", spec="sinks:S:R", sum="S + R")
        self.spec = f"sinks:{sinks}:{recent}"

    def new_layer(self) -> SinksLayer:
        return SinksLayer(self.sinks, self.recent)
