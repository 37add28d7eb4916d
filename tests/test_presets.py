"""Preset scenarios (kvviz/presets.py): every scenario is a valid link or page state, and has its words."""

from __future__ import annotations

from dataclasses import fields

from kvviz import presets
from kvviz.analysis import lab as alab
from kvviz.engine.caps import APP_MAX_CONTEXT
from kvviz.planner.catalog import catalog_names
from kvviz.text import catalog
from kvviz.ui import url_state as us

VIEWS = ("questions", "cache", "work", "attention", "trace_file")


def test_ids_are_unique_and_every_scenario_has_words():
    ids = [s.id for s in presets.scenarios()]
    assert len(ids) == len(set(ids)) == 4
    keys = catalog("en")
    for s in presets.scenarios():
        assert s.title_key in keys and s.sentence_key in keys
        assert presets.by_id(s.id) == s
    assert presets.by_id("nope") is None


def test_explainer_scenarios_are_links_the_codec_accepts_without_problems():
    names = {f.name for f in fields(us.ShareState)}
    for sid, settings in presets.explainer_scenarios().items():
        assert set(settings) <= names
        state, problems = us.decode({"scenario": sid}, models=("builtin",), views=VIEWS,
                                    scenarios=presets.explainer_scenarios())
        assert problems == [], sid
        assert state.scenario == sid and state.step < state.max_new
        assert len(state.prompt) <= us.MAX_PROMPT_CHARS


def test_the_articles_loop():
    s = presets.explainer_scenarios()["messi"]
    assert (s["prompt"], s["max_new"], s["decoding"], s["model"]) == ("Lionel Messi is a", 14, "greedy", "builtin")


def test_the_long_context_fits_the_app_and_is_long_on_the_builtin_model(builtin):
    s = presets.explainer_scenarios()["long_context"]
    n = len(builtin.tokenizer(s["prompt"])["input_ids"])
    assert 300 <= n and n + s["max_new"] <= APP_MAX_CONTEXT


def test_the_planner_and_lab_scenarios_name_what_those_pages_offer():
    gqa = presets.by_id("gqa_vs_mha")
    assert gqa.page == "planner" and set(gqa.settings["models"].split(",")) <= set(catalog_names())
    window = presets.by_id("sliding_window")
    policies = window.settings["policies"].split(",")
    assert window.page == "lab" and set(policies) <= set(alab.FAMILIES) and 2 <= len(policies) <= 4
    assert "window" in policies
