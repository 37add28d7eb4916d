"""The 简体中文 catalogs mirror the English ones key for key: the same keys, the same str.format fields
(names, conversions and format specs), the same Markdown/Plotly markup, nothing left in English
unless it is purely technical, and no U+FFFD. Rooms are found generically under kvviz/text/en/; a room
whose zh module does not exist yet is skipped, but a zh module that exists must match exactly."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from string import Formatter

import pytest

import kvviz.text.en as en_pkg
import kvviz.text.zh as zh_pkg

ROOMS = sorted(i.name for i in pkgutil.iter_modules(en_pkg.__path__))
ZH_ROOMS = sorted(i.name for i in pkgutil.iter_modules(zh_pkg.__path__))
# Rooms translated so far; the test fails if one of them goes missing.
REQUIRED = {"answers", "explain_cli", "learn", "speed", "trace_charts"}
# A zh value may equal its en value only when, with its {fields} removed, every word left in it is one of these
# terms and units kept untranslated (docs/glossary.md): "{x}×", "= {text}", "MLP", "Top-p", "{bytes} B/token".
TECHNICAL = {"MLP", "FLOPs", "GFLOP", "token", "Top-p", "MHA", "MQA", "GQA", "MLA", "B", "kB", "MB", "GB", "GiB", "ms"}
WORD = re.compile(r"[A-Za-z][A-Za-z-]*")
FIELD = re.compile(r"%?\{[^{}]*\}")
# Markup that must survive translation: bold, code, Streamlit directives and icons, links, Plotly hover tags.
MARKUP = {
    "bold": re.compile(r"\*\*"),
    "code": re.compile(r"`"),
    "directive": re.compile(r":(?:material/[a-z_]+:|[a-z]+(?:-[a-z]+)?\[)"),
    "link": re.compile(r"\]\([^)\s]+\)"),
    "html": re.compile(r"<[a-z/][^<>]*>"),
}


def _strings(lang: str, room: str) -> dict[str, str]:
    return importlib.import_module(f"kvviz.text.{lang}.{room}").STRINGS


def _fields(template: str) -> set[tuple[str, str | None, str]]:
    """Every str.format field as (name, conversion, spec); ValueError on a malformed template."""
    return {(name, conv, spec or "") for _, name, spec, conv in Formatter().parse(template) if name is not None}


def _markup(template: str) -> dict[str, list[str]]:
    bare = FIELD.sub("", template)
    return {kind: sorted(p.findall(bare)) for kind, p in MARKUP.items()}


def _zh_or_skip(room: str) -> dict[str, str]:
    if importlib.util.find_spec(f"kvviz.text.zh.{room}") is None:
        pytest.skip(f"kvviz/text/zh/{room}.py not written yet")
    return _strings("zh", room)


def test_required_rooms_exist_and_every_zh_room_has_an_english_one():
    assert REQUIRED <= set(ZH_ROOMS), sorted(REQUIRED - set(ZH_ROOMS))
    assert set(ZH_ROOMS) <= set(ROOMS), sorted(set(ZH_ROOMS) - set(ROOMS))


@pytest.mark.parametrize("room", ROOMS)
def test_same_keys(room):
    en, zh = _strings("en", room), _zh_or_skip(room)
    assert not en.keys() - zh.keys(), f"missing in zh: {sorted(en.keys() - zh.keys())}"
    assert not zh.keys() - en.keys(), f"not in en: {sorted(zh.keys() - en.keys())}"


@pytest.mark.parametrize("room", ROOMS)
def test_same_format_fields(room):
    en, zh = _strings("en", room), _zh_or_skip(room)
    differ = {k: (_fields(en[k]), _fields(zh[k])) for k in en.keys() & zh.keys() if _fields(en[k]) != _fields(zh[k])}
    assert not differ, differ


@pytest.mark.parametrize("room", ROOMS)
def test_same_markup(room):
    en, zh = _strings("en", room), _zh_or_skip(room)
    differ = {k: (_markup(en[k]), _markup(zh[k])) for k in en.keys() & zh.keys() if _markup(en[k]) != _markup(zh[k])}
    assert not differ, differ


def _may_stay_english(value: str) -> bool:
    return set(WORD.findall(FIELD.sub("", value))) <= TECHNICAL


@pytest.mark.parametrize("room", ROOMS)
def test_translated_unless_technical(room):
    en, zh = _strings("en", room), _zh_or_skip(room)
    same = sorted(k for k in en.keys() & zh.keys() if en[k] == zh[k] and not _may_stay_english(en[k]))
    assert not same, same


@pytest.mark.parametrize("room", ROOMS)
def test_bold_closes_in_commonmark(room):
    """'**文本：**X' stays literal stars in CommonMark (full-width punctuation before the closing **, then a
    letter); Streamlit's Markdown follows the same rule. Write '**文本**：X'."""
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark")
    zh = _zh_or_skip(room)
    unclosed = [k for k, v in zh.items() if "**" in v and "**" in md.render(FIELD.sub("X", v))]
    assert not unclosed, unclosed
    assert "**" in md.render("**文本：**X") and "**" not in md.render("**文本**：X")


@pytest.mark.parametrize("room", ROOMS)
def test_no_replacement_character_or_empty_value(room):
    zh = _zh_or_skip(room)
    assert not [k for k, v in zh.items() if "\ufffd" in v or not v.strip()]


def test_article_questions_are_the_articles_words():
    from kvviz.text import t

    assert t("answers.question.attention", "zh") == "KV Cache 节省了 Self-Attention 层中哪部分的计算?"
    assert t("answers.question.mlp", "zh") == "KV Cache 对 MLP 层的计算量有影响吗?"
    assert t("answers.question.hidden", "zh") == "KV Cache 对 block 间的数据传输量有影响吗?"


def test_the_rule_catches_what_it_should():
    """The checks above are not vacuous: they see a dropped field, a changed spec, lost bold and plain English."""
    assert _fields("{a:,} x {b!r}") != _fields("{a} x {b!r}")
    assert _fields("%{y:,} bytes") == {("y", None, ",")}
    assert _markup("**a** `b`") != _markup("a `b`")
    assert _markup(":green-badge[{x}] :material/verified:")["directive"] == [":green-badge[", ":material/verified:"]
    assert not _may_stay_english("Next token") and not _may_stay_english("{n} positions")
    assert _may_stay_english("{x}×") and _may_stay_english("FLOPs") and _may_stay_english("{bytes} B/token")
