"""Sampling settings are checked when made: a KvvizError, never a NaN or an overflow mid-run."""

import pytest

from kvviz.engine.sampling import MAX_SEED, MIN_TEMPERATURE, Sampling
from kvviz.errors import KvvizError


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": 1, "top_p": 0}, "top-p"),
        ({"temperature": 1, "top_p": 1.5}, "top-p"),
        ({"temperature": float("nan")}, "finite"),
        ({"temperature": float("inf")}, "finite"),
        ({"temperature": 1e-38}, "Temperature"),
        ({"temperature": -1}, "Temperature"),
        ({"temperature": 1e9}, "Temperature"),
        ({"temperature": "hot"}, "finite"),
        ({"top_k": -1}, "top-k"),
        ({"top_k": 2.5}, "top-k"),
        ({"top_k": True}, "top-k"),
        ({"seed": 2**70}, "seed"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_impossible_settings_are_refused_when_made(kwargs, message):
    with pytest.raises(KvvizError, match=message):
        Sampling(**kwargs)


def test_valid_settings_are_kept_as_numbers():
    s = Sampling(temperature=1, top_k=50, top_p=0.95, seed=MAX_SEED)
    assert (s.temperature, s.top_k, s.top_p, s.seed) == (1.0, 50, 0.95, 2**64 - 1)
    assert type(s.temperature) is float and not s.greedy
    assert Sampling().greedy and Sampling(temperature=MIN_TEMPERATURE).temperature == MIN_TEMPERATURE


def test_a_changed_field_is_checked_again():
    s = Sampling(temperature=0.5)
    s.seed = 2**70
    with pytest.raises(KvvizError, match="seed"):
        s.validate()


def test_the_largest_seed_seeds_torch():
    import torch

    torch.Generator().manual_seed(Sampling(seed=MAX_SEED).seed)
