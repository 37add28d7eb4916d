"""The link codec (kvviz/ui/url_state.py): round trips, and hostile or broken links that must fall back
to defaults with a reason, never raise."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from kvviz import presets
from kvviz.text import t
from kvviz.ui import url_state as us
from kvviz.ui.url_state import DEFAULTS, Problem, ShareState, decode, encode

MODELS = ("builtin", "gpt2", "distilgpt2", "qwen2_5_0_5b", "other")
VIEWS = ("questions", "cache", "work", "attention", "trace_file")
SCENARIOS = presets.explainer_scenarios()


def _decode(params, **kw):
    kw.setdefault("models", MODELS)
    kw.setdefault("views", VIEWS)
    kw.setdefault("scenarios", SCENARIOS)
    return decode(params, **kw)


def _through_a_url(params: dict[str, str]) -> dict[str, list[str]]:
    """What a browser sends back: the query string parsed as a server parses it."""
    return parse_qs(urlsplit("http://h/explainer?" + us.query_string(params)).query, keep_blank_values=True)


STATES = [
    ShareState(),
    ShareState(prompt="Lionel Messi is a", max_new=14, step=5, view="work"),
    ShareState(model="gpt2", prompt="a & b = c? #frag %20 +plus / 中文 🙂\nnew line\ttab", max_new=1024, step=1023),
    ShareState(decoding="sampling", temperature=0.05, top_k=0, top_p=1.0, seed=2**31 - 1, step=3, view="cache"),
    ShareState(decoding="sampling", temperature=0.8500000000000001, top_k=7, top_p=0.35000000000000003, seed=42),
    ShareState(model="other", name="org/some-model_v1.5", step=2),
    ShareState(scenario="long_context", prompt=presets.long_prompt(), max_new=16, step=1, view="work"),
]


@pytest.mark.parametrize("state", STATES)
def test_round_trip_through_a_real_query_string(state):
    params = encode(state, SCENARIOS)
    assert set(params) <= set(us.OWNED)
    back, problems = _decode(_through_a_url(params), allow_other=True)
    assert problems == []
    assert back == state


def test_a_scenario_link_names_the_scenario_instead_of_the_long_prompt():
    state = STATES[-1]
    params = encode(state, SCENARIOS)
    assert params["scenario"] == "long_context" and "prompt" not in params
    assert len(us.query_string(params)) < 120
    # The same prompt spelled out decodes to the same run (and keeps the scenario's name).
    spelled = dict(params, prompt=state.prompt)
    assert _decode(spelled)[0] == state
    # Another prompt overrides the scenario's and drops its name.
    other, _ = _decode(dict(params, prompt="Hello"))
    assert other.prompt == "Hello" and other.scenario is None and other.max_new == 16


def test_greedy_links_hold_no_sampling_settings_and_ignore_them():
    params = encode(ShareState(temperature=1.5, seed=9))
    assert not set(params) & set(us.SAMPLING_PARAMS)
    state, problems = _decode({"prompt": "x", "temperature": "1.5", "seed": "nope"})
    assert problems == [] and state.temperature == DEFAULTS.temperature and state.seed == DEFAULTS.seed


def test_no_params_of_ours_is_no_state():
    assert _decode({}) == (None, [])
    assert _decode({"lang": "zh", "present": "1", "follow": "abc"}) == (None, [])


def test_writing_keeps_everyone_elses_params():
    current = {"lang": "zh", "present": "1", "step": "9", "prompt": "old"}
    out = us.merged(current, {"prompt": "new", "step": "2"})
    assert out == {"lang": "zh", "present": "1", "prompt": "new", "step": "2"}


HOSTILE = [
    ("max_new", "0"), ("max_new", "1025"), ("max_new", "-3"), ("max_new", "1e3"), ("max_new", "9" * 400),
    ("max_new", "12.5"), ("max_new", " 12"), ("max_new", "0x10"), ("max_new", "١٢"),  # Arabic-Indic digits
    ("step", "-1"), ("step", "abc"), ("step", "1" * 40),
    ("model", "../../etc/passwd"), ("model", "<script>"), ("model", "BUILTIN"), ("model", ""),
    ("view", "<img src=x onerror=alert(1)>"), ("view", "sidebar"),
    ("decoding", "beam"), ("scenario", "nope"), ("scenario", "../x"),
    ("prompt", ""), ("prompt", "   "), ("prompt", "a\x00b"), ("prompt", "\x1b[31mred"),
    ("prompt", "x" * (us.MAX_PROMPT_CHARS + 1)),
]


@pytest.mark.parametrize(("param", "value"), HOSTILE)
def test_a_bad_param_falls_back_to_its_default_and_says_which(param, value):
    state, problems = _decode({param: value, "prompt" if param != "prompt" else "step": "2" if param == "prompt"
                               else "ok prompt"})
    assert Problem("share.url.bad_param", param) in problems
    expected = {"prompt": DEFAULTS.prompt if param == "prompt" else "ok prompt"}
    if param != "prompt":
        assert getattr(state, param if param != "scenario" else "scenario") == getattr(DEFAULTS, param)
    assert state.prompt == expected["prompt"]
    assert t(problems[0].key, param=problems[0].param)  # every problem has words


@pytest.mark.parametrize(("param", "value"), [("temperature", "0"), ("temperature", "nan"), ("temperature", "inf"),
                                              ("temperature", "2.01"), ("top_k", "1001"), ("top_p", "0"),
                                              ("top_p", "1.5"), ("seed", str(2**31)), ("seed", "-1")])
def test_bad_sampling_values_fall_back(param, value):
    state, problems = _decode({"decoding": "sampling", param: value})
    assert problems == [Problem("share.url.bad_param", param)]
    assert state.decoding == "sampling" and getattr(state, param) == getattr(DEFAULTS, param)


def test_the_step_is_clamped_to_the_run_length():
    state, problems = _decode({"max_new": "14", "step": "500"})
    assert state.step == 13 and problems == [Problem("share.url.step_clamped", "step")]
    state, problems = _decode({"step": "999999999"})
    assert state.step == DEFAULTS.max_new - 1


def test_a_model_by_name_only_where_the_server_allows_it():
    params = {"model": "other", "name": "gpt2"}
    state, problems = _decode(params, allow_other=False)
    assert state.model == DEFAULTS.model and problems == [Problem("share.url.model_not_allowed", "model")]
    state, problems = _decode(params, allow_other=True)
    assert (state.model, state.name, problems) == ("other", "gpt2", [])
    for name in ("../../../root", "/etc", "a b", "x" * 201, "", "a\nb", "$(rm -rf)"):
        state, problems = _decode({"model": "other", "name": name}, allow_other=True)
        assert state.model == DEFAULTS.model and problems == [Problem("share.url.bad_param", "name")], name


def test_repeated_params_take_the_last_value_and_odd_types_are_ignored():
    state, _ = _decode({"step": ["1", "4"], "max_new": 7, "prompt": ["a", "b"]})
    assert (state.step, state.prompt, state.max_new) == (4, "b", DEFAULTS.max_new)


def test_a_scenario_sets_its_settings_and_params_override_them():
    state, problems = _decode({"scenario": "messi"})
    assert problems == []
    assert (state.prompt, state.max_new, state.decoding, state.scenario) == ("Lionel Messi is a", 14, "greedy", "messi")
    state, _ = _decode({"scenario": "messi", "step": "6", "view": "cache"})
    assert (state.step, state.view, state.max_new) == (6, "cache", 14)
