"""What every evicting policy shares: trim each layer to a budget of slots after every step.

Semantics (issue 11, the same for sinks, h2o, knorm and window): the prompt is read in one pass
with full causal attention; after that pass and after every decode step each layer keeps `budget`
slots per K/V head, chosen by the policy's rule; a new token attends to the held slots plus itself
at its original rotary position (the tracer passes position_ids: kvpress's convention; the original
StreamingLLM re-positions the held tokens within the cache instead).

kvpress (NVIDIA/kvpress, presses/scorer_press.py) gives each press one `score()` per slot and keeps
the top-k scores per head; each policy here is one `choose()`, the slots it keeps.
"""

from __future__ import annotations

import torch

from kvviz.cache.policy import CachePolicy, LayerHeld, TrackedLayer
from kvviz.cache.window import refuse_sliding_layers
from kvviz.errors import KvvizError, Phrase

MAX_BUDGET = 1_000_000  # a spec's numbers are bounded: a budget beyond any context is just "full"


class EvictingLayer(TrackedLayer):
    """A tracked layer that keeps at most `budget` slots per K/V head between steps."""

    def __init__(self, budget: int):
        super().__init__()
        self.budget = budget

    def choose(self) -> torch.Tensor:
        """(kv_heads, budget) slot indices to keep, in any order; called only when held > budget."""
        raise NotImplementedError

    def evict(self) -> None:
        if self.keys is None or self.keys.shape[-2] <= self.budget:
            return
        index = self.choose().sort(dim=-1).values  # ascending: positions stay in order per head
        self.keep(index)

    def stored(self) -> list[torch.Tensor]:
        """Every tensor this layer keeps alive (what its bytes count)."""
        return [self.keys, self.values]


class EvictingPolicy(CachePolicy):
    """A policy whose layers are EvictingLayers, trimmed after each step."""

    sinks: int = 0  # positions 0 .. sinks - 1 are always held (drawn as sinks in the lab)
    per_head: bool = False  # True when each K/V head keeps its own positions

    def new_layer(self) -> EvictingLayer:
        raise NotImplementedError

    def make_cache(self, model, info):
        from transformers.cache_utils import Cache

        refuse_sliding_layers(self.spec, info)
        return Cache(layers=[self.new_layer() for _ in range(info.num_layers)])

    def after_step(self, cache) -> None:
        for layer in cache.layers:
            layer.evict()

    def held(self, cache, context: int) -> list[LayerHeld]:
        return [layer.report() for layer in cache.layers]


def count(value: int, what: str, least: int = 0) -> int:
    """A whole number from a spec, within bounds, or a KvvizError naming it (`what`: errors.policy.what.<what>)."""
    if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= MAX_BUDGET:
        raise KvvizError(key="errors.policy.count", what=Phrase(f"errors.policy.what.{what}"), least=least,
                         most=MAX_BUDGET, got=repr(value)[:40])
    return value
