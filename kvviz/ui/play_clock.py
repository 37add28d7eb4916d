"""Play's schedule: which step a timer tick shows, so that a slow server skips frames, never queues them.

The browser's timer fires every `pace` seconds whatever the server does; Streamlit keeps at most one
pending rerun per fragment, so after a slow step the next tick arrives at once. Stepping once per
tick would then show each slow step for no time at all and let the run fall ever further behind.
Instead, Play keeps a clock (step `step` was on screen at time `t`, one more is due every `pace`):

- a tick that comes before the next step is due shows nothing new;
- steps already computed (a shared run, a saved file) are shown where the clock says: when drawing
  is slower than the pace, frames are skipped and Play keeps time;
- a step that needs the model is computed one at a time, and the clock restarts from the end of
  that step: the next one is due a full pace after the visitor first saw this one.

Pure functions of numbers (no Streamlit), tested in tests/test_play_clock.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SLACK = 0.2  # a tick up to 20% of a pace early still counts: browser timers drift


@dataclass(frozen=True)
class Clock:
    t: float  # time.monotonic() when `step` was on screen
    step: int


def due(clock: Clock, now: float, pace: float) -> int:
    """The step the clock says should be on screen at `now`."""
    return clock.step + max(0, math.floor((now - clock.t) / pace + SLACK))


def target(clock: Clock, now: float, pace: float, current: int, ready_last: int) -> int:
    """The step a tick at `now` shows. `current`: the step on screen; `ready_last`: the last step that
    can be shown without running the model. Never more than one step that needs the model."""
    d = due(clock, now, pace)
    if d <= current:
        return current
    if d <= ready_last:
        return d
    if ready_last > current:
        return ready_last  # the newest ready step now; the model's next step on a later tick
    return current + 1


def after(clock: Clock, end: float, pace: float, shown: int) -> Clock:
    """The clock after a tick that showed `shown`, finished at `end`: kept while Play is on time,
    restarted from the end of the step when the work made it fall behind (no debt to catch up)."""
    return clock if shown >= due(clock, end, pace) else Clock(end, shown)
