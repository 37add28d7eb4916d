"""The explainer page driven as a visitor would, in Streamlit's AppTest (no browser), on the real
built-in model: first render, stepping, revisiting, reset, errors that keep the run, chart data
against the trace, and user text shown as text.

AppTest runs app.py in this process, so st.cache_resource loads the built-in model once for
the whole file. Timings are not asserted here (see benchmarks/).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_util import shows_bytes

from kvviz.analysis.lesson import STRIP_TOKENS
from kvviz.text import answers as say
from kvviz.text import t
from kvviz.ui.markup import md_escape, token_chip
from kvviz.ui.pages.learn_views import VIEWS

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"
PROMPT = "Lionel Messi is a"
PROMPT_TOKENS = 7  # SmolLM2's tokenizer: Lion|el| Messi| is| a ... (see MODELS.md)
BYTES_PER_TOKEN = 2 * 30 * 3 * 64 * 4  # K and V, 30 layers, 3 K/V heads, head_dim 64, fp32
OTHER = "other"  # widget values are stable ids; labels come from kvviz.text
BUILTIN = "builtin"
NASTY = "<b>bold</b> **x** $y$ [l](http://e) <script>alert(1)</script>"

pytestmark = pytest.mark.slow


# --- helpers -----------------------------------------------------------------------------------


def _no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _open(**state) -> AppTest:
    """A fresh visitor: the page loads the model and runs the prefill on its own."""
    at = AppTest.from_file(str(APP), default_timeout=180)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    _no_exception(at)
    return at


def _metrics(at) -> dict[str, str]:
    """The step's headline metrics by text key ("step", "fed", "cached", "cache_size"): the first
    metric of each label (tabs add their own below)."""
    by_label: dict[str, str] = {}
    for m in at.metric:
        by_label.setdefault(m.label, m.value)
    keys = ("step", "fed", "cached", "cache_size")
    return {k: by_label[t(f"learn.metric.{k}")] for k in keys if t(f"learn.metric.{k}") in by_label}


def _steps(at) -> int:
    return len(at.session_state.tracer.trace.steps)


def _layers_df(at):
    """The per-layer K/V table of the Cache tab (the other dataframe is the top-k candidates)."""
    frames = [d.value for d in at.dataframe if t("learn.cache.col.k_shape") in d.value.columns]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return frames[0]


def _figures(at) -> dict[str, dict]:
    """Plotly specs by chart key (cache_map, cache_bytes, heads, time, attn)."""
    out = {}
    for c in at.get("plotly_chart"):
        key = c.proto.id.rsplit("-", 1)[-1]
        out[key] = _lists(json.loads(c.proto.spec))
    return out


def _lists(value):
    """A spec with Plotly's base64 typed arrays ({dtype, bdata, shape}: numpy arrays) as lists, NaN as None."""
    if isinstance(value, list):
        return [_lists(v) for v in value]
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("bdata"), str) and isinstance(value.get("dtype"), str):
        import base64

        import numpy as np

        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]).newbyteorder("<"))
        if "shape" in value:
            a = a.reshape([int(d) for d in str(value["shape"]).split(",")])
        return json.loads(json.dumps(a.tolist()).replace("NaN", "null"))
    return {k: _lists(v) for k, v in value.items()}


def _show(at, view_id: str) -> AppTest:
    """Open one of the lazy tabs by its stable id (only the open tab's content runs)."""
    at.session_state["view_tab"] = t(f"learn.tab.{view_id}")
    at.run()
    _no_exception(at)
    return at


def _all_figures(at) -> dict[str, dict]:
    figs = {}
    for tab in ("cache", "work", "attention"):
        figs.update(_figures(_show(at, tab)))
    return figs


def _click(at, key: str) -> AppTest:
    at.button(key=key).click().run()
    _no_exception(at)
    return at


def _expect_context(at, tokens: int, label: str) -> None:
    """Metrics and every layer's K/V shape say `tokens` positions are cached."""
    m = _metrics(at)
    assert m["step"] == label
    assert m["cached"] == str(tokens)
    assert m["fed"] == (str(PROMPT_TOKENS) if label == t("step.prefill") else "1")
    df = _layers_df(_show(at, "cache"))
    assert len(df) == 30
    shape = f"[1, 3, {tokens}, 64]"
    assert set(df[t("learn.cache.col.k_shape")]) == {shape} and set(df[t("learn.cache.col.v_shape")]) == {shape}
    assert int(df[t("learn.cache.col.bytes")].sum()) == tokens * BYTES_PER_TOKEN
    assert shows_bytes(_metrics(at)["cache_size"], tokens * BYTES_PER_TOKEN), _metrics(at)["cache_size"]


def _start_with(at, **widgets) -> AppTest:
    """Change sidebar widgets, then press Start."""
    for key, value in widgets.items():
        widget = _widget(at, key)
        widget.set_value(value)
        at.run()  # a widget change reruns the page before the click
        _no_exception(at)
    return _click(at, "start")


def _widget(at, key: str):
    for kind in ("selectbox", "text_area", "text_input", "number_input", "radio"):
        for w in getattr(at, kind):
            if w.key == key:
                return w
    raise AssertionError(f"no widget with key {key!r}")


# --- first render ----------------------------------------------------------------------------


def test_first_render_opens_on_the_first_decode_step():
    at = _open()
    assert at.session_state.tracer.trace.prompt_text == PROMPT
    # The page computes the prefill and the first decode step on start: it opens on the cache at work.
    assert _steps(at) == 2 and at.session_state.view == 1
    _expect_context(at, PROMPT_TOKENS + 1, t("step.decode", index=1))
    m = _metrics(at)
    assert shows_bytes(m["cache_size"], (PROMPT_TOKENS + 1) * BYTES_PER_TOKEN), m["cache_size"]  # 368,640 bytes
    assert not at.error
    # the built-in model passed the load-time self-check, and the page says so
    assert at.session_state.tracer.trace.model.verified
    assert t("learn.verified.yes", worst="0.0e+00") in [c.value for c in at.caption]
    assert [tab.label for tab in at.tabs] == [t(f"learn.tab.{v}") for v in VIEWS]
    assert VIEWS == ("questions", "cache", "work", "attention", "trace_file")
    assert {"cache_map", "cache_bytes", "heads"} <= set(_figures(_show(at, "cache")))
    assert at.session_state.open_view == "cache"  # the open tab's stable id, kept beside the widget
    assert {"work_split", "running", "components", "time"} <= set(_figures(_show(at, "work")))
    assert {"attn"} <= set(_figures(_show(at, "attention")))
    # The Questions tab opens first: the three answers, each in its own box.
    _show(at, "questions")
    for key in ("attention", "mlp", "hidden"):
        assert any(md_escape(say.question(key)) in md.value for md in at.markdown), key
    # Back goes to the prefill; the slider spans the two steps.
    assert not at.button(key="back").proto.disabled
    assert not at.button(key="next").proto.disabled
    assert len(at.slider) == 1
    # The formula line states the per-token figure the bytes come from.
    _show(at, "cache")
    assert any(f"**{BYTES_PER_TOKEN:,} " in md.value for md in at.markdown)


# --- stepping, revisiting, reset -----------------------------------------------------------------


def test_next_back_slider_reset():
    at = _open()
    for i in range(2, 4):
        _click(at, "next")
        assert _steps(at) == 1 + i and at.session_state.view == i
        _expect_context(at, PROMPT_TOKENS + i, t("step.decode", index=i))
    assert "[1, 3, 10, 64]" in set(_layers_df(at)[t("learn.cache.col.k_shape")])
    tracer = at.session_state.tracer

    # The charts are the trace's own numbers.
    steps = tracer.trace.steps
    figs = _all_figures(at)
    assert figs["cache_bytes"]["data"][0]["y"] == [s.cache_bytes for s in steps]
    assert figs["cache_bytes"]["data"][0]["y"] == [(PROMPT_TOKENS + i) * BYTES_PER_TOKEN for i in range(4)]
    assert figs["cache_bytes"]["data"][0]["x"] == [0, 1, 2, 3]
    assert figs["time"]["data"][0]["y"] == [s.time_ms for s in steps]
    assert figs["time"]["data"][1]["y"] == [s.other_time_ms for s in steps]
    z = figs["cache_map"]["data"][0]["z"]  # layer x position -> step that wrote it
    assert len(z) == 30 and all(row == [0] * PROMPT_TOKENS + [1, 2, 3] for row in z)
    attn = figs["attn"]["data"][0]["z"]  # prefill triangle + one row per decode step
    assert len(attn) == PROMPT_TOKENS + 3 and all(len(r) == PROMPT_TOKENS + 3 for r in attn)
    for r, row in enumerate(attn):
        # Causal: query r sees keys 0..r (masked keys are 0 in the prefill, absent after it).
        assert all(w in (0, None) for w in row[r + 1 :])
        assert sum(row[: r + 1]) == pytest.approx(1.0, abs=1e-3)

    # Back revisits step 2 without computing anything.
    _click(at, "back")
    assert at.session_state.tracer is tracer and _steps(at) == 4
    assert at.session_state.view == 2
    _expect_context(at, PROMPT_TOKENS + 2, t("step.decode", index=2))

    # The slider goes back to the prefill; the table and the charts follow.
    at.slider[0].set_value(0).run()
    _no_exception(at)
    assert _steps(at) == 4 and at.session_state.view == 0
    _expect_context(at, PROMPT_TOKENS, t("step.prefill"))
    assert all(len(row) == PROMPT_TOKENS for row in _figures(_show(at, "cache"))["cache_map"]["data"][0]["z"])

    # Next from a revisited step moves along the recorded steps; it does not generate.
    _click(at, "next")
    assert _steps(at) == 4 and at.session_state.view == 1
    _expect_context(at, PROMPT_TOKENS + 1, t("step.decode", index=1))

    # Reset: a new run from the prompt, back at its first decode step.
    _click(at, "reset")
    assert at.session_state.tracer is not tracer
    assert _steps(at) == 2 and at.session_state.view == 1
    _expect_context(at, PROMPT_TOKENS + 1, t("step.decode", index=1))


def test_generation_stops_at_max_new_tokens():
    at = _open()
    at = _start_with(at, max_new=2)  # prefill + decode 1 on start: both tokens chosen
    assert at.session_state.tracer.done and _steps(at) == 2
    assert any(t("learn.finished", why=t("learn.finish.max_new_tokens")) == c.value for c in at.caption)
    # At the end of the run Next and Play are disabled at once.
    assert _steps(at) == 2 and at.session_state.view == 1
    assert at.button(key="next").proto.disabled
    assert at.button(key="play").proto.disabled


def test_buttons_follow_the_click():
    at = _open()
    _start_with(at, max_new=3)
    _click(at, "next")  # the last step
    assert not at.button(key="back").proto.disabled, "Back disabled while showing decode 2"
    assert at.button(key="next").proto.disabled, "Next enabled after the last step"



def test_play_then_pause():
    at = _open()
    _click(at, "play")  # Play starts the timer; the first step comes one pace later
    assert at.session_state.playing is True
    assert at.button(key="play").label == t("learn.pause")
    assert at.button(key="next").proto.disabled  # no manual stepping while playing
    import time

    from kvviz.ui.play_clock import Clock

    # As if one pace (1 s, the default) had elapsed: the timer's rerun takes one step.
    at.session_state["play_clock"] = Clock(time.monotonic() - 1.0, at.session_state.view)
    at.run()
    _no_exception(at)
    assert _steps(at) == 3 and at.session_state.view == 2
    _click(at, "play")
    assert at.session_state.playing is False and at.button(key="play").label == t("learn.play")
    steps = _steps(at)
    at.run()  # paused: a rerun adds nothing
    _no_exception(at)
    assert _steps(at) == steps

# --- errors keep the page usable and the previous run --------------------------------------------


def _unescape(md: str) -> str:
    import re

    return re.sub(r"\\(.)", r"\1", md)


def _assert_kept(at, tracer, steps: int, message_part: str) -> None:
    _no_exception(at)
    assert at.session_state.tracer is tracer, "a failed start must keep the previous run"
    assert _steps(at) == steps
    errors = [_unescape(e.value) for e in at.error]  # messages are markdown-escaped on the page
    assert len(errors) == 1 and message_part in errors[0], errors
    assert "Traceback" not in errors[0]
    assert _metrics(at)["cached"] == str(PROMPT_TOKENS + steps - 1)


@pytest.fixture(scope="module")
def stepped():
    """One visitor with a run one step in, shared by the error cases (each restores the sidebar)."""
    at = _open()
    _click(at, "next")
    return at


@pytest.mark.parametrize(
    "widgets, message",
    [
        ({"prompt": ""}, "The prompt is empty"),
        ({"prompt": "   \n  "}, "The prompt is empty"),
        # 1,500 prompt tokens + 1,024 new tokens > the app's 2,048 positions per run.
        ({"prompt": "word " * 1500, "max_new": 1024}, "exceed the limit per run of 2048 tokens"),
        ({"prompt": "word " * 8300}, "the limit per run is 2048 tokens"),
        ({"model_choice": OTHER, "model_other": ""}, "Type a hub id"),
        ({"model_choice": OTHER, "model_other": "no-such-org/no-such-model-kvviz"}, "cannot be reached"),
        ({"model_choice": OTHER, "model_other": "/no/such/folder/kvviz-model"}, "No model folder at"),
    ],
    ids=["empty", "blank", "past-context", "prompt-too-long", "empty-other", "unknown-hub-id", "missing-folder"],
)
def test_bad_start_keeps_previous_run(stepped, widgets, message):
    at = stepped
    tracer = at.session_state.tracer
    steps = _steps(at)
    try:
        _start_with(at, **widgets)
        _assert_kept(at, tracer, steps, message)
        # Still usable: stepping works, and Next clears the message.
        _click(at, "back")
        assert at.session_state.view == steps - 2
        _expect_context(at, PROMPT_TOKENS + steps - 2,
                        t("step.prefill") if steps == 2 else t("step.decode", index=steps - 2))
        _click(at, "next")
        assert at.session_state.tracer is tracer and _steps(at) == steps and not at.error
    finally:  # put the sidebar back for the next case
        for key, value in (("model_choice", BUILTIN), ("prompt", PROMPT),
                           ("max_new", 32)):
            _widget(at, key).set_value(value)
        at.run()
        _no_exception(at)


def test_max_new_tokens_input_is_bounded():
    at = _open()
    w = _widget(at, "max_new")
    assert (w.min, w.max, w.value) == (1, 1024, 32)


def test_reset_after_failed_start_keeps_a_run():
    at = _open()
    _start_with(at, prompt="")
    assert at.error
    _click(at, "reset")
    assert "tracer" in at.session_state
    assert at.session_state.tracer.trace.prompt_text == PROMPT


# --- user text stays text ------------------------------------------------------------------------


def test_prompt_markup_is_shown_as_text():
    at = _open()
    _start_with(at, prompt=NASTY)
    assert at.session_state.tracer.trace.prompt_text == NASTY
    trace = at.session_state.tracer.trace
    label = t("lesson.strip.cache", n=trace.steps[1].context_length)
    mds = [md.value for md in at.markdown]
    at_label = [i for i, md in enumerate(mds) if md.startswith(f":green-badge[{label}]")]
    assert len(at_label) == 1
    body = mds[at_label[0] + 1]  # the chips, beside the bracket's label
    n = len(trace.prompt_token_ids)
    assert n > 10  # the prompt's tokens, each its own chip (the last one written this step)
    assert all(token_chip(tok, "green") in body for tok in trace.token_texts[max(0, n + 1 - STRIP_TOKENS): n])
    assert token_chip(trace.token_texts[n], "blue", bold=True) in body  # fed, and cached, at step 1
    # No markup survives: with every backslash-escaped character removed, the user's text has no
    # punctuation left that Markdown, KaTeX ($) or HTML could act on.
    import re
    import string

    bare = re.sub(r"\\.", "", md_escape(NASTY.replace(" ", "␣")))
    assert not set(bare) & set(string.punctuation), bare
    assert "<b>" not in body and "<script>" not in body
    # The page never turns on raw HTML, anywhere.
    for md in at.markdown:
        assert not md.proto.allow_html, md.value[:80]
    for fig in _all_figures(at).values():
        assert "<script>" not in json.dumps(fig)


def test_model_name_markup_in_error_is_shown_as_text():
    at = _open()
    _start_with(at, model_choice=OTHER, model_other="**bold** [l](http://e)")
    errors = [e.value for e in at.error]
    assert errors and "**bold**" not in errors[0] and "[l](http://e)" not in errors[0], errors


def test_long_run_records_one_attention_layer():
    at = _open()
    _start_with(at, max_new=300)  # 7 + 300 tokens: over the all-layers budget
    assert sorted(at.session_state.tracer.trace.steps[0].attention) == [15]
    _click(at, "next")
    _show(at, "attention")
    assert any(t("learn.attention.one_layer", layer=15, limit=256) == c.value for c in at.caption)
    rows = _figures(at)["attn"]["data"][0]["z"]
    assert len(rows) == PROMPT_TOKENS + 2  # opened on decode 1, then one click


def test_saved_trace_opens_and_steps_without_the_model():
    at = _open()
    for _ in range(3):
        _click(at, "next")
    saved = at.session_state.tracer.trace.to_json().encode()
    live = at.session_state.tracer
    at = _open()  # another visitor opens the file
    _show(at, "trace_file")
    at.file_uploader(key="trace_upload").set_value(("kvviz-trace.json", saved, "application/json")).run()
    _no_exception(at)
    replay = at.session_state.tracer
    assert replay is not live and replay.trace.to_json().encode() == saved
    name = md_escape(replay.trace.model.name)
    assert [i.value for i in at.info] == [t("learn.file.replaying", model=name, steps=5)]
    assert at.session_state.view == 1  # a saved run opens on its first decode step too
    for i in range(2, 5):
        _click(at, "next")
        assert at.session_state.view == i and len(replay.trace.steps) == 5  # nothing computed
    assert at.button(key="next").proto.disabled  # the end of the recording
    _expect_context(at, PROMPT_TOKENS + 4, t("step.decode", index=4))
    _click(at, "reset")
    assert at.session_state.tracer is replay and at.session_state.view == 0


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "not valid JSON"),
        (b'{"schema": "something/else"}', "schema"),
        (b"\x80\x03pickle", "not valid JSON"),
    ],
)
def test_corrupt_trace_file_is_refused_and_the_run_kept(body, message):
    at = _open()
    _click(at, "next")
    tracer = at.session_state.tracer
    _show(at, "trace_file")
    at.file_uploader(key="trace_upload").set_value(("bad.json", body, "application/json")).run()
    _no_exception(at)
    assert at.session_state.tracer is tracer
    errors = [_unescape(e.value) for e in at.error]
    assert len(errors) == 1 and message in errors[0], errors


def test_unapplied_sidebar_changes_are_pointed_out():
    at = _open()
    assert not at.warning
    _widget(at, "prompt").set_value("The capital of France is")
    at.run()
    assert [w.value for w in at.warning] == [t("learn.unapplied")]
    assert at.session_state.tracer.trace.prompt_text == PROMPT  # nothing changes until Start
    _click(at, "start")
    assert at.session_state.tracer.trace.prompt_text == "The capital of France is"
    assert not at.warning
