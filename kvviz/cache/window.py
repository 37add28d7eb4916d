"""window:W: hold the most recent W positions of every layer (StreamingLLM without the sinks).

Semantics shared by every evicting policy (issue 11): the prompt is read in one pass with full
causal attention; after that pass and after every decode step the cache is trimmed to its budget;
a new token attends to the held positions plus itself, at its original rotary position.
"""

from __future__ import annotations

import torch

from kvviz.cache.policy import CachePolicy, LayerHeld, TrackedLayer
from kvviz.errors import KvvizError


class WindowLayer(TrackedLayer):
    def __init__(self, window: int):
        super().__init__()
        self.window = window

    def evict(self) -> None:
        held = self.keys.shape[-2]
        if held <= self.window:
            return
        # Only keep the last self.window positions, the same for every K/V head.
        index = torch.arange(held - self.window, held, device=self.keys.device)
        self.keep(index.expand(self.keys.shape[1], -1))  # (kv_heads, window)


class WindowCache(CachePolicy):
    def __init__(self, window: int):
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            raise KvvizError(key="errors.policy.window", got=repr(window)[:40])
        self.window = window
        self.spec = f"window:{window}"

    def make_cache(self, model, info):
        from transformers.cache_utils import Cache

        refuse_sliding_layers(self.spec, info)
        return Cache(layers=[WindowLayer(self.window) for _ in range(info.num_layers)])

    def after_step(self, cache) -> None:
        for layer in cache.layers:
            layer.evict()

    def held(self, cache, context: int) -> list[LayerHeld]:
        return [layer.report() for layer in cache.layers]


def refuse_sliding_layers(spec: str, info) -> None:
    """Evicting policies renumber the held slots; a model's own sliding-window mask would then misread them."""
    if any(w is not None for w in info.layer_windows):
        raise KvvizError(key="errors.policy.sliding", spec=spec, model=info.name)
