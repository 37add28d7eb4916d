"""Attention weights of one run's own forward pass, and of no other run's.

The model is shared by every visitor of a server (st.cache_resource), and visitors' forward
passes run at the same time in different threads. Hooks added to the shared model for one
forward pass fire for every other forward pass too (issue 9: one visitor's attention landed in
another's trace). Here each attention module gets one permanent hook, installed once per model;
it records only into the Recorder bound, through a ContextVar, to the forward pass that runs in
the calling thread/context (forward hooks run in the caller's thread). A forward pass without a
bound Recorder records nothing. transformers' own output capturing works the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

import torch

from kvviz.errors import KvvizError

_BOUND: ContextVar[Recorder | None] = ContextVar("kvviz_attention_recorder", default=None)
_INSTALL_LOCK = threading.Lock()
_HOOKED = "_kvviz_attention_hooks"  # marks a model whose attention modules carry the hook


def attention_module(block):
    for name in ("self_attn", "attn", "attention", "self_attention"):
        if hasattr(block, name):
            return getattr(block, name)
    raise KvvizError(f"Could not find the attention module in {type(block).__name__}.")


class Recorder:
    """What one forward pass of one run keeps of its attention weights.

    layers: the layers whose weights are kept; last_row: keep only the newest query row (a decode
    step); observe: called with every layer's weights while they exist (a cache policy scoring
    positions), so that nothing beyond the chosen layers is held.
    """

    def __init__(self, layers, last_row: bool, observe: Callable[[int, torch.Tensor], None] | None = None):
        self.layers = frozenset(layers)
        self.last_row = last_row
        self.observe = observe
        self.weights: dict[int, torch.Tensor] = {}  # layer -> (heads, q, k)

    def take(self, layer: int, weights: torch.Tensor | None) -> None:
        if weights is None:  # a non-eager attention returns no weights
            return
        if self.observe is not None:
            self.observe(layer, weights)  # (batch, heads, q, k)
        if layer in self.layers:
            w = weights[0, :, -1:, :] if self.last_row else weights[0]  # (heads, q or 1, k)
            self.weights[layer] = w.clone()


def _hook(layer: int):
    def hook(_module, _args, out):
        recorder = _BOUND.get()
        if recorder is not None:
            recorder.take(layer, out[1] if isinstance(out, tuple) and len(out) > 1 else None)

    return hook


def install(model, blocks) -> None:
    """Give each attention module of `model` its permanent hook, once (safe when threads race here)."""
    if getattr(model, _HOOKED, False):
        return
    with _INSTALL_LOCK:
        if getattr(model, _HOOKED, False):
            return
        modules = [attention_module(b) for b in blocks]
        for i, m in enumerate(modules):
            m.register_forward_hook(_hook(i))
        setattr(model, _HOOKED, True)


@contextmanager
def bound(recorder: Recorder | None):
    """Bind `recorder` to the forward passes run inside this block, in this thread/context only."""
    token = _BOUND.set(recorder)
    try:
        yield recorder
    finally:
        _BOUND.reset(token)
