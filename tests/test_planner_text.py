"""The planner's words come from kvviz.text: every key it can ask for exists, and widgets keep ids, not words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kvviz.planner.dtypes import DTYPES
from kvviz.planner.plan import VARIANTS
from kvviz.text import catalog

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((ROOT / "kvviz" / "planner").glob("*.py")), ROOT / "kvviz" / "cli" / "capacity.py",
           ROOT / "kvviz" / "ui" / "pages" / "plan.py", ROOT / "kvviz" / "charts" / "planner.py"]
# keys built from ids: every id each can take
BUILT = {
    "planner.dtype.note.": DTYPES,
    "planner.attention.": ("mha", "gqa", "mqa", "mla"),
    "planner.variant.": VARIANTS,
    "planner.part.": ("latent", "rope_key"),
    "planner.params.": ("published", "computed", "given", "loaded"),
    "planner.limited_by.": ("weights", "max_positions", "asked", "memory"),
    "planner.split.": ("whole", "split", "uneven", "replicated", "mla"),
    "planner.warn.": ("beyond_max_positions", "implausible"),
    "planner.col.layer.": ("kv_heads", "head_dim", "window", "elements_per_token", "bytes_per_token", "positions",
                           "bytes", "positions_transformers"),
}


def test_every_key_the_planner_asks_for_exists():
    strings = catalog("en")
    literal = set()
    for path in SOURCES:
        literal |= set(re.findall(r'"(planner\.[a-z0-9_.]+[a-z0-9_])"', path.read_text(encoding="utf-8")))
    assert len(literal) > 150
    missing = sorted(k for k in literal if k not in strings and not any(k.startswith(p) for p in BUILT))
    assert not missing
    for prefix, ids in BUILT.items():
        for i in ids:
            assert prefix + i in strings, prefix + i


def test_planner_modules_hold_no_sentences():
    # numbers and keys only: no English sentence (a capital, words, a full stop) in a string literal
    for path in sorted((ROOT / "kvviz" / "planner").glob("*.py")):
        code = re.sub(r'"""[\s\S]*?"""', "", path.read_text(encoding="utf-8"))  # docstrings are for readers
        code = "\n".join(line.split("#")[0] for line in code.splitlines())
        sentences = re.findall(r'"([A-Z][a-z]+ [^"]*\.)"', code)
        assert not sentences, (path.name, sentences)


def _app():
    from kvviz.ui.pages import plan as planner_page

    planner_page.render()


def test_widgets_store_ids():
    AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
    from kvviz.planner.catalog import resolve_config
    from kvviz.text import t
    from kvviz.ui.pages import plan as planner_page

    at = AppTest.from_function(_app, default_timeout=60)
    at.session_state["loaded_model_config"] = resolve_config("SmolLM2-135M").config
    at.run()
    assert not at.exception
    models = at.multiselect(key="planner_models")
    assert models.value[0] == planner_page.LOADED  # the id is stored ...
    assert models.options[0] == t("planner.ui.loaded_option")  # ... the label is shown
    assert at.selectbox(key="planner_dtype").value == "bf16"
    assert at.selectbox(key="planner_formula_model").value == 0  # picked by position
