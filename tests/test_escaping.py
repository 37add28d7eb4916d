"""A shared trace is something one visitor hands another: every string in it is shown as text.

A trace whose every string field (model name, dtype, finish reason, prompt text and tokens, token
texts, candidates' texts, ...) holds Markdown and HTML (links, images, <img>, <a>, <script>, bare
URLs) is opened in the app (AppTest) and viewed at every step in every tab. Each element's text is
checked at the source (no raw payload survives in anything Streamlit renders as Markdown) and as
rendered by a CommonMark parser (no link, image or HTML tag comes out of it); each chart's spec
carries no tag Plotly would render. A field the trace reader refuses is safe too, and said so.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from tiny_models import tiny_loaded

from kvviz.engine.tracer import Tracer
from kvviz.errors import KvvizError
from kvviz.text import t
from kvviz.trace_data import Trace
from kvviz.ui.markup import md_escape
from kvviz.ui.pages.learn_views import VIEWS
from kvviz.ui.state import Replay

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
MarkdownIt = pytest.importorskip("markdown_it").MarkdownIt

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parent.parent / "app.py"
MARK = "evil.example"  # in every payload: seen raw anywhere rendered as Markdown means unescaped file text
PAYLOADS = [
    "[Your session expired, sign in again](https://evil.example/login)",
    "![x](https://evil.example/pixel.png)",
    '<img src="https://evil.example/p.png" onerror="window.__x=1">',
    '<a href="https://evil.example/a">click</a>',
    "<script>alert('evil.example')</script>",
    "https://evil.example/bare www.evil.example <https://evil.example/auto>",
    "**b** _i_ `c` $x$ :red[evil.example] :material/home: \\[e\\](https://evil.example/esc) [r]: https://evil.example",
]
# Strings the reader checks against a fixed set (a payload there is refused, not shown).
ENUMS = {("schema",), ("mode",)}
# Free text by nature: a reader must accept any text here, so the page must escape it.
FREE_TEXT = ("model.name", "prompt.text", "prompt.tokens", "steps.token_text", "steps.top_k.token_text")
# Elements that show text as plain text, never Markdown (checked separately or not at all).
PLAIN = {"text", "arrow_data_frame", "plotly_chart", "file_uploader", "download_button"}


def _strings(x, path=()):
    """(path, value) for every string leaf of a JSON-like value."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _strings(v, path + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _strings(v, path + (i,))
    elif isinstance(x, str):
        yield path, x


def _set(d, path, value):
    for p in path[:-1]:
        d = d[p]
    d[path[-1]] = value


def _field_name(path) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _real_trace() -> dict:
    """A real run on a tiny model, three steps, both modes (the badge), every layer's attention."""
    tracer = Tracer(tiny_loaded("llama"), "hello there friend", 3, compare=True)
    tracer.record_attention("all")
    return tracer.run().to_dict()


def _hostile(data: dict) -> tuple[dict, set[str], set[str]]:
    """The trace with a payload in every string field the reader accepts; (trace, shown, refused)."""
    hostile = copy.deepcopy(data)
    hostile["settings"]["label"] = PAYLOADS[0]  # unknown extras too
    for s in hostile["steps"]:
        s["extra"] = {"note": PAYLOADS[1]}
    shown, refused = set(), set()
    leaves = [(p, v) for p, v in _strings(hostile) if p not in ENUMS and p[-1] != "phase"]
    for i, (path, _) in enumerate(leaves):
        trial = copy.deepcopy(hostile)
        _set(trial, path, PAYLOADS[i % len(PAYLOADS)])
        try:
            Trace.from_dict(trial)
        except KvvizError:
            refused.add(_field_name(path))
            continue
        hostile = trial
        shown.add(_field_name(path))
    Trace.from_dict(hostile)  # every accepted field at once still loads
    return hostile, shown, refused


def _markdown_strings(node) -> list[str]:
    """Every string an element sends that Streamlit may render as Markdown (bodies, labels, help)."""
    proto = getattr(node, "proto", None)
    if node.type in PLAIN or proto is None:
        return []
    msg = MessageToDict(proto)
    return [v for _, v in _strings(msg)]


def _rendered_problems(source: str) -> list[str]:
    """Links, images and HTML a CommonMark + tables parser finds in one Markdown source."""
    md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    bad = []
    for tok in md.parse(source):
        for child in [tok] + list(tok.children or []):
            if child.type in ("html_inline", "html_block", "image"):
                bad.append(f"{child.type}: {child.content[:60]}")
            if child.type == "link_open" and MARK in str(child.attrGet("href")):
                bad.append(f"link to {child.attrGet('href')}")
    return bad


def _check_page(at, seen: list[str]) -> None:
    assert not at.exception, [e.value for e in at.exception]
    for node in at._tree:
        for s in _markdown_strings(node):
            seen.append(s)
            assert MARK not in s, (node.type, s[:200])  # raw: file text reached Markdown unescaped
            assert not _rendered_problems(s), (node.type, s[:200], _rendered_problems(s))
    for chart in at.get("plotly_chart"):
        spec = json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)
        for tag in ("<img", "<a ", "<a>", "<script", "<b>"):
            assert tag not in spec.lower(), (tag, chart.proto.id)


def test_every_string_of_a_shared_trace_is_shown_as_text():
    hostile, shown, refused = _hostile(_real_trace())
    assert set(FREE_TEXT) <= shown, f"free text refused by the reader: {set(FREE_TEXT) - shown}"
    assert shown | refused >= {"model.dtype", "finish_reason", "model.architecture", "steps.cache_layers.dtype"}
    # Pages show a token from its raw bytes when the file has them: carry the payloads into the bytes too.
    hostile["prompt"]["token_bytes"] = [x.encode().hex() for x in hostile["prompt"]["tokens"]]
    for s in hostile["steps"]:
        s["token_bytes"] = s["token_text"].encode().hex()
        for c in s["top_k"]:
            c["token_bytes"] = c["token_text"].encode().hex()
    Trace.from_dict(copy.deepcopy(hostile))

    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    assert not at.exception
    at.session_state["view_tab"] = t("learn.tab.trace_file")
    at.run()
    body = json.dumps(hostile).encode()
    at.file_uploader(key="trace_upload").set_value(("hostile.json", body, "application/json")).run()
    assert isinstance(at.session_state.tracer, Replay), [e.value for e in at.error]
    steps = len(hostile["steps"])

    seen: list[str] = []
    for view in range(min(1, steps - 1), steps):  # a saved run opens on its first decode step
        for view_id in VIEWS:
            at.session_state["view_tab"] = t(f"learn.tab.{view_id}")
            at.run()
            assert at.session_state.view == view and at.session_state.open_view == view_id
            _check_page(at, seen)
        if view < steps - 1:
            at.button(key="next").click().run()

    # Not vacuous: the file's text did reach the page, escaped.
    page = "\n".join(seen)
    assert md_escape(hostile["model"]["name"]) in page  # the "showing a saved trace" note
    for tok in hostile["prompt"]["tokens"]:  # the token strip: one chip per prompt token
        assert md_escape(tok.replace(" ", "␣")) in page
    assert md_escape(hostile["steps"][-1]["token_text"].replace(" ", "␣")) in page
    if "finish_reason" in shown:
        assert md_escape(hostile["finish_reason"]) in page
    if "model.dtype" in shown:
        assert md_escape(hostile["model"]["dtype"]) in page  # the cache formula


def test_the_checks_catch_unescaped_markdown():
    """The two checks above are not vacuous: raw payloads fail them, escaped payloads pass."""
    for p in PAYLOADS:
        assert MARK in p and MARK not in md_escape(p)
        assert not _rendered_problems(md_escape(p)), p
    assert _rendered_problems(PAYLOADS[0]) and _rendered_problems(PAYLOADS[1])
    assert _rendered_problems(PAYLOADS[2]) and _rendered_problems(PAYLOADS[3])
    assert _rendered_problems("before\n\n<script>alert(1)</script>")
