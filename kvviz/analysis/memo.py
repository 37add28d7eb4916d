"""What a page computes from a step, computed once per step for every visitor of the process.

A room of 30 on one preset reads the same shared Step objects (kvviz.engine.runstore hands every
visitor a cursor over one run's steps), so the figures and ledgers drawn from them are the same for
everyone: building a Plotly figure (its validation) cost ~20-70 ms a chart, more than the rest of a
click. This keeps results process-wide, keyed by the identity of the steps they were made from (and
the language, for anything with words), never by session. Keys hold weak references to those
steps: an entry never keeps a run alive that the run store has dropped, and a dead step's reused
id() never matches. Bounded by an estimate of its bytes, least recently used out first.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def approx_bytes(value: Any, _depth: int = 0) -> int:
    """A rough size of a result (figure dicts, ledgers): arrays by their bytes, the rest by count."""
    nbytes = getattr(value, "nbytes", None)  # numpy arrays, Arrow tables
    if isinstance(nbytes, int):
        return nbytes + 100
    if isinstance(value, (str, bytes)):
        return len(value) + 50
    if _depth > 6:
        return 64
    if isinstance(value, dict):
        return 64 + sum(approx_bytes(v, _depth + 1) + 50 for v in value.values())
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (int, float)) for v in value[:8]):
            return 64 + 32 * len(value)
        return 64 + sum(approx_bytes(v, _depth + 1) + 8 for v in value)
    if hasattr(value, "__dict__"):
        return approx_bytes(vars(value), _depth + 1)
    return 32


class Memo:
    """A bounded, thread-safe LRU of results keyed by (key, the identity of some live objects)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, tuple[tuple, Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple, anchors: tuple, make: Callable[[], T]) -> T:
        """make()'s result for `key` made from `anchors` (objects compared by identity)."""
        full = key + tuple(id(a) for a in anchors)
        with self._lock:
            hit = self._entries.get(full)
            if hit is not None and all(ref() is a for ref, a in zip(hit[0], anchors)):
                self._entries.move_to_end(full)
                self.hits += 1
                return hit[1]
        value = make()  # outside the lock: two visitors may build the same thing once each, never wait
        size = approx_bytes(value)
        with self._lock:
            self.misses += 1
            if size > self.max_bytes // 4:
                return value  # too big to keep
            old = self._entries.pop(full, None)
            if old is not None:
                self.nbytes -= old[2]
            self._entries[full] = (tuple(weakref.ref(a) for a in anchors), value, size)
            self.nbytes += size
            while self.nbytes > self.max_bytes and self._entries:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self.nbytes -= dropped
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.nbytes = 0


# One per process: KVVIZ_MEMO_MB bounds it (default 64).
shared = Memo(int(os.environ.get("KVVIZ_MEMO_MB", "64")) << 20)


def steps_anchors(steps: list) -> tuple[tuple, tuple] | None:
    """(key, anchors) naming a list of Step objects by identity: its length, first and last step.

    The run store's steps are appended to one run and shared read-only, so the first and last
    step and the count name the prefix a visitor has reached. None for no steps."""
    if not steps:
        return None
    return (len(steps),), (steps[0], steps[-1])


def by_steps(name: str, steps: list, args: tuple, make: Callable[[], T], memo: Memo | None = None) -> T:
    """make() once per (name, these very steps, args): the result is shared, so never mutate it."""
    named = steps_anchors(steps)
    if named is None:
        return make()
    key, anchors = named
    return (memo or shared).get((name,) + key + args, anchors, make)
