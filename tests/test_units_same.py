"""Figures one sentence compares are written in one unit (kvviz.units.fmt_flops_as, fmt_bytes_as)."""

import pytest

from kvviz.units import fmt_bytes, fmt_bytes_as, fmt_flops, fmt_flops_as


@pytest.mark.parametrize("n, like, shown", [
    (1.973e9, 270e6, "1,973 MFLOP"),
    (270e6, 270e6, "270 MFLOP"),
    (28.5e6, 28.5e6, "28.5 MFLOP"),
    (5.6e6, 622e3, "5,600 kFLOP"),
    (1.5e12, 3e9, "1,500 GFLOP"),
    (5, 5, "5 FLOP"),
    (0, 0, "0 FLOP"),
    (1.2e6, 12, "1,200,000 FLOP"),
])
def test_flops_in_the_unit_of_another(n, like, shown):
    assert fmt_flops_as(n, like) == shown
    assert fmt_flops_as(like, like) == fmt_flops(like)  # a figure in its own unit is fmt_flops


@pytest.mark.parametrize("n, like, shown", [
    (1_179_648, 69_120, "1,179,648 bytes"),  # the article's question 3: no "69,120 bytes" beside "1.18 MB"
    (20_736, 2_304, "20,736 bytes"),
    (4.7e6, 150_000, "4,700 kB"),
    (31_242_240, 69_120, "31,242,240 bytes"),
    (2.5e9, 3e8, "2,500 MB"),
])
def test_bytes_in_the_unit_of_another(n, like, shown):
    assert fmt_bytes_as(n, like) == shown
    assert fmt_bytes_as(like, like) == fmt_bytes(like)
