"""Identical work done once: computed steps shared across visitors, keyed by what they are made of.

A greedy run (or a sampled one with a seed) on the same model, prompt tokens and settings gives the
same steps for every visitor. A room of 30 on the default prompt should cost one visitor's forward
passes. The store keeps, per content key (model, prompt token ids, every setting the tracer records
incl. sampling and seed, cache mode, attention layers, policy), one SharedRun: a Tracer and the steps
it has computed so far. It is never keyed by session.

Each visitor holds a Cursor: their own Trace (their own list of the shared Step objects they have
reached, their own prompt text and finish flag), so step, Back, Reset and the tab stay theirs alone;
the Step objects are shared read-only. A step not yet computed is computed once: other visitors
asking for it wait for that computation (a per-run lock), and every new forward pass waits its turn
in the process-wide WorkLimiter.

The store is bounded (bytes, least recently used first out). A run dropped from the store lives on
for the visitors whose cursors hold it; a new visitor then starts a new one. A finished run lets its
Tracer go, so its KV cache is freed and only the recorded steps stay.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from typing import Any

from kvviz.engine.limiter import OnWait, WorkLimiter
from kvviz.trace_data import Step, Trace

STEP_OVERHEAD_BYTES = 4096  # a Step's small fields (top-k, shapes, FLOP dicts), roughly


def _frozen(value: Any) -> Any:
    """A hashable copy of settings values (lists -> tuples, dicts -> sorted tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def run_key(tracer, model_id: str | None, policy: Any = None) -> tuple:
    """What a run's steps are made of. The tracer records every setting it uses in trace.settings
    (new tokens, sampling and seed, compare, attention layers, FLOP metering), so a setting added
    there is part of the key without a change here."""
    t: Trace = tracer.trace
    return (
        model_id or "builtin",
        t.model.name,
        tuple(t.prompt_token_ids),
        t.mode,
        _frozen(t.settings),
        getattr(tracer, "top_k_shown", None),
        _policy_spec(policy if policy is not None else getattr(tracer, "policy", None)),
    )


def _policy_spec(policy: Any) -> Any:
    """A cache policy by what it does (its spec, e.g. "window:16"), never by the per-run object."""
    spec = getattr(policy, "spec", None)
    return spec if spec is not None else _frozen(policy)


def step_bytes(step: Step) -> int:
    """Memory a recorded step holds: its attention maps dominate."""
    return STEP_OVERHEAD_BYTES + sum(getattr(a, "nbytes", 0) for a in step.attention.values())


class SharedRun:
    """One run's steps, computed once for everyone who asks (thread-safe)."""

    def __init__(self, key: tuple, tracer, limiter: WorkLimiter, on_grow=None):
        self.key = key
        self._on_grow = on_grow  # called after each new step, outside the lock (the store's bound)
        self.trace: Trace = tracer.trace  # steps live in trace.steps (appended by the tracer)
        self._tracer = tracer  # None once the run is finished: its cache is freed
        self._limiter = limiter
        self._lock = threading.Lock()  # held while computing a step: others wait, then read it
        self.computations = 0  # forward steps this run computed
        # The run a room follows (an instructor leads it): its optional work is done even in a crowd,
        # once for the whole room. Set by the page.
        self.led = False
        self.error: Exception | None = None
        self.steps_bytes = 0

    @property
    def steps(self) -> list[Step]:
        return self.trace.steps

    @property
    def finish_reason(self) -> str | None:
        return self.trace.finish_reason

    @property
    def nbytes(self) -> int:
        """Recorded steps, plus the live KV cache while the run can still grow."""
        live = self.steps[-1].cache_bytes if self._tracer is not None and self.steps else 0
        return self.steps_bytes + live

    def step_at(self, index: int, owner: object, on_wait: OnWait | None = None) -> Step | None:
        """Step `index`, computing the steps up to it if nobody has yet; None past the run's end."""
        if index < len(self.steps):
            return self.steps[index]
        while not self._lock.acquire(timeout=self._limiter.poll_s):
            if on_wait is not None:  # another visitor is computing this run's next step
                on_wait(self._limiter.pending(), self._limiter.estimate_s(self._limiter.pending()))
        try:
            while index >= len(self.steps):
                if self.error is not None:
                    raise self.error
                if self._tracer is None or self._tracer.done:
                    return None
                with self._limiter.slot(owner, on_wait):
                    try:
                        step = self._tracer.step()
                    except Exception as e:  # the tracer's state is unknown now: no more steps
                        self.error = e
                        self._tracer = None
                        raise
                self.computations += 1
                self.steps_bytes += step_bytes(step)
                if self._tracer.done:
                    self._tracer = None  # frees the KV cache; the recorded steps stay
            return self.steps[index]
        finally:
            self._lock.release()
            if self._on_grow is not None:
                self._on_grow()


class Cursor:
    """One visitor's way through a shared run. Looks like a Tracer to the page: .trace, .done,
    .step(); .trace is the visitor's own Trace holding the steps they have reached."""

    def __init__(self, run: SharedRun, prompt_text: str, owner: object, note=None):
        self.run = run
        self.owner = owner
        self._note = note  # tells the store this visitor is active (for crowded())
        self.ids = list(run.trace.prompt_token_ids)  # as Tracer.ids before its first step
        self.trace: Trace = replace(run.trace, prompt_text=prompt_text, steps=[], finish_reason=None)

    @property
    def done(self) -> bool:
        return self.trace.finish_reason is not None

    def step(self, on_wait: OnWait | None = None) -> Step | None:
        """This visitor's next step: read from the shared run, or computed (once) if nobody has."""
        if self.done:
            return None
        if self._note is not None:
            self._note(self.owner)
        step = self.run.step_at(len(self.trace.steps), self.owner, on_wait)
        if step is not None:
            self.trace.steps.append(step)
        if self.run.finish_reason is not None and len(self.trace.steps) == len(self.run.steps):
            self.trace.finish_reason = self.run.finish_reason
        return step


class RunStore:
    """Process-wide, bounded: at most `max_bytes` of recorded runs, least recently used out first."""

    def __init__(self, max_bytes: int = 1 << 30, limiter: WorkLimiter | None = None,
                 crowd_visitors: int = 0, active_window_s: float = 60.0, page_slots: int = 0):
        self.max_bytes = max_bytes
        self.limiter = limiter or WorkLimiter()
        # Page work (a step's fetch and drawing) takes turns too when page_slots > 0: see page_turn.
        self.pages = WorkLimiter(page_slots, initial_work_s=0.1) if page_slots > 0 else None
        self._turn = threading.local()  # .held: this thread is inside a page turn (turns nest as one)
        self.crowd_visitors = crowd_visitors  # 0: never crowded
        self.active_window_s = active_window_s
        self._seen: dict[object, float] = {}  # visitor -> when they last asked for a step
        self._runs: OrderedDict[tuple, SharedRun] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def open(self, tracer, model_id: str | None, owner: object, policy: Any = None) -> Cursor:
        """A cursor at step 0 of the run `tracer` would make. An identical run already in the store
        is shared (the new tracer is dropped unused); otherwise `tracer` becomes the shared run."""
        key = run_key(tracer, model_id, policy)
        with self._lock:
            run = self._runs.get(key)
            if run is not None and run.error is None:
                self._runs.move_to_end(key)
                self.hits += 1
            else:
                run = SharedRun(key, tracer, self.limiter, on_grow=self.trim)
                # In a crowd the steps computed skip the recompute pass, except the run a room follows.
                tracer.compare_now = lambda: run.led or not self.crowded()
                self._runs[key] = run
                self.misses += 1
        self.note_visitor(owner)
        return Cursor(run, tracer.trace.prompt_text, owner, self.note_visitor)

    def page_turn(self, owner: object, on_wait: OnWait | None = None, first: bool = False) -> AbstractContextManager:
        """Hold one of the server's page slots while drawing a page (`with store.page_turn(...)`).

        One process runs Python under one GIL: 15 visitors' pages drawn at once each take 15 times
        as long, and none of them is told why. Taking turns (first come first served, one request
        per visitor) finishes each page as fast as the server can, and a visitor whose turn has not
        come is told so through on_wait (ahead, eta_s), like a step queued for the model. Forward
        passes inside a turn still queue in `limiter` (a turn never waits for a page slot, so the
        two never deadlock). A turn taken inside a turn on the same thread (a fragment drawn inline
        by its page's run) is the same turn. A visitor's `first` page goes ahead of queued steps."""
        if self.pages is None or getattr(self._turn, "held", False):
            return nullcontext()
        return self._held_turn(owner if owner is not None else object(), on_wait, first)

    @contextmanager
    def _held_turn(self, owner: object, on_wait: OnWait | None, first: bool):
        with self.pages.slot(owner, on_wait, first):
            self._turn.held = True
            try:
                yield
            finally:
                self._turn.held = False

    def note_visitor(self, owner: object) -> None:
        now = time.monotonic()
        with self._lock:
            self._seen[owner] = now
            if len(self._seen) > 4 * max(64, self.crowd_visitors):  # forget those long gone
                self._seen = {o: t for o, t in self._seen.items() if now - t <= self.active_window_s}

    def active_visitors(self) -> int:
        """Visitors who opened or stepped a run in the last active_window_s seconds."""
        now = time.monotonic()
        with self._lock:
            return sum(now - t <= self.active_window_s for t in self._seen.values())

    def crowded(self) -> bool:
        """A room this big shares one process: steps computed now skip optional work (the page says so)."""
        return self.crowd_visitors > 0 and self.active_visitors() >= self.crowd_visitors

    def trim(self) -> None:
        """Drop least recently used runs until the store is within its bound."""
        with self._lock:
            total = sum(r.nbytes for r in self._runs.values())
            while self._runs and total > self.max_bytes:
                _, run = self._runs.popitem(last=False)
                total -= run.nbytes

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(r.nbytes for r in self._runs.values())

    def __len__(self) -> int:
        return len(self._runs)



_shared: RunStore | None = None
_shared_lock = threading.Lock()


def shared_store() -> RunStore:
    """The one store of this server process. KVVIZ_RUNSTORE_MB bounds it (default 512);
    KVVIZ_WORK_SLOTS sets how many forward passes run at once (default 1); KVVIZ_CROWD_VISITORS
    is the room size (visitors active in the last minute, per process) from which the steps computed
    skip the recompute comparison pass, except those of a run a room follows (default 8; 0: never);
    KVVIZ_PAGE_SLOTS is how many visitors' pages are drawn at once (default 2: one can draw while
    another's forward pass runs outside the GIL; 0: no turns, every page at once).

    Keep KVVIZ_WORK_SLOTS at 1 while the Tracer records attention with forward hooks registered
    on the shared model: two forward passes at once in one process would each see the other's
    attention weights. One slot per process also matches the GIL; scale with replicas instead."""
    global _shared
    with _shared_lock:
        if _shared is None:
            mb = int(os.environ.get("KVVIZ_RUNSTORE_MB", "512"))
            slots = int(os.environ.get("KVVIZ_WORK_SLOTS", "1"))
            crowd = int(os.environ.get("KVVIZ_CROWD_VISITORS", "8"))
            pages = int(os.environ.get("KVVIZ_PAGE_SLOTS", "2"))
            _shared = RunStore(mb << 20, WorkLimiter(slots), crowd_visitors=crowd, page_slots=pages)
        return _shared
