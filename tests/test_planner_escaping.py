"""Everything the planner page shows from a file is text: markdown and HTML in every string field render as written.

AppTest reads back each element's markdown source. A link, an image or a tag would render only
from an unescaped `[..](..)`, `![..](..)` or `<tag`; after md_escape every such character is
backslash-escaped. Plotly renders a subset of HTML (<b>, <a href>, <img> is dropped but tags
are parsed): names reach it through charts.label, which escapes < > &.
"""

from __future__ import annotations

import json
import re

import pytest

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

# No "/" in them: a model is named by the last "/" segment of its _name_or_path, and these must reach the page whole.
LINK = "[Your session expired, log in](evil.example?login)"
IMAGE = "![x](evil.example?pixel.png)"
TAG = "<img src=x onerror=alert(1)><a href='evil.example'>a<b>bold"
EVIL = f"{LINK} {IMAGE} {TAG} *em* `code` $x^2$"
TINY = {"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 1,
        "intermediate_size": 128, "vocab_size": 100, "sliding_window": 64, "max_position_embeddings": 512}


def _app():
    from kvviz.ui.pages import plan as planner_page

    planner_page.render()


def _unescaped(markdown: str) -> str:
    """The markdown with every backslash-escaped character removed: what is left could be markup."""
    return re.sub(r"\\.", "", markdown, flags=re.DOTALL)


def _plain(markdown: str) -> str:
    """What escaped markdown reads as: the backslashes removed."""
    return re.sub(r"\\(.)", r"\1", markdown, flags=re.DOTALL)


def _markup_in(markdown: str) -> list[str]:
    bare = _unescaped(markdown)
    return [kind for kind, pattern in (("link", r"\]\("), ("image", r"!\["), ("tag", r"<[A-Za-z/!]"), ("code", r"`"))
            if re.search(pattern, bare)]


def _shown_markdown(at) -> list[str]:
    """Every markdown source on the page: text elements, alerts, headings, expander labels."""
    out = [str(e.value) for kind in ("title", "header", "subheader", "caption", "markdown", "error", "warning",
                                     "info", "success", "exception") for e in at.get(kind)]
    return out + [str(e.label) for e in at.expander]


def _upload(at, name: str, content: bytes) -> None:
    at.file_uploader(key="planner_upload").set_value((name, content, "application/json"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _check_page(at) -> None:
    texts = _shown_markdown(at)
    # the hostile text is on the page ...
    assert any("evil.example" in _plain(t) or "onerror" in _plain(t) for t in texts)
    for text in texts:
        assert not _markup_in(text), (text, _markup_in(text))  # ... and never as markup
    for chart in at.get("plotly_chart"):
        spec = chart.proto.spec
        for needle in ("<img", "<a ", "<b>bold", "\\u003cimg", "\\u003ca ", "\\u003cb\\u003ebold"):
            assert needle not in spec, needle
        for trace in json.loads(spec)["data"]:
            assert "evil.example" not in trace.get("hovertemplate", "")  # never a template: %{..} would be read


def test_every_string_field_of_an_uploaded_config_is_text():
    config = {**TINY, "_name_or_path": f"org/{EVIL}", "model_type": EVIL, "architectures": [EVIL],
              "torch_dtype": EVIL, "transformers_version": EVIL, "tokenizer_class": EVIL,
              "rope_scaling": {"type": EVIL}, EVIL: EVIL}
    at = AppTest.from_function(_app, default_timeout=60)
    at.run()
    _upload(at, "config.json", json.dumps(config).encode())
    assert not at.error, [e.value for e in at.error]
    # the model is planned under its _name_or_path: in the warning (context > 512), the caption, the charts
    assert any(f"{EVIL} (uploaded)" in _plain(str(w.value)) for w in at.warning)
    _check_page(at)
    formula_names = at.selectbox(key="planner_formula_model").options
    assert f"{EVIL} (uploaded)" in formula_names  # widget options are plain text


def test_a_hostile_file_name_and_a_hostile_refused_value_are_text():
    at = AppTest.from_function(_app, default_timeout=60)
    at.run()
    _upload(at, f"{EVIL}.json", json.dumps({**TINY, "num_key_value_heads": EVIL}).encode())
    (error,) = [str(e.value) for e in at.error]
    assert EVIL in _plain(error) and not _markup_in(error)
    _upload(at, f"{EVIL}.json", json.dumps({**TINY, "layer_types": [EVIL, EVIL]}).encode())
    _check_page(at)
    _upload(at, f"{EVIL}.json", json.dumps(TINY).encode())  # accepted: named by the file
    assert not at.error
    _check_page(at)


def test_a_hostile_loaded_model_config_is_text():
    at = AppTest.from_function(_app, default_timeout=60)
    at.session_state["loaded_model_config"] = {**TINY, "_name_or_path": f"org/{EVIL}", "model_type": EVIL}
    at.run()
    assert not at.exception
    _check_page(at)
    at = AppTest.from_function(_app, default_timeout=60)
    at.session_state["loaded_model_config"] = {**TINY, "num_attention_heads": EVIL}
    at.run()
    assert not at.exception and at.warning
    _check_page(at)
