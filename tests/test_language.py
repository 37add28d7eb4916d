"""Two languages, one switch: how a visitor's language is chosen (URL, session, browser), the CLI's
--lang, numbers per language, and the source article's side-by-side figures against the planner."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from kvviz import text
from kvviz.text import DEFAULT, LANGUAGES, catalog, choose_language, language_from_header, language_from_tag, t

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _english_after():
    yield
    text.set_language("en")


# --- choosing the language -----------------------------------------------------------------------


@pytest.mark.parametrize("tag, lang", [
    ("zh-CN", "zh"), ("zh-TW", "zh"), ("zh", "zh"), ("ZH-hans-CN", "zh"), ("zh_CN.UTF-8", "zh"),
    ("en-US", "en"), ("en", "en"), ("en_GB", "en"),
    ("fr-FR", None), ("", None), (None, None), ("xx", None), ("zhx", None), ("<script>", None),
])
def test_one_tag(tag, lang):
    assert language_from_tag(tag) == lang


@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("fr-FR,fr;q=0.9,zh;q=0.8,en;q=0.5", "zh"),  # the first supported one by weight
    ("en;q=0.2, zh-TW;q=0.7", "zh"),  # weights, not order
    ("zh;q=0, en", "en"),  # q=0 refuses
    ("de-DE,de;q=0.9", None),
    ("zh;q=nan", None), ("zh;q=abc", None), ("", None), (None, None), (";;,,", None),
])
def test_accept_language_header(header, lang):
    assert language_from_header(header) == lang


def test_precedence_url_then_session_then_browser():
    assert choose_language() == DEFAULT == "en"
    # The URL wins over everything; an unknown ?lang= gives English, not the session's nor an error.
    assert choose_language(url="zh", session="en", locale="en-US", accept_language="en") == "zh"
    assert choose_language(url="en", session="zh", locale="zh-CN") == "en"
    assert choose_language(url="xx", session="zh", locale="zh-CN") == "en"
    assert choose_language(url="", session="zh") == "en"
    # Then the visitor's choice in their session.
    assert choose_language(session="zh", locale="en-US", accept_language="en") == "zh"
    assert choose_language(session="en", locale="zh-CN") == "en"
    # Then the browser: navigator.language, then Accept-Language.
    assert choose_language(session=None, locale="zh-TW") == "zh"
    assert choose_language(session="bogus", locale="fr-FR", accept_language="fr,zh;q=0.5") == "zh"
    assert choose_language(locale="fr-FR", accept_language="fr") == "en"
    assert choose_language(locale=None, accept_language=None) == "en"


def test_each_language_is_named_in_itself():
    names = {lang: text.language_name(lang) for lang in LANGUAGES}
    assert names == {"en": "English", "zh": "简体中文"}
    text.set_language("zh")
    assert {lang: text.language_name(lang) for lang in LANGUAGES} == names


# --- catalogs ------------------------------------------------------------------------------------


def _modules(lang: str) -> set[str]:
    pkg = importlib.import_module(f"kvviz.text.{lang}")
    return {i.name for i in pkgutil.iter_modules(pkg.__path__)}


def test_every_zh_catalog_has_the_keys_of_its_english_module_and_no_others():
    """Catalogs present in zh (others fall back to English until written) mirror English key for key,
    with the same {fields}."""
    import string

    assert {"article", "language"} <= _modules("zh")
    for name in _modules("zh"):
        en = importlib.import_module(f"kvviz.text.en.{name}").STRINGS
        zh = importlib.import_module(f"kvviz.text.zh.{name}").STRINGS
        assert set(zh) == set(en), (name, sorted(set(zh) ^ set(en)))
        for key in en:
            fields_en = {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}
            fields_zh = {f for _, f, _, _ in string.Formatter().parse(zh[key]) if f}
            assert fields_zh == fields_en, key


def test_missing_zh_key_falls_back_to_english(monkeypatch):
    monkeypatch.setattr(text, "catalog", lambda lang: {} if lang == "zh" else {"only.en": "hello"})
    assert t("only.en", "zh") == "hello"


def test_the_article_and_language_keys_are_all_used():
    """Every key of the two catalogs this file owns is asked for somewhere (literally or by family)."""
    from kvviz.analysis.article import ROWS

    sources = "\n".join(p.read_text(encoding="utf-8") for p in [
        ROOT / "app.py", ROOT / "kvviz/text/__init__.py", ROOT / "kvviz/text/article.py", ROOT / "kvviz/units.py",
        ROOT / "kvviz/cli/main.py", ROOT / "kvviz/ui/pages/article.py"])
    built = {f"article.row.{r}" for r in ROWS} | {f"article.attention.{s}" for s in ("mha", "gqa", "mqa")}
    built |= {f"language.name.{lang}" for lang in LANGUAGES}
    for name in ("article", "language"):
        for key in importlib.import_module(f"kvviz.text.en.{name}").STRINGS:
            assert key in built or f'"{key}"' in sources or f"'{key}'" in sources, key


# --- numbers per language ------------------------------------------------------------------------


def test_english_numbers_are_unchanged():
    from kvviz import units

    assert units.fmt_bytes(69_120) == "69,120 bytes"
    assert units.fmt_bytes(3_041_280) == "3.04 MB"
    assert units.fmt_bytes_binary(500) == "500 bytes"
    assert units.fmt_bytes_binary(13_421_772_800) == "12.50 GiB (13.42 GB)"
    assert units.fmt_flops(17_565_880_320) == "17.6 GFLOP"
    assert units.fmt_int(1_234_567) == "1,234,567"


def test_chinese_numbers_keep_arabic_digits_and_si_units_only_words_change():
    from kvviz import units

    text.set_language("zh")
    assert units.fmt_bytes(69_120) == "69,120 字节"
    assert units.fmt_bytes(3_041_280) == "3.04 MB"
    assert units.fmt_bytes_binary(500) == "500 字节"
    assert units.fmt_bytes_binary(13_421_772_800) == "12.50 GiB (13.42 GB)"
    assert units.fmt_flops(17_565_880_320) == "17.6 GFLOP"


def test_a_language_with_other_marks_gets_them(monkeypatch):
    """The table is the rule: a style with '.' groups and ',' decimals swaps both marks at once."""
    from kvviz import units

    monkeypatch.setitem(units.NUMBER_STYLES, "zh", units.NumberStyle(group=".", decimal=","))
    text.set_language("zh")
    assert units.fmt_bytes(69_120) == "69.120 字节"
    assert units.fmt_bytes_binary(13_421_772_800) == "12,50 GiB (13,42 GB)"
    assert units.fmt_flops(17_565_880_320) == "17,6 GFLOP"
    text.set_language("en")
    assert units.fmt_bytes(69_120) == "69,120 bytes"
