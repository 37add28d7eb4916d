"""Figures built once for every visitor: a room on one preset reads the same shared steps, so it
draws the same figures (kvviz.analysis.memo keeps them, keyed by those steps and the language)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import plotly.graph_objects as go

from kvviz.analysis import memo
from kvviz.text import language
from kvviz.trace_data import Trace


def shared_figure(inputs: Callable[..., tuple[tuple, tuple] | None]):
    """Build a figure once per (its inputs, the language) for every visitor of the process.

    `inputs(*args, **kwargs)` names what the figure is drawn from: (a key of plain values, the
    objects it reads, compared by identity: shared Steps, a shared ledger), or None to build
    without sharing. Validating a Plotly figure costs more than the rest of a click; the spec is
    validated once, then each caller gets its own Figure over it without validating again
    (callers may change their copy; the shared spec stays as built). `.build` builds unshared.
    """
    def wrap(build: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
        @functools.wraps(build)
        def figure(*args, **kwargs) -> go.Figure:
            named = inputs(*args, **kwargs)
            if named is None:
                return build(*args, **kwargs)
            key, anchors = named
            spec = memo.shared.get((build.__name__, language(), *key, *sorted(kwargs.items())), anchors,
                                   lambda: build(*args, **kwargs).to_dict())
            return go.Figure(spec, _validate=False)

        figure.build = build
        return figure

    return wrap


def all_steps(trace: Trace, view: int, *args, **kwargs):
    """Drawn from every step the visitor has reached, with `view` marked. (Token labels may depend on
    later tokens: a character split over tokens reads as bytes until its last byte arrives.)"""
    if not trace.steps:
        return None
    return (trace.model.name, trace.mode, view, len(trace.steps), *args), (trace.steps[0], trace.steps[-1])


def ledger_run(run, view: int):
    """Drawn from a ledger (kvviz.analysis.ledger.split_trace shares one per steps)."""
    return (view, len(run.steps)), (run,)
