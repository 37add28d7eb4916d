"""The cache lab page in Streamlit's AppTest (no browser) on the built-in model: first render, stepping
together, back, the figures against the run, and text shown as text."""

from __future__ import annotations

import json

import pytest

from kvviz.analysis import lab as alab

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

pytestmark = pytest.mark.slow
SCRIPT = "from kvviz.ui.pages import lab\nlab.render()\n"


def _no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _figures(at) -> dict[str, dict]:
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        title = spec["layout"].get("title", {}).get("text", "")
        out[title] = spec
    return out


@pytest.fixture(scope="module")
def at():
    at = AppTest.from_string(SCRIPT, default_timeout=300)
    at.run()
    _no_exception(at)
    return at


def test_first_render_runs_the_prompt_pass(at):
    runner = at.session_state.lab_runner
    run = runner.run_data
    assert [p.spec for p in run.policies] == ["full", "window:8", "sinks:4:4", "h2o:4:4"]
    assert at.session_state.lab_view == 0 and all(len(p.steps) == 1 for p in run.policies)
    figs = _figures(at)
    assert {"window:8", "sinks:4:4", "h2o:4:4"} <= set(figs)
    grid = figs["sinks:4:4"]["data"][0]["z"]
    assert len(grid) == run.model.num_layers
    n = len(run.prompt_token_ids)  # the prompt pass: 4 sinks, then the rest fed this step
    assert grid[0][:n] == [alab.CELL_STATES.index(alab.SINK)] * 4 + [alab.CELL_STATES.index(alab.NEW)] * (n - 4)


def test_next_steps_every_policy_together_and_back_revisits(at):
    for _ in range(3):
        at.button(key="lab_next").click().run()
        _no_exception(at)
    run = at.session_state.lab_runner.run_data
    assert at.session_state.lab_view == 3
    assert {len(p.steps) for p in run.policies} == {4}
    kl = _figures(at)["KL(full ‖ policy) per step"]
    assert [tr["y"] for tr in kl["data"]] == [[s.kl for s in p.steps] for p in run.policies[1:]]
    held = _figures(at)["Bytes held after each step"]
    assert [tr["y"] for tr in held["data"]] == [[s.cache_bytes for s in p.steps] for p in run.policies]
    at.button(key="lab_back").click().run()
    _no_exception(at)
    assert at.session_state.lab_view == 2
    assert {len(p.steps) for p in run.policies} == {4}  # revisiting recomputes nothing


def test_prompt_is_text_and_bad_settings_keep_the_run(at):
    nasty = "<b>x</b> **y** $z$ [l](http://e)"
    at.text_area(key="lab_prompt").input(nasty)
    at.button(key="lab_start").click().run()
    _no_exception(at)
    assert at.session_state.lab_runner.run_data.prompt_text == nasty
    shown = " ".join(m.value for m in at.markdown)
    assert "<b>" not in shown and "\\<b\\>" in shown
