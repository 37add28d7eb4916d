"""The cache seam: one small protocol that every cache policy implements.

In the mould of transformers' cache_utils.py (one protocol, many strategies; each layer owns its
tensors). A policy
  1. makes the transformers Cache object for one run (`make_cache`),
  2. may watch the attention weights during a forward pass (`observe_attention`, for policies
     that score positions by attention, e.g. H2O; only called when `needs_attention`),
  3. may act after each step: evict, quantize, page (`after_step`),
  4. reports per layer what it holds: the original positions (per K/V head) and the TRUE bytes,
     scales and zero points included (`held`).
The tracer passes explicit position_ids, so a position keeps its original rotary position after
eviction (kvpress's convention). Between steps a cache holds positions in ascending order and
`get_seq_length()` is the number held, so transformers' causal mask lets a new token see every held
position plus the new tokens before it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch
from transformers.cache_utils import DynamicLayer

from kvviz.cache.rules import spans, tensor_bytes


@dataclass
class LayerHeld:
    """What one layer's cache holds after a step."""

    spans: list[list[list[int]]]  # per K/V head: [start, stop) runs of the original positions held
    key_shape: list[int]  # [batch, kv_heads, held, head_dim], as attention reads them (dequantized)
    value_shape: list[int]
    bytes: int  # true bytes held: keys + values (+ quantization scales and zero points)
    dtype: str  # the dtype attention reads


class CachePolicy(ABC):
    """One strategy for what a run's cache keeps.

    Per-run state (positions, scores, quantized codes) lives in the cache it makes, layer by layer,
    never on the policy: one policy object may serve many runs at once.
    """

    spec: str = ""  # how it is spelled on the command line and in a trace, e.g. "window:16"
    # True when it holds exactly what transformers' DynamicCache holds (what kvviz's cost model describes).
    holds_all: bool = False
    # True when it needs observe_attention (the model must then run eager attention).
    needs_attention: bool = False

    @abstractmethod
    def make_cache(self, model, info):
        """The transformers Cache for one run of `model` (info: its kvviz ModelInfo)."""

    def observe_attention(self, cache, layer: int, weights: torch.Tensor) -> None:
        """Called during the forward pass with a layer's weights (batch, heads, q, k over held + new keys)."""

    def after_step(self, cache) -> None:
        """Act on the cache once the step's forward pass is done: evict, quantize."""

    @abstractmethod
    def held(self, cache, context: int) -> list[LayerHeld]:
        """Per layer, what the cache holds after `context` tokens went through."""


class TrackedLayer(DynamicLayer):
    """A dynamic layer that knows the original position of every slot it holds, per K/V head.

    Tokens arrive in order, so the n new slots of an update are positions seen .. seen + n - 1.
    Evicting policies subclass it and call keep(); what they keep stays in fresh tensors of its own.
    """

    def __init__(self):
        super().__init__()
        self.seen = 0  # tokens that went through this layer
        self.positions: torch.Tensor | None = None  # (kv_heads, held) original positions, ascending per head

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        n, heads = key_states.shape[-2], key_states.shape[1]  # key_states: (batch, kv_heads, n, head_dim)
        new = torch.arange(self.seen, self.seen + n, device=key_states.device).expand(heads, n)
        self.positions = new.clone() if self.positions is None else torch.cat([self.positions, new], dim=-1)
        self.seen += n
        return super().update(key_states, value_states, *args, **kwargs)

    def keep(self, index: torch.Tensor) -> None:
        """Keep the slots `index` (kv_heads, kept), ascending per head; drop the others."""
        b, _, _, d = self.keys.shape
        gather = index[None, :, :, None].expand(b, -1, -1, d)  # (batch, kv_heads, kept, head_dim)
        self.keys = self.keys.gather(2, gather)
        self.values = self.values.gather(2, gather)
        self.positions = self.positions.gather(1, index)

    def report(self) -> LayerHeld:
        k, v = self.keys, self.values  # (batch, kv_heads, held, head_dim)
        return LayerHeld(
            spans=[spans(row) for row in self.positions.tolist()],
            key_shape=list(k.shape),
            value_shape=list(v.shape),
            bytes=tensor_bytes(k, v),
            dtype=str(k.dtype).replace("torch.", ""),
        )
