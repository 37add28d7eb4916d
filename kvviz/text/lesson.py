"""Sentences for one step's lesson and the time line beside the FLOPs (numbers from kvviz.analysis.lesson).

    from kvviz.text import lesson as say
    say.sentence(step_lesson(trace, view))
    say.time_line(time_note(trace, view))
"""

from __future__ import annotations

from kvviz.analysis.lesson import Lesson, TimeNote
from kvviz.text import t
from kvviz.text.answers import times
from kvviz.units import fmt_bytes, fmt_flops, fmt_flops_as


def sentence(lesson: Lesson) -> str:
    """The step's lesson in one sentence (Markdown; every figure from the run)."""
    if lesson.key == "prefill":
        return t("lesson.prefill", context=lesson.context, layers=lesson.layers)
    return t(
        f"lesson.{lesson.key}",
        step=lesson.step,
        fed_n=t("lesson.fed.one" if lesson.fed == 1 else "lesson.fed.many", n=lesson.fed),
        reused=lesson.reused,
        share=percent(lesson.redo_share),
        cached=fmt_flops(lesson.cached_flops),
        recompute=fmt_flops_as(lesson.recompute_flops, lesson.cached_flops),
        ratio=times(lesson.recompute_flops, lesson.cached_flops),
    )


def percent(x: float) -> str:
    """'86%'; one decimal near 100% so that 99.7% is not shown as all of it."""
    return f"{x:.1%}" if 0.995 <= x < 1 else f"{x:.0%}"


def time_line(note: TimeNote) -> str:
    """Why wall time moves less than FLOPs, with this run's measured ratios."""
    if note.key == "one_mode":
        return t("lesson.time.one_mode")
    fields = {"time_ratio": times(note.recompute_ms or 0, note.cached_ms or 0),
              "flops_ratio": times(note.flops_ratio, 1), "weights": fmt_bytes(note.weight_bytes)}
    if note.key == "longer":
        fields |= {"context": note.longest_context, "step": note.longest_step,
                   "far_time_ratio": times(note.longest_time_ratio, 1),
                   "far_flops_ratio": times(note.longest_flops_ratio, 1)}
    return t(f"lesson.time.{note.key}", **fields)
