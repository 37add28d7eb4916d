"""Element types of a cache or of weights: bits per value and the scales a quantized cache keeps beside them.

What each type means in words is in kvviz.text (planner.dtype.note.<name>).
"""

from __future__ import annotations

from dataclasses import dataclass

from kvviz.errors import KvvizError
from kvviz.text import t


@dataclass(frozen=True)
class DType:
    """How one cached number is stored, with the scales a quantized cache needs beside it."""

    name: str
    bits: int
    group_size: int | None = None  # values sharing one scale (and zero-point); None = no per-group scale
    group_overhead_bytes: int = 0  # bytes of scale (+ zero-point) per group
    tensor_scale_bytes: int = 0  # bytes of per-tensor scale, once per cached tensor (K, V) per layer


DTYPES: dict[str, DType] = {
    "fp32": DType("fp32", 32),
    "bf16": DType("bf16", 16),
    "fp16": DType("fp16", 16),
    # e4m3 + one fp32 scale per cached tensor per layer (transformers' Fp8QuantizedLayer, vLLM's k_scale/v_scale)
    "fp8": DType("fp8", 8, tensor_scale_bytes=4),
    # transformers' QuantizedCache default q_group_size=64: an fp16 scale + fp16 zero-point per 64 values
    "int8": DType("int8", 8, group_size=64, group_overhead_bytes=4),
    "int4": DType("int4", 4, group_size=64, group_overhead_bytes=4),
}
_ALIASES = {
    "float32": "fp32",
    "f32": "fp32",
    "bfloat16": "bf16",
    "float16": "fp16",
    "half": "fp16",
    "f16": "fp16",
    "float8": "fp8",
    "fp8_e4m3": "fp8",
    "float8_e4m3fn": "fp8",
}
# Weights are counted at bits/8 per parameter; scales of quantized weights are not counted.
WEIGHT_DTYPES = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")


def get_dtype(name: str) -> DType:
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in DTYPES:
        raise KvvizError(t("planner.error.unknown_dtype", name=str(name)[:40], names=", ".join(DTYPES)))
    return DTYPES[key]


def vector_bytes(length: int, dtype: DType) -> int:
    """Bytes to store one cached vector of `length` values, group scales included.

    Groups run along the vector (one head's K or V, or the MLA latent), as in transformers'
    QuantizedCache with q_group_size 64; a partial last group still has its scale.
    """
    data = -(-length * dtype.bits // 8)
    if dtype.group_size:
        data += -(-length // dtype.group_size) * dtype.group_overhead_bytes
    return data


def weights_bytes(parameters: int, dtype: DType) -> int:
    """Bytes of `parameters` weights at `dtype` (rounded up to a byte; quantization scales not counted)."""
    return -(-parameters * dtype.bits // 8)
