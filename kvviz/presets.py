"""Preset scenarios for a workshop: each one click away, as data (ids and settings; words by key).

A scenario opens a page with settings chosen to show one thing:
- `messi`: the source article's loop ("Lionel Messi is a", 14 steps, greedy, the built-in model);
- `long_context`: a long prompt (the opening of *Alice in Wonderland*, ~380 tokens on the built-in
  model) where recomputing every past position costs hundreds of times the cached step;
- `gqa_vs_mha`: the capacity planner with the built-in model (grouped-query attention, 3 K/V heads
  for 9 query heads) beside GPT-2 small (multi-head attention, 12 and 12);
- `sliding_window`: the cache lab with a sliding window against window + attention sinks.

Explainer scenarios hold kvviz.ui.url_state.ShareState fields; the others hold the query
parameters their page reads (plan.py: `models`, lab.py: `policies`). Titles and sentences are the
text keys share.scenario.<id>.title / .sentence (kvviz/text/en/share.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from kvviz.engine.caps import DEFAULT_PROMPT
from kvviz.paths import ASSETS

LONG_TEXT = ASSETS / "texts" / "alice-ch1.txt"


@cache
def long_prompt() -> str:
    """The long-context scenario's prompt: the text as stored (public domain, ~380 tokens on SmolLM2)."""
    return LONG_TEXT.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class Scenario:
    id: str
    page: str  # url_path of the page it opens: "explainer", "planner" or "lab"
    settings: dict = field(default_factory=dict)  # explainer: ShareState fields; others: query params

    @property
    def title_key(self) -> str:
        return f"share.scenario.{self.id}.title"

    @property
    def sentence_key(self) -> str:
        return f"share.scenario.{self.id}.sentence"


def scenarios() -> tuple[Scenario, ...]:
    """Every scenario, in the order the cards show them."""
    return (
        Scenario("messi", "explainer", {"model": "builtin", "prompt": DEFAULT_PROMPT, "max_new": 14,
                                        "decoding": "greedy", "step": 1, "view": "work"}),
        Scenario("long_context", "explainer", {"model": "builtin", "prompt": long_prompt(), "max_new": 16,
                                               "decoding": "greedy", "step": 1, "view": "work"}),
        Scenario("gqa_vs_mha", "planner", {"models": "SmolLM2-135M,GPT-2"}),
        Scenario("sliding_window", "lab", {"policies": "window,sinks"}),
    )


def by_id(scenario_id: str) -> Scenario | None:
    return next((s for s in scenarios() if s.id == scenario_id), None)


def explainer_scenarios() -> dict[str, dict]:
    """Scenario id -> ShareState fields, for url_state.decode/encode (the explainer's scenarios only)."""
    return {s.id: dict(s.settings) for s in scenarios() if s.page == "explainer"}
