"""KIVI-style asymmetric quantization of K and V, with real packing so bytes are true bytes.

KIVI (Liu et al. 2024, jy-yuan/KIVI) quantizes keys per channel (a scale and zero point shared by
G consecutive tokens of one channel: outlier channels keep their own range) and values per token
(shared by G consecutive channels of one token), and keeps the most recent tokens in full
precision. Scales and zero points are fp16, as in KIVI. Codes are packed 8 // bits to a byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

SCALE_DTYPE = torch.float16


@dataclass
class Quantized:
    """One quantized tensor: packed codes plus the fp16 scale and zero of every group."""

    packed: torch.Tensor  # uint8, codes packed along the grouped axis
    scale: torch.Tensor  # fp16, one per group
    zero: torch.Tensor  # fp16, one per group
    bits: int
    group: int
    axis: int  # the axis groups run along (-2: tokens, per-channel keys; -1: channels, per-token values)
    shape: tuple[int, ...]

    @property
    def nbytes(self) -> int:
        return self.packed.nbytes + self.scale.nbytes + self.zero.nbytes


def _grouped(x: torch.Tensor, group: int, axis: int) -> torch.Tensor:
    """(B, H, T, D) -> groups along `axis` as the last dim: (..., n_groups, group)."""
    x = x.movedim(axis, -1)  # axis -2 -> (B, H, D, T); axis -1 stays (B, H, T, D)
    n = x.shape[-1]
    if n % group:
        raise ValueError(f"length {n} is not a multiple of the group size {group}")
    return x.reshape(*x.shape[:-1], n // group, group)


def quantize(x: torch.Tensor, bits: int, group: int, axis: int) -> Quantized:
    """Asymmetric min/max quantization in groups of `group` along `axis` (which must divide evenly)."""
    g = _grouped(x.float(), group, axis)  # (..., n_groups, group)
    lo = g.amin(dim=-1, keepdim=True)
    hi = g.amax(dim=-1, keepdim=True)
    levels = (1 << bits) - 1
    scale = ((hi - lo) / levels).to(SCALE_DTYPE)
    zero = lo.to(SCALE_DTYPE)
    s = scale.float().clamp_min(torch.finfo(SCALE_DTYPE).tiny)
    codes = ((g - zero.float()) / s).round().clamp_(0, levels).to(torch.uint8)
    return Quantized(_pack(codes.flatten(-2), bits), scale, zero, bits, group, axis, tuple(x.shape))


def dequantize(q: Quantized) -> torch.Tensor:
    """Back to fp32 in the original shape."""
    moved = list(q.shape)
    moved.append(moved.pop(q.axis))  # the grouped axis last
    n = moved[-1]
    codes = _unpack(q.packed, q.bits, n).reshape(*moved[:-1], n // q.group, q.group).float()
    g = codes * q.scale.float() + q.zero.float()
    return g.reshape(*moved).movedim(-1, q.axis).contiguous()


def _pack(codes: torch.Tensor, bits: int) -> torch.Tensor:
    """uint8 codes (..., n) -> (..., ceil(n * bits / 8)) bytes, low bits first."""
    per = 8 // bits
    n = codes.shape[-1]
    pad = (-n) % per
    if pad:
        codes = torch.nn.functional.pad(codes, (0, pad))
    c = codes.reshape(*codes.shape[:-1], -1, per).to(torch.int32)
    shifts = torch.arange(per, dtype=torch.int32) * bits
    return (c << shifts).sum(dim=-1).to(torch.uint8)


def _unpack(packed: torch.Tensor, bits: int, n: int) -> torch.Tensor:
    per = 8 // bits
    shifts = torch.arange(per, dtype=torch.int32) * bits
    c = (packed.to(torch.int32).unsqueeze(-1) >> shifts) & ((1 << bits) - 1)
    return c.reshape(*packed.shape[:-1], -1)[..., :n].to(torch.uint8)


def split_point(length: int, group: int, residual: int) -> int:
    """Tokens quantized out of `length`: whole groups, leaving at least `residual` recent ones in full precision."""
    return max(0, (length - residual) // group * group)
