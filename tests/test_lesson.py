"""One step's lesson (kvviz.analysis.lesson): numbers and keys from the run, the strip's window and
the time note; the overview's figures (kvviz.charts.lesson) carry the same numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tiny_models import tiny_loaded

from kvviz.analysis import ledger
from kvviz.analysis.lesson import STRIP_TOKENS, step_lesson, strip_window, time_note
from kvviz.charts import lesson as charts
from kvviz.engine.tracer import Tracer
from kvviz.text import lesson as say
from kvviz.text import t
from kvviz.units import fmt_flops, fmt_flops_as

PROMPT = "The cache grows"


@pytest.fixture(scope="module")
def run():
    return Tracer(tiny_loaded("llama"), PROMPT, 6, compare=True).run()


def test_decode_lesson_counts_new_and_reused_positions(run):
    p = len(run.prompt_token_ids)
    for view in range(1, len(run.steps)):
        step = run.steps[view]
        lesson = step_lesson(run, view)
        assert lesson.key == "decode" and lesson.step == view
        assert (lesson.context, lesson.fed, lesson.reused) == (p + view, 1, p + view - 1)
        assert lesson.cached_flops == step.flops["cached"]["total"]
        assert lesson.recompute_flops == step.flops["recompute"]["total"]
        split = ledger.split_step(run.model, step.phase, step.context_length)
        assert lesson.recomputed_flops == split.recomputed["total"]
        assert lesson.redo_share == pytest.approx(split.recomputed["total"] / split.recompute_total)
        assert 0 < lesson.redo_share < 1 and lesson.flops_ratio > 1
        assert lesson.cache_bytes == step.cache_bytes
    # the share redone grows with the context
    shares = [step_lesson(run, v).redo_share for v in range(1, len(run.steps))]
    assert shares == sorted(shares)


def test_prefill_lesson_reuses_nothing(run):
    lesson = step_lesson(run, 0)
    p = len(run.prompt_token_ids)
    assert (lesson.key, lesson.fed, lesson.reused, lesson.context) == ("prefill", p, 0, p)
    assert lesson.recomputed_flops == 0 and lesson.redo_share == 0 and lesson.flops_ratio == 1


def test_sentence_carries_the_runs_numbers(run):
    lesson = step_lesson(run, 3)
    text = say.sentence(lesson)
    assert text == t("lesson.decode", step=3, fed_n=t("lesson.fed.one", n=1), reused=lesson.reused,
                     share=say.percent(lesson.redo_share), cached=fmt_flops(lesson.cached_flops),
                     recompute=fmt_flops_as(lesson.recompute_flops, lesson.cached_flops),
                     ratio=say.times(lesson.recompute_flops, lesson.cached_flops))
    assert say.percent(lesson.redo_share) in text and str(lesson.reused) in text
    assert (say.percent(0.86), say.percent(0.997), say.percent(1.0)) == ("86%", "99.7%", "100%")


def test_sliding_window_model_takes_the_windowed_key():
    tr = Tracer(tiny_loaded("gemma3"), PROMPT, 8, compare=False).run()
    windows = [w for w in tr.model.layer_windows if w]
    assert windows
    keys = {step_lesson(tr, v).key for v in range(1, len(tr.steps))}
    late = step_lesson(tr, len(tr.steps) - 1)
    assert late.key == ("decode_windowed" if late.context > min(windows) else "decode")
    assert keys <= {"decode", "decode_windowed"}
    assert say.sentence(late)


@pytest.mark.parametrize("context, fed, first, fresh_from", [
    (8, 1, 0, 7),  # short: every position shown, the last one written this step
    (7, 7, 0, 0),  # prefill: all written this step
    (17, 1, 0, 16),
    (451, 451, 451 - STRIP_TOKENS, 0),  # a long prefill: all written this step, most behind "show all"
    (STRIP_TOKENS, 1, 0, STRIP_TOKENS - 1),
    (STRIP_TOKENS + 1, 1, 1, STRIP_TOKENS),  # one past the limit: one earlier position behind "show all"
    (2048, 1, 2048 - STRIP_TOKENS, 2047),
])
def test_strip_window(context, fed, first, fresh_from):
    w = strip_window(context, fed)
    assert (w.first, w.context, w.fresh_from, w.hidden, w.new_index) == (first, context, fresh_from, first, context)
    assert w.context - w.first <= STRIP_TOKENS  # bounded at any length


@pytest.mark.parametrize("context, fed", [(0, 1), (5, 0), (3, 4)])
def test_strip_window_refuses_impossible_counts(context, fed):
    with pytest.raises(ValueError):
        strip_window(context, fed)


def test_time_note_reports_this_step_and_the_longest_context(run):
    last = len(run.steps) - 1
    note = time_note(run, 2)
    step = run.steps[2]
    cached, recompute = (step.time_ms, step.other_time_ms) if run.mode == "cached" else (step.other_time_ms,
                                                                                          step.time_ms)
    assert (note.key, note.cached_ms, note.recompute_ms) == ("longer", cached, recompute)
    assert note.flops_ratio == step_lesson(run, 2).flops_ratio
    assert (note.longest_step, note.longest_context) == (last, run.steps[last].context_length)
    assert note.longest_flops_ratio == step_lesson(run, last).flops_ratio
    far = run.steps[last]
    assert note.longest_time_ratio == pytest.approx(far.other_time_ms / far.time_ms)
    assert note.weight_bytes == run.model.weight_bytes
    assert time_note(run, last).key == "same"
    assert str(note.longest_context) in say.time_line(note)
    one = replace(run, steps=[replace(s, other_time_ms=None) for s in run.steps])
    assert time_note(one, 2).key == "one_mode" and say.time_line(time_note(one, 2))


def test_cache_shapes_figure_is_the_real_cache(run):
    view = 3
    step = run.steps[view]
    fig = charts.cache_shapes_figure(run, view)
    reused, written = fig.data
    held = [c.key_shape[2] for c in step.cache_layers]
    assert list(written.x) == [1] * len(held)  # one position written per layer this step
    assert [a + b for a, b in zip(reused.x, written.x)] == held == [step.context_length] * len(held)
    assert list(reused.y) == list(range(run.model.num_layers))
    shape = "[" + ", ".join(map(str, step.cache_layers[0].key_shape)) + "]"
    assert shape in fig.layout.title.text


def test_work_figure_is_the_ledger(run):
    view = 4
    led = ledger.split_trace(replace(run, steps=run.steps[: view + 1]))
    fig = charts.work_figure(led, view)
    fresh, redone = fig.data
    assert list(fresh.x) == list(range(view + 1))
    assert list(fresh.y) == [s.fresh["total"] for s in led.steps]
    assert list(redone.y) == [s.recomputed["total"] for s in led.steps]
    assert redone.y[0] == 0 and all(r > 0 for r in redone.y[1:])
    assert list(fresh.marker.opacity) == [0.45] * view + [1.0]  # the step on screen stands out


def test_overview_figures_are_plotly_canonical_specs(run):
    """The overview figures skip Plotly's validation (built for every new step of every run): their
    specs must be exactly what validating them gives, so nothing is dropped or renamed in the browser."""
    import json

    import plotly.graph_objects as go

    for view in (0, 3):
        led = ledger.split_trace(replace(run, steps=run.steps[: view + 1]))
        for fig in (charts.cache_shapes_figure.build(run, view), charts.work_figure.build(led, view)):
            spec = fig.to_dict()
            assert json.dumps(go.Figure(spec).to_dict(), sort_keys=True) == json.dumps(spec, sort_keys=True)
            assert spec["layout"]["height"] == charts.HEIGHT and len(spec["data"]) == 2
