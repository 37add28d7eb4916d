"""int8 / int4 / int2 (spelled `int4:g32:r32`): every position held, the older ones quantized.

KIVI (Liu et al. 2024, jy-yuan/KIVI): keys quantized per channel, values per token, in groups of
G; the most recent tokens stay in full precision (the residual) until a whole group of G can be
quantized. transformers' QuantizedLayer keeps the same residual but quantizes both along one axis.
Codes, scales and zero points come from kvviz.cache.quant (real packing, fp16 scales), so the
bytes reported are the bytes held. The prompt is read in full precision (as in KIVI's prefill);
then, after every step, whole groups beyond the residual are quantized. Attention reads the
dequantized keys and values: dequantizing costs time on every step, never stored memory.
"""

from __future__ import annotations

import torch
from transformers.cache_utils import DynamicLayer

from kvviz.cache.evict import count
from kvviz.cache.policy import CachePolicy, LayerHeld
from kvviz.cache.quant import Quantized, dequantize, quantize, split_point
from kvviz.cache.rules import tensor_bytes
from kvviz.errors import KvvizError

BITS = (8, 4, 2)
DEFAULT_GROUP, DEFAULT_RESIDUAL = 32, 32


class QuantizedLayer(DynamicLayer):
    """keys/values: the full-precision residual (batch, kv_heads, r, head_dim); older tokens in chunks."""

    def __init__(self, bits: int, group: int, residual: int):
        super().__init__()
        self.bits, self.group, self.residual = bits, group, residual
        self.qkeys: list[Quantized] = []  # per chunk of whole groups of tokens: per-channel groups
        self.qvalues: list[Quantized] = []  # the same tokens: per-token groups of channels
        self.quantized = 0  # tokens held quantized: original positions 0 .. quantized - 1

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        self.keys = torch.cat([self.keys, key_states], dim=-2)  # (batch, kv_heads, r + n, head_dim)
        self.values = torch.cat([self.values, value_states], dim=-2)
        if not self.qkeys:
            return self.keys, self.values
        keys = torch.cat([dequantize(q) for q in self.qkeys] + [self.keys], dim=-2)  # (batch, kv_heads, held, head_dim)
        values = torch.cat([dequantize(q) for q in self.qvalues] + [self.values], dim=-2)
        return keys.to(self.keys.dtype), values.to(self.values.dtype)

    def get_seq_length(self) -> int:
        if not self.is_initialized:
            return 0
        return self.quantized + self.keys.shape[-2]

    def compress(self) -> None:
        """Quantize whole groups of the oldest full-precision tokens, leaving at least `residual`."""
        n = split_point(self.keys.shape[-2], self.group, self.residual)
        if not n:
            return
        self.qkeys.append(quantize(self.keys[:, :, :n], self.bits, self.group, axis=-2))
        self.qvalues.append(quantize(self.values[:, :, :n], self.bits, self.group, axis=-1))
        self.keys = self.keys[:, :, n:].clone()  # own tensors: a view would keep the old buffer alive
        self.values = self.values[:, :, n:].clone()
        self.quantized += n

    def stored(self) -> list[torch.Tensor]:
        """Every tensor this layer keeps alive: codes, scales and zero points, and the residual."""
        out = [self.keys, self.values]
        for q in self.qkeys + self.qvalues:
            out += [q.packed, q.scale, q.zero]
        return out

    def report(self) -> LayerHeld:
        b, heads, r, d = self.keys.shape
        held = self.quantized + r
        return LayerHeld(
            spans=[[[0, held]] for _ in range(heads)],
            key_shape=[b, heads, held, d],
            value_shape=[b, heads, held, d],
            bytes=tensor_bytes(*self.stored()),
            dtype=str(self.keys.dtype).replace("torch.", ""),
        )


class QuantizedCache(CachePolicy):
    def __init__(self, bits: int, group: int = DEFAULT_GROUP, residual: int = DEFAULT_RESIDUAL):
        if bits not in BITS:
            raise KvvizError(key="errors.policy.bits", choices=", ".join(f"int{b}" for b in BITS), got=f"int{bits}")
        self.bits = bits
        self.group = count(group, "group", least=1)
        self.residual = count(residual, "residual")
        self.spec = f"int{bits}:g{group}:r{residual}"

    def make_cache(self, model, info):
        from transformers.cache_utils import Cache

        if info.head_dim % self.group:
            raise KvvizError(key="errors.policy.group", spec=self.spec, group=self.group, model=info.name,
                             head_dim=info.head_dim)
        if any(w is not None for w in info.layer_windows):
            raise KvvizError(key="errors.policy.sliding", spec=self.spec, model=info.name)
        return Cache(layers=[QuantizedLayer(self.bits, self.group, self.residual) for _ in range(info.num_layers)])

    def after_step(self, cache) -> None:
        for layer in cache.layers:
            layer.compress()

    def held(self, cache, context: int) -> list[LayerHeld]:
        return [layer.report() for layer in cache.layers]

    def quantized_positions(self, cache) -> list[int]:
        """Per layer, how many of the oldest positions are held quantized."""
        return [layer.quantized for layer in cache.layers]
