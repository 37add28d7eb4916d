"""The default policy: transformers' own DynamicCache, exactly as generate() uses it.

Full-attention layers hold every position; sliding-window layers hold the most recent W - 1
(rules.transformers_positions). The report checks the real tensors against that rule, so a
transformers release that changes it fails loudly instead of showing wrong positions.
"""

from __future__ import annotations

from kvviz.cache.policy import CachePolicy, LayerHeld
from kvviz.cache.rules import tensor_bytes, transformers_span
from kvviz.errors import KvvizError


class FullCache(CachePolicy):
    spec = "full"
    holds_all = True

    def make_cache(self, model, info):
        from transformers import DynamicCache

        return DynamicCache(config=model.config)

    def held(self, cache, context: int) -> list[LayerHeld]:
        rows = []
        for i, layer in enumerate(cache.layers):
            k, v = layer.keys, layer.values  # (batch, kv_heads, held, head_dim)
            window = layer.sliding_window if getattr(layer, "is_sliding", False) else None
            start, stop = transformers_span(window, context)
            if k.shape[-2] != stop - start:
                raise KvvizError(
                    f"Layer {i}'s cache holds {k.shape[-2]} positions where kvviz's rule says {stop - start}: "
                    "this transformers version caches differently, so kvviz's figures would be wrong."
                )
            rows.append(LayerHeld(
                spans=[[[start, stop]] for _ in range(k.shape[1])],
                key_shape=list(k.shape),
                value_shape=list(v.shape),
                bytes=tensor_bytes(k, v),
                dtype=str(k.dtype).replace("torch.", ""),
            ))
        return rows
