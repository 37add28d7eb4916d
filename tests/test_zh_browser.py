"""The whole explainer and the planner in Chinese, in a real browser: no English UI text left, no U+FFFD.

Skipped until every English catalog (kvviz/text/en/<room>.py) has its Chinese twin (kvviz/text/zh/<room>.py).
Opens ?lang=zh, starts a run on "梅西是一名", clicks Next five times, opens every tab of the explainer and
then the planner page, and reads every visible text node (HTML and SVG: Plotly's titles, axes and
legends are text nodes too).

"English UI text", kept simple on purpose: a visible text node with two or more consecutive ASCII
words of three or more letters separated only by whitespace (regex ENGLISH below), after removing
the allow-list: data that is the same in every language, i.e. the run's own prompt, tokens and
decoded text (the model writes what it writes), model and accelerator names and the planner
catalog's own data (its source notes are quoted as published), the source article's prompt
"Lionel Messi is a", and Streamlit's own chrome that an app cannot translate (the file uploader's
drop zone, the "Skip to main content" keyboard link: CHROME). Code shown as code (<code>, <pre>:
`python -m kvviz trace ...`) is not read. Code in prose (`head_dim`), units (kB, GiB, MFLOP), shapes
and hex bytes (E6 A2) never match: they are not two whitespace-separated words of three letters.
Streamlit's dataframes draw on a canvas: their cells are not text nodes, not read here.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re

import pytest

from kvviz.text import t

ZH_PROMPT = "梅西是一名"
STEPS = 5
ENGLISH = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?:\s+[A-Za-z]{3,})+(?![A-Za-z])")
# Streamlit's own words inside its widgets (not the app's to translate): skipped by where they are.
CHROME = ('[data-testid="stFileUploaderDropzoneInstructions"]', '[data-testid="stFileUploaderDropzone"] button',
          '[data-testid="stToolbar"]', '[data-testid="stStatusWidget"]',
          '[data-testid="stSkipToContent"]')  # "Skip to main content": Streamlit's keyboard link


def _rooms(lang: str) -> set[str]:
    pkg = importlib.import_module(f"kvviz.text.{lang}")
    return {i.name for i in pkgutil.iter_modules(pkg.__path__)}


def _missing_reason() -> str | None:
    missing = _rooms("en") - _rooms("zh")
    if missing:
        return f"Chinese catalogs not written yet: kvviz/text/zh/{{{','.join(sorted(missing))}}}.py"
    from browser_util import missing_browser_reason

    return missing_browser_reason()


_reason = _missing_reason()
browser_only = [pytest.mark.browser, pytest.mark.skipif(_reason is not None, reason=_reason or "")]


def english_ui_text(node: str, allowed: list[str]) -> str | None:
    """The first English phrase in a text node once the allow-listed data is removed, or None."""
    for a in sorted(allowed, key=len, reverse=True):
        if a:
            node = node.replace(a, " ")
    m = ENGLISH.search(node)
    return m.group(0) if m else None


def test_the_heuristic_finds_english_and_lets_data_through():
    """The rule itself, on strings (runs even where the browser test is skipped)."""
    allowed = ["Lionel Messi is a", "SmolLM2-135M"]
    assert english_ui_text("Next token", []) == "Next token"
    assert english_ui_text("缓存 grows every step", []) == "grows every step"
    assert english_ui_text("缓存 grows by one", []) is None  # "by" is too short to count: kept simple
    assert english_ui_text("文章用 GPT-2 small 对 “Lionel Messi is a” 生成", allowed) is None
    assert english_ui_text("每层 K 的形状 (1, 3, 7, 64) head_dim 64", []) is None
    assert english_ui_text("46,080 字节 = 45.00 KiB (46.08 kB) · 13.3 MFLOP · ⟨E6 A2⟩", []) is None
    assert english_ui_text("SmolLM2-135M（本次运行）", allowed) is None
    assert english_ui_text("KV 缓存", []) is None


def _allowed(run_texts: list[str]) -> list[str]:
    from kvviz.analysis.article import ARTICLE_PROMPT
    from kvviz.planner.catalog import DATA_DIR

    allowed = [ARTICLE_PROMPT, ZH_PROMPT, *run_texts]
    for name in ("model_configs.json", "accelerators.json"):
        data = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))

        def strings(x):
            if isinstance(x, str):
                yield x
            elif isinstance(x, dict):
                for v in x.values():
                    yield from strings(v)
            elif isinstance(x, list):
                for v in x:
                    yield from strings(v)

        allowed += [s for s in strings(data) if not s.startswith("Published")]  # the file's 'about' is not shown
    return allowed


def _run_texts() -> list[str]:
    """What the page will show as the run's data: the same greedy run, computed here."""
    from kvviz.engine.models import load_model
    from kvviz.engine.tracer import Tracer

    loaded = load_model(None)
    tr = Tracer(loaded, ZH_PROMPT, STEPS, compare=False).run()
    return [tr.text, loaded.info.name, loaded.info.architecture,
            *(s.token_text for s in tr.steps), *(c.token_text for s in tr.steps for c in s.top_k), *tr.prompt_tokens]


VISIBLE_TEXT = """(chrome) => {
    const skip = new Set([...document.querySelectorAll(chrome.join(','))]);
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        const s = n.nodeValue.trim();
        if (!s || !el || el.closest('script,style,noscript,code,pre')) continue;  // code reads the same in any language
        if ([...skip].some(c => c.contains(el))) continue;
        const r = el.getClientRects();
        const cs = getComputedStyle(el);
        if (!r.length || cs.visibility === 'hidden' || cs.display === 'none' || +cs.opacity === 0) continue;
        out.push(s);
    }
    return out;
}"""


def _check_page(page, allowed: list[str], where: str, problems: list[str]) -> None:
    for node in page.evaluate(VISIBLE_TEXT, list(CHROME)):
        if "\ufffd" in node:
            problems.append(f"{where}: U+FFFD in {node[:80]!r}")
        phrase = english_ui_text(node, allowed)
        if phrase:
            problems.append(f"{where}: {phrase!r} in {node[:80]!r}")


@browser_only[0]
@browser_only[1]
def test_chinese_everywhere(tmp_path):
    from browser_util import ARTIFACTS, ROOT, full_screenshot, launch, metric, served, wait_ready
    from playwright.sync_api import expect, sync_playwright

    from kvviz.ui.pages.learn_views import VIEWS

    def zh(key, **f):
        return t(key, "zh", **f)

    allowed = _allowed(_run_texts())
    problems: list[str] = []
    with served(ROOT / "app.py", log=tmp_path / "server.log") as server, sync_playwright() as p:
        browser = launch(p)
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url + "/?lang=zh")
            expect(metric(page, zh("learn.metric.step"))).to_have_text(zh("step.decode", index=1), timeout=180_000)
            wait_ready(page)
            page.get_by_label(zh("learn.prompt")).fill(ZH_PROMPT)
            page.get_by_role("button", name=zh("learn.start")).click()
            wait_ready(page)
            expect(metric(page, zh("learn.metric.step"))).to_have_text(zh("step.decode", index=1), timeout=60_000)
            for i in range(2, STEPS + 1):  # the page opens on decode step 1
                page.get_by_role("button", name=zh("learn.next")).click()
                expect(metric(page, zh("learn.metric.step"))).to_have_text(zh("step.decode", index=i), timeout=60_000)
                wait_ready(page)
            assert re.search(r"[?&]lang=zh\b", page.url), page.url
            for view in VIEWS:
                page.get_by_role("tab", name=zh(f"learn.tab.{view}"), exact=True).click()
                wait_ready(page)
                page.wait_for_timeout(500)  # Plotly draws after the script ends
                _check_page(page, allowed, f"explainer/{view}", problems)
                if view == VIEWS[0]:
                    full_screenshot(page, ARTIFACTS / "zh-five-steps.png")
            page.get_by_role("link", name=zh("planner.nav")).click()
            wait_ready(page)
            page.wait_for_timeout(500)
            assert re.search(r"[?&]lang=zh\b", page.url), page.url
            _check_page(page, allowed, "planner", problems)
            full_screenshot(page, ARTIFACTS / "zh-planner.png")
            ctx.close()
            assert not errors, errors
        finally:
            browser.close()
    assert not problems, "\n".join(problems[:60])
