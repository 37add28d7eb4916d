"""Two languages, one switch: how a visitor's language is chosen (URL, session, browser), the CLI's
--lang, numbers per language, and the source article's side-by-side figures against the planner."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from kvviz import text
from kvviz.text import DEFAULT, LANGUAGES, choose_language, language_from_header, language_from_tag, t

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


# --- the source article: GPT-2 small beside the run's model --------------------------------------


def test_article_columns_come_from_the_planner():
    from kvviz.analysis.article import ARTICLE_URL, compare
    from kvviz.planner.catalog import resolve_config
    from kvviz.planner.layout import attention_shape
    from kvviz.planner.plan import plan

    c = compare(None, 7)
    gpt2, smol = c.article, c.run
    assert ARTICLE_URL == "https://zhuanlan.zhihu.com/p/630832593"
    # GPT-2 small as the article ran it (fp32): K and V, 12 layers, 768 = 12 heads x 64, 4 bytes.
    assert (gpt2.layers, gpt2.hidden, gpt2.heads, gpt2.kv_heads, gpt2.head_dim) == (12, 768, 12, 12, 64)
    assert (gpt2.attention, gpt2.dtype, gpt2.value_bytes) == ("mha", "fp32", 4)
    assert gpt2.bytes_per_token == 2 * 12 * 768 * 4 == 73_728
    assert gpt2.bytes_at_context == 7 * 73_728 and gpt2.k_shape == gpt2.v_shape == (1, 12, 7, 64)
    # The built-in model's catalog entry, in fp32 as it runs here: GQA, 9 query heads on 3 K/V heads.
    assert (smol.layers, smol.hidden, smol.heads, smol.kv_heads, smol.head_dim) == (30, 576, 9, 3, 64)
    assert smol.attention == "gqa" and smol.bytes_per_token == 2 * 30 * 3 * 64 * 4 == 46_080
    assert smol.k_shape == (1, 3, 7, 64)
    assert c.ratio == pytest.approx(46_080 / 73_728)
    # ... and the same figures as the planner gives for each catalog entry.
    for col, name in ((gpt2, "GPT-2"), (smol, "SmolLM2-135M")):
        spec = resolve_config(name)
        p = plan(spec, dtype="fp32", context=7)
        assert (col.bytes_per_token, col.bytes_at_context) == (p.bytes_per_token, p.total_bytes)
        assert (col.layers, col.heads, col.kv_heads, col.head_dim) == attention_shape(spec.config)
    # A bf16 cache halves the built-in model's bytes: the dtype is the planner's, not a constant here.
    from kvviz.analysis.article import catalog_column

    assert catalog_column("SmolLM2-135M", "bf16", 7).bytes_per_token == 23_040


@pytest.mark.slow
def test_article_run_column_matches_the_real_cache():
    """The run's column, from its ModelInfo, equals the planner's catalog entry and the real cache's bytes."""
    from kvviz.analysis.article import compare, compare_trace
    from kvviz.engine.models import load_model
    from kvviz.engine.tracer import Tracer

    loaded = load_model(None)
    tr = Tracer(loaded, "Lionel Messi is a", 3, compare=False).run()
    last = tr.steps[-1]
    c = compare_trace(tr)
    assert c.tokens == last.context_length == 9
    assert c.run.bytes_at_context == last.cache_bytes  # the real DynamicCache's bytes
    layer0 = last.cache_layers[0]
    assert list(c.run.k_shape) == layer0.key_shape and list(c.run.v_shape) == layer0.value_shape
    builtin = compare(None, c.tokens).run

    def figures(col):
        return {k: v for k, v in vars(col).items() if k != "name"}

    assert figures(c.run) == figures(builtin)


def test_article_words_in_both_languages_carry_the_same_numbers():
    from kvviz.analysis.article import ARTICLE_URL, compare
    from kvviz.text.article import plain_text, rows

    c = compare(None, 7)
    en = plain_text(c)
    assert ARTICLE_URL in en and "73,728 bytes" in en and "46,080 bytes" in en and "(1, 3, 7, 64)" in en
    text.set_language("zh")
    zh = plain_text(c)
    assert ARTICLE_URL in zh and "知乎" in zh and "73,728 字节" in zh and "516,096 字节" in zh
    assert [r[1:] for r in rows(c)][:5] == [["12", "30"], ["768", "576"], ["12", "9"], ["12", "3"], ["64", "64"]]


def test_the_page_links_the_article_and_escapes_the_rest():
    from kvviz.ui.pages.article import named_markdown

    md = named_markdown()
    assert "](https://zhuanlan.zhihu.com/p/630832593)" in md and "\\“" not in md and "KV\\-Cache" in md


# --- the CLI's --lang ------------------------------------------------------------------------------


def test_cli_language_is_known_before_the_parsers_are_built(monkeypatch):
    from kvviz.cli.main import build_parser, cli_language

    monkeypatch.delenv("KVVIZ_LANG", raising=False)
    assert cli_language(["explain"]) == "en"
    assert cli_language(["explain", "--lang", "zh"]) == "zh"
    assert cli_language(["--lang=zh", "capacity", "--config", "GPT-2"]) == "zh"
    monkeypatch.setenv("KVVIZ_LANG", "zh_CN.UTF-8")
    assert cli_language(["trace", "--prompt", "x"]) == "zh"
    assert cli_language(["trace", "--lang", "en", "--prompt", "x"]) == "en"
    monkeypatch.setenv("KVVIZ_LANG", "fr")
    assert cli_language(["lab"]) == "en"
    # Every subcommand takes --lang, before or after its name; an unknown one is refused.
    parser = build_parser()
    for cmd in ("trace", "explain", "capacity", "lab"):
        extra = {"trace": ["--prompt", "x"], "lab": ["--prompt", "x", "--policy", "full"]}.get(cmd, [])
        assert parser.parse_args([cmd, "--lang", "zh", *extra]).lang == "zh"
        assert parser.parse_args(["--lang", "zh", cmd, *extra]).lang == "zh"
    with pytest.raises(SystemExit):
        parser.parse_args(["explain", "--lang", "xx"])


def test_cli_help_is_in_the_chosen_language(capsys, monkeypatch):
    from kvviz.cli.main import main

    monkeypatch.delenv("KVVIZ_LANG", raising=False)
    with pytest.raises(SystemExit):
        main(["explain", "--lang", "zh", "--help"])
    out = capsys.readouterr().out
    assert "输出和本帮助的语言" in out and "KV" in out  # zh's own help line; other lines: zh1/zh2's catalogs


def test_capacity_cli_writes_bytes_in_chinese(capsys, monkeypatch):
    from kvviz.cli.main import main

    monkeypatch.delenv("KVVIZ_LANG", raising=False)
    assert main(["capacity", "--config", "GPT-2", "--dtype", "fp32", "--context", "7", "--lang", "zh"]) == 0
    assert "73,728" in capsys.readouterr().out


@pytest.mark.slow
def test_explain_cli_in_chinese_prints_the_articles_questions_and_its_link(capsys, monkeypatch):
    """With a zh catalog entry for a question (zh1's answers.py, or one patched in here), `explain --lang zh`
    prints the article's own words; the article is named and linked either way."""
    from kvviz.analysis.answers import QUESTION_KEYS
    from kvviz.cli.main import main

    real = text.catalog
    question = "KV Cache 节省了 Self-Attention 层中哪部分的计算?"
    key = f"answers.question.{QUESTION_KEYS[0]}"

    def with_question(lang):
        merged = dict(real(lang))
        if lang == "zh":
            merged.setdefault(key, question)
        return merged

    monkeypatch.setattr(text, "catalog", with_question)
    monkeypatch.delenv("KVVIZ_LANG", raising=False)
    assert main(["explain", "--lang", "zh", "--max-new-tokens", "2"]) == 0
    out = capsys.readouterr().out
    assert with_question("zh")[key] in out
    assert "https://zhuanlan.zhihu.com/p/630832593" in out and "知乎" in out
    assert "73,728 字节" in out  # GPT-2 small's bytes per token, in Chinese
    text.set_language("en")
    assert main(["explain", "--max-new-tokens", "2"]) == 0
    out = capsys.readouterr().out
    assert "https://zhuanlan.zhihu.com/p/630832593" in out and "73,728 bytes" in out
    assert real("en")[key] in out


# --- in a real browser ------------------------------------------------------------------------------


def _browser_reason():
    from browser_util import missing_browser_reason

    return missing_browser_reason()


@pytest.mark.browser
@pytest.mark.skipif(_browser_reason() is not None, reason=str(_browser_reason()))
def test_switching_language_in_the_browser_keeps_the_run_step_and_tab(tmp_path):
    """?lang=zh opens in Chinese (picker shows 简体中文), the URL keeps lang while stepping, and the
    picker switches to English on the same run, step and open tab; the browser's own language is the
    default without ?lang=."""
    import re

    from browser_util import ROOT, full_screenshot, launch, metric, served, wait_ready
    from playwright.sync_api import expect, sync_playwright

    def zh(key, **f):
        return t(key, "zh", **f)

    with served(ROOT / "app.py", log=tmp_path / "server.log") as server, sync_playwright() as p:
        browser = launch(p)
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url + "/?lang=zh")
            expect(metric(page, zh("learn.metric.cached"))).to_have_text("8", timeout=180_000)  # opens on decode 1
            wait_ready(page)
            picker = page.get_by_role("combobox", name=zh("language.picker"), exact=True)
            expect(picker).to_have_value("简体中文")
            page.get_by_role("tab", name=zh("learn.tab.cache"), exact=True).click()
            for i in (2, 3):
                page.get_by_role("button", name=zh("learn.next")).click()
                expect(metric(page, zh("learn.metric.step"))).to_have_text(zh("step.decode", index=i), timeout=60_000)
                wait_ready(page)
                assert re.search(r"[?&]lang=zh\b", page.url), page.url
            full_screenshot(page, tmp_path / "zh.png")
            # Switch to English with the picker: same run (10 tokens cached), same step, same tab.
            picker.click()
            page.get_by_role("option", name="English", exact=True).click()
            expect(metric(page, t("learn.metric.step", "en"))).to_have_text(t("step.decode", "en", index=3),
                                                                            timeout=60_000)
            wait_ready(page)
            expect(metric(page, t("learn.metric.cached", "en"))).to_have_text("10")
            expect(page.get_by_role("tab", name=t("learn.tab.cache", "en"), exact=True)).to_have_attribute(
                "aria-selected", "true")
            expect(page.get_by_role("combobox", name=t("language.picker", "en"), exact=True)).to_have_value("English")
            assert re.search(r"[?&]lang=en\b", page.url), page.url
            # The picker is on every page, and the language goes with the visitor.
            page.get_by_role("link", name=t("planner.nav", "en")).click()
            wait_ready(page)
            expect(page.get_by_role("combobox", name=t("language.picker", "en"), exact=True)).to_have_value("English")
            assert re.search(r"[?&]lang=en\b", page.url), page.url
            page.goto(server.url + "/?lang=xx")  # unknown: English, no error
            expect(metric(page, t("learn.metric.cached", "en"))).to_have_text("8", timeout=180_000)  # opens on decode 1
            wait_ready(page)
            assert re.search(r"[?&]lang=en\b", page.url) and not page.locator('[data-testid="stException"]').count()
            ctx.close()
            # No ?lang=: the browser's language decides, and the URL then says it.
            ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
            page = ctx.new_page()
            page.goto(server.url + "/")
            expect(metric(page, zh("learn.metric.cached"))).to_have_text("8", timeout=180_000)  # opens on decode 1
            wait_ready(page)
            expect(page.get_by_role("combobox", name=zh("language.picker"), exact=True)).to_have_value("简体中文")
            assert re.search(r"[?&]lang=zh\b", page.url), page.url
            ctx.close()
            assert not errors, errors
        finally:
            browser.close()


@pytest.mark.slow
def test_the_picker_writes_only_lang_and_keeps_the_run():
    """AppTest: ?lang=zh opens in Chinese; the picker switches to English, rewrites only ?lang= (other
    query parameters hold the run's settings) and keeps the run and the step on screen."""
    AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = "zh"
    at.query_params["other"] = "kept"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    opened = dict(at.query_params)  # the page also writes the run's link state (kvviz/ui/url_state.py)
    assert opened["lang"] == "zh" and opened["other"] == "kept"
    assert at.title[0].value == t("learn.title", "zh")
    picker = next(s for s in at.selectbox if s.key == "language_choice")
    assert picker.value == "zh" and picker.options == [text.language_name(x) for x in LANGUAGES]
    # AppTest formats the other widgets' values with their format_func in this thread: in Chinese too.
    text.set_language("zh")
    try:
        at.button(key="next").click().run()
        tracer = at.session_state["tracer"]
        assert at.session_state["view"] == 2  # the page opens on decode step 1
        before = dict(at.query_params)
        # The switch is sent from a page drawn in Chinese: its widgets' values are formatted in Chinese.
        next(s for s in at.selectbox if s.key == "language_choice").select("en").run()
    finally:
        text.set_language("en")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == t("learn.title", "en")
    assert dict(at.query_params) == {**before, "lang": "en"}  # only ?lang= changed
    assert at.session_state["tracer"] is tracer and at.session_state["view"] == 2


def test_an_engine_error_is_written_in_the_readers_language():
    """KvvizError(key=...) is written when read: the same error reads in English or Chinese."""
    from kvviz.errors import KvvizError

    e = KvvizError(key="errors.prompt_too_long.run", prompt=2100, limit=2048, model="m")
    assert str(e) == t("errors.prompt_too_long.run", "en", prompt=2100, limit=2048, model="m")
    text.set_language("zh")
    try:
        assert str(e) == t("errors.prompt_too_long.run", "zh", prompt=2100, limit=2048, model="m")
        assert "2100" in str(e) and "2048" in str(e) and str(e) != t("errors.prompt_too_long.run", "en", prompt=2100,
                                                                       limit=2048, model="m")
    finally:
        text.set_language("en")
    assert str(KvvizError("as written")) == "as written"
