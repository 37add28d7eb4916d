"""How the next token is chosen: greedy, or temperature / top-k / top-p with a seed.

Checked when made, so a bad value (a seed past 64 bits, a temperature so small that logits / T
overflow float32 to inf and the probabilities to NaN) is a KvvizError before any model loads,
not a traceback in the middle of a run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

from kvviz.errors import KvvizError, Phrase

# Logits reach about +-100; divided by less than 1e-3 they near float32's limits for no visible
# difference from greedy (0). The app's slider starts at 0.05.
MIN_TEMPERATURE = 1e-3
MAX_TEMPERATURE = 100.0
MAX_SEED = 2**64 - 1  # torch.Generator.manual_seed takes an unsigned 64-bit seed
MAX_TOP_K = 2**31 - 1


@dataclass
class Sampling:
    """Greedy when temperature == 0; otherwise temperature, top-k and top-p with a seed."""

    temperature: float = 0.0
    top_k: int = 0
    top_p: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        self.validate()

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0

    def validate(self) -> None:
        """Raise KvvizError for values no run can use (called again by the tracer: fields are mutable)."""
        t, p = _real(self.temperature, "temperature"), _real(self.top_p, "top_p")
        if t < 0 or (0 < t < MIN_TEMPERATURE) or t > MAX_TEMPERATURE:
            raise KvvizError(key="errors.sampling.temperature", lo=MIN_TEMPERATURE, hi=MAX_TEMPERATURE, got=t)
        if not 0 < p <= 1:
            raise KvvizError(key="errors.sampling.top_p", got=p)
        if not 0 <= _whole(self.top_k, "top_k") <= MAX_TOP_K:
            raise KvvizError(key="errors.sampling.top_k", got=self.top_k)
        if not 0 <= _whole(self.seed, "seed") <= MAX_SEED:
            raise KvvizError(key="errors.sampling.seed", got=_short(self.seed))
        self.temperature, self.top_p, self.top_k, self.seed = float(t), float(p), int(self.top_k), int(self.seed)


def _real(x, name: str) -> float:
    """`name`: the setting's id, errors.sampling.name.<name> in kvviz.text."""
    if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(float(x)):
        raise KvvizError(key="errors.sampling.not_finite", name=Phrase(f"errors.sampling.name.{name}"), got=_short(x))
    return float(x)


def _whole(x, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, Integral):
        raise KvvizError(key="errors.sampling.not_whole", name=Phrase(f"errors.sampling.name.{name}"), got=_short(x))
    return int(x)


def _short(x) -> str:
    text = repr(x)
    return text if len(text) <= 30 else f"{text[:27]}..."
