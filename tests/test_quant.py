"""KIVI-style quantization: round trip within half a step, true packed bytes, the residual rule."""

import pytest
import torch

from kvviz.cache.quant import dequantize, quantize, split_point


@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("axis", [-2, -1])
def test_round_trip_within_half_a_step(bits, axis):
    torch.manual_seed(bits)
    x = torch.randn(1, 3, 64, 32) * torch.linspace(0.1, 5, 32)  # outlier channels, as real keys have
    q = quantize(x, bits, group=32, axis=axis)
    y = dequantize(q)
    assert y.shape == x.shape
    step = q.scale.float().repeat_interleave(32, dim=-1)  # one scale per element, grouped layout
    grouped_err = (y - x).movedim(axis, -1).abs()
    assert torch.all(grouped_err <= step.reshape(grouped_err.shape) * 0.5 + 1e-3)


@pytest.mark.parametrize("bits,expected_data", [(8, 64 * 32), (4, 64 * 16), (2, 64 * 8)])
def test_bytes_are_packed_codes_plus_fp16_scales_and_zeros(bits, expected_data):
    x = torch.randn(1, 1, 64, 32)
    q = quantize(x, bits, group=32, axis=-2)  # per channel: groups of 32 tokens
    groups = 32 * (64 // 32)
    assert q.packed.nbytes == expected_data
    assert q.nbytes == expected_data + groups * 2 * 2


def test_per_channel_keeps_an_outlier_channel_from_spoiling_the_others():
    torch.manual_seed(0)
    x = torch.randn(1, 1, 32, 8) * 0.1
    x[..., 3] += 50.0  # one outlier channel
    per_channel = (dequantize(quantize(x, 4, 32, axis=-2)) - x).abs()
    per_token = (dequantize(quantize(x, 4, 8, axis=-1)) - x).abs()
    others = [c for c in range(8) if c != 3]
    assert per_channel[..., others].max() < per_token[..., others].max() / 10


def test_split_point_leaves_the_residual_in_full_precision():
    assert split_point(10, 32, 32) == 0
    assert split_point(64, 32, 32) == 32
    assert split_point(95, 32, 32) == 32
    assert split_point(96, 32, 32) == 64
    assert split_point(100, 16, 0) == 96
