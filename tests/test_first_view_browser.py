"""The first view, in a real browser at 1280×800: after one click the step's lesson, the token strip,
every layer's cache growing and the work chart all sit in the first viewport; the strip's cache bracket
counts the step's cached positions with the new token outside it; at a long prompt the strip stays
short (the rest on demand). The step's metrics stay on one row, values whole, in English and in Chinese;
a long run's cache map numbers its positions with a few round, flat, separate labels. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import re

import browser_util
import pytest
from browser_util import ARTIFACTS, EXCEPTION, metric, missing_browser_reason, wait_ready

from kvviz.analysis.lesson import STRIP_TOKENS
from kvviz.text import t

_reason = missing_browser_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(_reason is not None, reason=_reason or "")]

if _reason is None:
    from playwright.sync_api import expect

W, H = 1280, 800
STEP, CACHED = t("learn.metric.step"), t("learn.metric.cached")
PROMPT_TOKENS = 7  # "Lionel Messi is a" in the built-in tokenizer
LOAD_MS = 180_000
STEP_MS = 60_000
BRACKET, NEW, STRIP = ".st-key-cache_bracket", ".st-key-new_token", ".st-key-token_strip"
METRICS = ".st-key-step_metrics"
METRIC_COUNT = 6  # step, fed, cached, cache size, FLOPs, ms
CHIP = "span.stMarkdownColoredBackground"


@pytest.fixture
def page(browser):
    with browser_util.visitor(browser, W, H) as pg:
        yield pg


def _no_error(page) -> None:
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert not page.js_errors, page.js_errors


def _charts_drawn(page) -> None:
    """Both overview charts have drawn their bars."""
    for key in ("lesson_cache", "lesson_work"):
        expect(page.locator(f".st-key-{key} .js-plotly-plot .barlayer .point path").first).to_be_attached(
            timeout=STEP_MS)


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _metrics_in_one_row(page) -> None:
    """Every metric of the step's row has the same top (one row, the sidebar open), none is cut off (no
    ellipsis, nothing wider than its box), and the row ends inside the main column."""
    side = _box(page, '[data-testid="stSidebar"]')
    assert side["x"] >= 0 and side["width"] >= 240, side  # the sidebar open, as a first visit has it
    items = page.locator(f'{METRICS} [data-testid="stMetric"]')
    expect(items).to_have_count(METRIC_COUNT)
    expect(page.locator(f'{METRICS} [data-testid="stMetricDelta"]')).to_have_count(2)  # FLOPs and ms recompute
    boxes = [items.nth(i).bounding_box() for i in range(METRIC_COUNT)]
    assert len({round(b["y"]) for b in boxes}) == 1, boxes
    row, main = _box(page, METRICS), _box(page, '[data-testid="stMainBlockContainer"]')
    assert boxes[-1]["x"] + boxes[-1]["width"] <= row["x"] + row["width"] + 1 <= main["x"] + main["width"] + 1
    cut = page.evaluate("""(sel) => [...document.querySelectorAll(sel + ' [data-testid="stMetric"] *')]
        .filter(e => e.scrollWidth > e.clientWidth + 1 || getComputedStyle(e).textOverflow === 'ellipsis'
                     && e.scrollWidth > e.clientWidth).map(e => e.textContent)""", METRICS)
    assert not cut, cut


def _check_bracket(page) -> int:
    """The bracket says how many positions the cache holds (= the metric); the new token is outside it."""
    cached = int(metric(page, CACHED).inner_text())
    expect(page.locator(BRACKET)).to_contain_text(t("lesson.strip.cache", n=cached))
    assert page.locator(f"{BRACKET} {NEW}").count() == 0 and page.locator(f"{NEW} {BRACKET}").count() == 0
    new_chips = page.locator(f"{NEW} {CHIP}")
    expect(new_chips).to_have_count(1)
    # the chips in the bracket: every cached position, or the last STRIP_TOKENS of them
    expect(page.locator(f"{BRACKET} {CHIP}")).to_have_count(min(cached, STRIP_TOKENS))
    bracket, new = _box(page, BRACKET), _box(page, NEW)
    assert new["x"] >= bracket["x"] + bracket["width"] - 1 or new["y"] >= bracket["y"] + bracket["height"] - 1
    return cached


def test_first_view_teaches_above_the_fold(page, app_url):
    page.goto(app_url)
    # the page opens on the first decode step, not on the empty prefill
    expect(metric(page, STEP)).to_have_text(t("step.decode", index=1), timeout=LOAD_MS)
    wait_ready(page)
    expect(metric(page, CACHED)).to_have_text(str(PROMPT_TOKENS + 1))
    page.get_by_role("button", name=t("learn.next")).click()
    expect(metric(page, STEP)).to_have_text(t("step.decode", index=2), timeout=STEP_MS)
    wait_ready(page)
    _charts_drawn(page)
    _no_error(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "first-view-1280x800.png"))
    _metrics_in_one_row(page)

    # all in the first viewport: the lesson, the strip, the cache shapes, the work chart
    for selector in (".st-key-lesson", STRIP, ".st-key-lesson_cache", ".st-key-lesson_work"):
        box = _box(page, selector)
        assert box["y"] >= 0 and box["y"] + box["height"] <= H, (selector, box)
    lesson = page.locator(".st-key-lesson").inner_text()
    assert lesson.startswith("Step 2:") and "reused 8 cached" in lesson, lesson

    assert _check_bracket(page) == PROMPT_TOKENS + 2
    # the position written this step is the last one in the bracket (bold); the prompt's tokens are chips
    expect(page.locator(f"{BRACKET} {CHIP}").last.locator("strong")).to_have_count(1)
    expect(page.locator(f"{BRACKET} {CHIP}").filter(has_text="␣Mess")).to_have_count(1)  # Lion|el|␣Mess|i|…
    # the cache-shapes chart says what every layer's K and V hold now
    title = page.locator(".st-key-lesson_cache .gtitle").text_content()
    assert f"[1, 3, {PROMPT_TOKENS + 2}, 64]" in title, title


def test_long_prompt_keeps_the_strip_short(page, app_url):
    page.goto(app_url)
    expect(metric(page, STEP)).to_have_text(t("step.decode", index=1), timeout=LOAD_MS)
    wait_ready(page)
    box = page.get_by_label(t("learn.prompt"))
    box.fill("word " * 450)
    box.press("Control+Enter")
    expect(page.locator('[data-testid="stAlert"]').filter(has_text=t("learn.start"))).to_be_visible(timeout=STEP_MS)
    wait_ready(page)
    page.get_by_role("button", name=t("learn.start")).click()
    earlier = re.compile(re.escape(t("lesson.strip.earlier", n=12345)).replace("12345", r"\d+"))
    expect(page.locator(BRACKET)).to_contain_text(earlier, timeout=STEP_MS)
    wait_ready(page)
    _charts_drawn(page)
    _no_error(page)
    page.screenshot(path=str(ARTIFACTS / "first-view-long-prompt.png"))
    cached = _check_bracket(page)
    _metrics_in_one_row(page)  # 450-odd tokens: the widest figures of the built-in model's runs
    assert cached > 450  # every prompt token + the one fed at decode 1
    expect(page.locator(BRACKET)).to_contain_text(t("lesson.strip.earlier", n=cached - STRIP_TOKENS))
    strip = _box(page, STRIP)
    assert strip["height"] <= 130, strip  # two or three lines, not a wall of 451 chips
    for selector in (".st-key-lesson_cache", ".st-key-lesson_work"):
        b = _box(page, selector)
        assert b["y"] + b["height"] <= H, (selector, b)
    # the rest on demand, in a box of bounded height
    page.get_by_text(t("lesson.strip.show_all", n=cached + 1)).click()
    full = page.locator(".st-key-strip_full")
    expect(full).to_be_visible(timeout=STEP_MS)
    wait_ready(page)
    expect(full.locator(CHIP)).to_have_count(cached + 1)
    assert _box(page, ".st-key-strip_full")["height"] <= 260
    _no_error(page)


def test_chinese_long_run_keeps_metrics_on_one_row_and_map_ticks_apart(page, app_url):
    """The long-context scenario (379 prompt tokens) in Chinese at decode 15, the Cache tab open."""
    page.goto(app_url + "/?lang=zh&scenario=long_context&step=15&view=cache")
    expect(metric(page, t("learn.metric.step", "zh"))).to_have_text(t("step.decode", "zh", index=15),
                                                                    timeout=LOAD_MS)
    wait_ready(page)
    _no_error(page)
    _metrics_in_one_row(page)
    expect(page.locator(METRICS)).to_contain_text(t("learn.metric.without", "zh"))
    page.locator(METRICS).screenshot(path=str(ARTIFACTS / "metrics-zh-long.png"))
    # the cache map numbers its 394 positions every 50, flat, each label clear of the next
    ticks = page.locator(".st-key-cache_map .xtick text")
    expect(ticks).to_have_count(8, timeout=STEP_MS)
    assert [ticks.nth(i).text_content() for i in range(8)] == [str(p) for p in range(0, 400, 50)]
    page.locator(".st-key-cache_map").scroll_into_view_if_needed()
    boxes = [ticks.nth(i).bounding_box() for i in range(8)]
    assert all(a["x"] + a["width"] + 4 <= b["x"] for a, b in zip(boxes, boxes[1:])), boxes
    assert len({round(b["y"]) for b in boxes}) == 1  # flat, not turned
    page.locator(".st-key-cache_map").screenshot(path=str(ARTIFACTS / "cache-map-zh-long.png"))
