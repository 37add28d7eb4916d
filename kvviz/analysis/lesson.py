"""One step's lesson as numbers and a key: what the cache did at this step, and how much it saved.

    lesson = step_lesson(trace, view)
    lesson.key        # "prefill", "decode" or "decode_windowed": which sentence applies
    lesson.fed        # positions computed fresh this step (1 when decoding with the cache)
    lesson.reused     # positions whose K/V were read from the cache instead (full-attention layers)
    lesson.redo_share # share of the cache-less step's FLOPs spent redoing earlier positions

    strip_window(context, fed)   # which tokens the strip shows, and where the cache bracket ends
    time_note(trace, view)       # measured wall time beside the FLOPs (and at the longest context)

No words here: kvviz.text turns these into sentences. FLOPs come from the cost model stored in
each step (kvviz/analysis/ledger.py), times from the run's own measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

from kvviz.analysis import ledger
from kvviz.trace_data import Trace

STRIP_TOKENS = 24  # the strip shows the last two dozen cached tokens (two lines at 1280 px); the rest on demand


@dataclass(frozen=True)
class Lesson:
    key: str  # "prefill", "decode" or "decode_windowed" (some layer's window is shorter than the context)
    step: int  # step index (0 = prefill)
    context: int  # positions in the cache after this step (prompt + tokens fed so far)
    fed: int  # positions the cached forward pass computed this step
    reused: int  # positions read back from the cache (before this step), on a full-attention layer
    layers: int
    cached_flops: int  # this step with the cache
    recompute_flops: int  # this step without it (the whole sequence again)
    recomputed_flops: int  # recompute - cached: work redone for positions already processed
    cache_bytes: int  # what the cache holds after the step

    @property
    def redo_share(self) -> float:
        """Share of the cache-less step's work that redoes earlier positions (0 at prefill)."""
        return self.recomputed_flops / self.recompute_flops if self.recompute_flops else 0.0

    @property
    def flops_ratio(self) -> float:
        """How many times more FLOPs the step costs without the cache (1 at prefill)."""
        return self.recompute_flops / self.cached_flops if self.cached_flops else 0.0


def step_lesson(trace: Trace, view: int) -> Lesson:
    """The lesson of step `view` of `trace`."""
    step = trace.steps[view]
    info = trace.model
    c = step.context_length
    fed = ledger.query_length("cached", step.phase, c)
    flops = step.flops or ledger.step_flops(info, step.phase, c)
    cached, recompute = flops["cached"]["total"], flops["recompute"]["total"]
    windowed = step.phase == "decode" and any(w is not None and w < c for w in info.layer_windows)
    return Lesson(
        key="prefill" if step.phase == "prefill" else ("decode_windowed" if windowed else "decode"),
        step=step.index,
        context=c,
        fed=fed,
        reused=c - fed,
        layers=info.num_layers,
        cached_flops=cached,
        recompute_flops=recompute,
        recomputed_flops=recompute - cached,
        cache_bytes=step.cache_bytes,
    )


@dataclass(frozen=True)
class StripWindow:
    """Token positions the strip shows for one step: [first, context) inside the cache bracket,
    of which [fresh_from, context) were written this step; `context` is the new token, outside it."""

    first: int  # first position shown (earlier ones are behind "show all")
    context: int  # positions in the cache = index of the new token
    fresh_from: int  # first position written to the cache by this step

    @property
    def hidden(self) -> int:
        """Cached positions not shown in the collapsed strip."""
        return self.first

    @property
    def new_index(self) -> int:
        return self.context


def strip_window(context: int, fed: int, limit: int = STRIP_TOKENS) -> StripWindow:
    """The collapsed strip: at most `limit` cached positions (the last ones), then the new token."""
    if context < 1 or fed < 1 or fed > context:
        raise ValueError(f"need 1 <= fed <= context, got fed={fed}, context={context}")
    return StripWindow(first=max(0, context - limit), context=context, fresh_from=context - fed)


@dataclass(frozen=True)
class TimeNote:
    """Measured wall time beside the FLOPs: this step, and the step with the longest context so far."""

    key: str  # "one_mode" (only one mode ran), "same" (this step is the longest) or "longer"
    cached_ms: float | None
    recompute_ms: float | None
    flops_ratio: float  # recompute / cached FLOPs at this step
    longest_step: int = 0
    longest_context: int = 0
    longest_time_ratio: float = 0.0  # recompute / cached wall time at the longest context
    longest_flops_ratio: float = 0.0
    weight_bytes: int = 0  # every weight is read once per forward pass, with or without the cache

    @property
    def time_ratio(self) -> float:
        if not self.cached_ms or self.recompute_ms is None:
            return 0.0
        return self.recompute_ms / self.cached_ms


def _times(trace: Trace, step) -> tuple[float | None, float | None]:
    """(cached ms, recompute ms) of one step, whichever mode ran first."""
    if trace.mode == "cached":
        return step.time_ms, step.other_time_ms
    return step.other_time_ms, step.time_ms


def time_note(trace: Trace, view: int) -> TimeNote:
    """This step's measured times and, when the run went further, the ratio at its longest context."""
    lesson = step_lesson(trace, view)
    cached_ms, recompute_ms = _times(trace, trace.steps[view])
    if cached_ms is None or recompute_ms is None:
        return TimeNote("one_mode", cached_ms, recompute_ms, lesson.flops_ratio, weight_bytes=trace.model.weight_bytes)
    both = [s for s in trace.steps if s.phase == "decode" and None not in _times(trace, s)]
    longest = max(both, key=lambda s: (s.context_length, s.index), default=trace.steps[view])
    lc, lr = _times(trace, longest)
    far = step_lesson(trace, longest.index)
    key = "longer" if longest.context_length > trace.steps[view].context_length else "same"
    return TimeNote(key, cached_ms, recompute_ms, lesson.flops_ratio, longest.index, longest.context_length,
                    (lr / lc) if lc else 0.0, far.flops_ratio, trace.model.weight_bytes)
