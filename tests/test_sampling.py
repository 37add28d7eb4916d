"""Sampling settings are checked when made: a KvvizError, never a NaN or an overflow mid-run."""

import pytest

from kvviz.engine.sampling import MAX_SEED, MIN_TEMPERATURE, Sampling
from kvviz.errors import KvvizError


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": 1, "top_p": 0}, "errors.sampling.top_p"),
        ({"temperature": 1, "top_p": 1.5}, "errors.sampling.top_p"),
        ({"temperature": float("nan")}, "errors.sampling.not_finite"),
        ({"temperature": float("inf")}, "errors.sampling.not_finite"),
        ({"temperature": 1e-38}, "errors.sampling.temperature"),
        ({"temperature": -1}, "errors.sampling.temperature"),
        ({"temperature": 1e9}, "errors.sampling.temperature"),
        ({"temperature": "hot"}, "errors.sampling.not_finite"),
        ({"top_k": -1}, "errors.sampling.top_k"),
        ({"top_k": 2.5}, "errors.sampling.not_whole"),
        ({"top_k": True}, "errors.sampling.not_whole"),
        ({"seed": 2**70}, "errors.sampling.seed"),
        ({"seed": -1}, "errors.sampling.seed"),
        ({"seed": 1.5}, "errors.sampling.not_whole"),
    ],
)
def test_impossible_settings_are_refused_when_made(kwargs, message):
    with pytest.raises(KvvizError) as e:
        Sampling(**kwargs)
    assert e.value.text_key == message


def test_valid_settings_are_kept_as_numbers():
    s = Sampling(temperature=1, top_k=50, top_p=0.95, seed=MAX_SEED)
    assert (s.temperature, s.top_k, s.top_p, s.seed) == (1.0, 50, 0.95, 2**64 - 1)
    assert type(s.temperature) is float and not s.greedy
    assert Sampling().greedy and Sampling(temperature=MIN_TEMPERATURE).temperature == MIN_TEMPERATURE


def test_a_changed_field_is_checked_again():
    s = Sampling(temperature=0.5)
    s.seed = 2**70
    with pytest.raises(KvvizError) as e:
        s.validate()
    assert e.value.text_key == "errors.sampling.seed" and e.value.text_fields["got"] == repr(2**70)


def test_the_largest_seed_seeds_torch():
    import torch

    torch.Generator().manual_seed(Sampling(seed=MAX_SEED).seed)
