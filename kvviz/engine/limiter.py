"""A process-wide queue for forward passes, fair per visitor, that can say how long a wait will be.

One server process runs Python around the model under one GIL: forward passes started at once only
slow each other down. The limiter lets `slots` of them run at a time, first come first served, and
holds at most one request per visitor (owner), so a visitor pressing Play at the fastest pace gets
one step per turn of the queue and cannot starve the room. A waiting request is told, every
`poll_s`, how many requests are ahead and about how long they will take (from a running mean of
recent work), so that the page can say "queued" instead of showing a silent spinner.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# on_wait(ahead, eta_s): `ahead` requests run or wait before this one; eta_s is the estimated wait.
OnWait = Callable[[int, float], None]


class WorkLimiter:
    """`slots` pieces of work at a time, FIFO, at most one request per owner."""

    def __init__(self, slots: int = 1, initial_work_s: float = 0.3, poll_s: float = 0.5):
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self.slots = slots
        self.poll_s = poll_s
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()  # tickets waiting, oldest first
        self._running = 0
        self._owners: set[object] = set()  # owners with a request waiting or running
        self._first: set[object] = set()  # tickets that go ahead of the others (see slot's `first`)
        self._mean_s = initial_work_s  # running mean of one piece of work, seconds
        self.waits = 0  # requests that had to wait (for the benchmark and tests)
        self.served = 0

    @property
    def mean_work_s(self) -> float:
        return self._mean_s

    def pending(self) -> int:
        """Requests waiting or running now."""
        with self._cond:
            return len(self._queue) + self._running

    def estimate_s(self, ahead: int) -> float:
        """About how long until the work of a request with `ahead` requests before it is done."""
        return -(-(ahead + 1) // self.slots) * self._mean_s

    @contextmanager
    def slot(self, owner: object, on_wait: OnWait | None = None, first: bool = False) -> Iterator[None]:
        """Hold one slot for the body of the `with`; wait for it in line, reporting via on_wait.

        `first` requests (a visitor's first page: one per visitor, ever) wait behind the other `first`
        ones only, ahead of the rest: a crowd arriving sees its page before the clicks queued ahead of it.
        An exception raised by on_wait (e.g. the page stopping a stale run) gives the place up.
        """
        ticket = object()
        queued = waited = False
        try:
            while True:
                with self._cond:
                    if not queued and owner not in self._owners:
                        self._owners.add(owner)
                        if first:
                            self._queue.insert(sum(t in self._first for t in self._queue), ticket)
                            self._first.add(ticket)
                        else:
                            self._queue.append(ticket)
                        queued = True
                    if queued and self._running < self.slots and self._queue[0] is ticket:
                        self._queue.popleft()
                        self._first.discard(ticket)
                        self._running += 1
                        break
                    ahead = (self._queue.index(ticket) if queued else len(self._queue)) + self._running
                waited = True
                if on_wait is not None:
                    on_wait(ahead, self.estimate_s(ahead))
                with self._cond:
                    if not (self._running < self.slots and self._queue and self._queue[0] is ticket):
                        self._cond.wait(self.poll_s)
        except BaseException:
            with self._cond:
                if queued:
                    self._queue.remove(ticket)
                    self._first.discard(ticket)
                    self._owners.discard(owner)
                    self._cond.notify_all()
            raise
        self.waits += waited
        t0 = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - t0
            with self._cond:
                self._running -= 1
                self._owners.discard(owner)
                self._mean_s = 0.8 * self._mean_s + 0.2 * took
                self.served += 1
                self._cond.notify_all()
