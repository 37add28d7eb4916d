"""Play's schedule (kvviz/ui/play_clock.py), simulated: a slow server skips frames instead of queueing."""

from __future__ import annotations

from kvviz.ui import play_clock as pc
from kvviz.ui.play_clock import Clock


def _play(pace: float, compute_s: float, draw_s: float, ready: int, last: int, until: float) -> list[tuple[float, int]]:
    """Simulate Play: the browser ticks every `pace`; Streamlit keeps at most one pending tick while a
    rerun runs. Steps up to `ready` are already computed; each later one takes `compute_s`; every
    rerun draws for `draw_s`. Returns (time the step appeared, step) for every rerun."""
    clock, view, now, shown = Clock(0.0, 0), 0, 0.0, []
    next_tick = pace
    while now < until and view < last:
        now = max(now, next_tick)  # wait for the timer (or run the pending tick at once)
        while next_tick <= now:
            next_tick += pace  # ticks missed while busy collapse into this one
        goal = min(pc.target(clock, now, pace, view, ready), last)
        if goal > ready:
            now += compute_s * (goal - ready)
            ready = goal
        view = goal
        clock = pc.after(clock, now, pace, view)  # the page does this before drawing
        now += draw_s
        shown.append((now, view))
    return shown


def test_on_time_every_step_is_shown_once_per_pace():
    shown = _play(pace=1.0, compute_s=0.1, draw_s=0.1, ready=0, last=10, until=100)
    steps = [s for _, s in shown]
    assert steps == list(range(1, 11))
    gaps = [b - a for (a, _), (b, _) in zip(shown, shown[1:])]
    assert all(0.7 <= g <= 1.3 for g in gaps), gaps


def test_slow_steps_are_shown_a_full_pace_and_never_queued():
    # Each step needs 2 s of model work at a 0.3 s pace: one step per tick, never a burst.
    shown = _play(pace=0.3, compute_s=2.0, draw_s=0.1, ready=0, last=13, until=60)
    steps = [s for _, s in shown]
    assert steps == sorted(steps) and steps[-1] == 13, "a step shown out of order, or Play stalled"
    assert all(b - a <= 1 for a, b in zip(steps, steps[1:])), "more than one model step per tick"
    # A tick that comes right after a slow step shows nothing new (a redraw at most), so each step
    # stays on screen at least most of a pace, and the ticks that piled up never run as a burst.
    firsts = [(t, s) for i, (t, s) in enumerate(shown) if i == 0 or shown[i - 1][1] != s]
    # From the end of one step's model work to the start of the next: at least most of a pace.
    gaps = [(b - 0.1 - 2.0) - (a - 0.1) for (a, _), (b, _) in zip(firsts, firsts[1:])]
    assert min(gaps) >= 0.3 * (1 - pc.SLACK) - 1e-9, gaps
    assert len(shown) <= 3 * len(firsts)  # redraws without a new step: at most two per step


def test_slow_drawing_of_ready_steps_skips_frames_and_keeps_time():
    # 60 steps already computed (a shared run), drawing takes 1 s at a 0.3 s pace.
    shown = _play(pace=0.3, compute_s=0.0, draw_s=1.0, ready=60, last=60, until=10)
    steps = [s for _, s in shown]
    assert len(steps) < 12 and steps[-1] >= 25, steps  # ~10 draws, yet the clock's step is reached
    t, s = shown[-1]
    assert abs(s - t / 0.3) <= 4  # on schedule: step ≈ elapsed / pace


def test_a_tick_never_goes_back_nor_computes_more_than_one_step():
    clock = Clock(0.0, 5)
    assert pc.target(clock, 0.1, 1.0, current=5, ready_last=5) == 5  # early tick
    assert pc.target(clock, 0.85, 1.0, current=5, ready_last=5) == 6  # within SLACK: due
    assert pc.target(clock, 10.0, 1.0, current=5, ready_last=5) == 6  # far behind: one model step
    assert pc.target(clock, 10.0, 1.0, current=5, ready_last=8) == 8  # newest ready step first
    assert pc.target(clock, 10.0, 1.0, current=5, ready_last=30) == 15
    assert pc.target(clock, 10.0, 1.0, current=20, ready_last=30) == 20  # ahead of the clock: wait
    assert pc.after(clock, 1.0, 1.0, 6) is clock  # on time
    assert pc.after(clock, 4.0, 1.0, 6) == Clock(4.0, 6)  # behind: the next step a pace after this one
