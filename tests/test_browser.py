"""The app in a real browser (Debian's Chromium via Playwright) as a visitor uses it: open, wait for
the prefill, step, switch tabs, compare the charts as drawn with the numbers on the page, and make
sure the visitor's text never becomes markup. Screenshots go to test-artifacts/.

A few focused journeys only; the breadth lives in test_app.py (AppTest).
"""

from __future__ import annotations

import textwrap

import browser_util
import pytest
from browser_util import (
    ARTIFACTS,
    EXCEPTION,
    ROOT,
    full_screenshot,
    metric,
    missing_browser_reason,
    served,
    shows_bytes,
    wait_ready,
)

from kvviz.text import t  # labels as the page draws them

_reason = missing_browser_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(_reason is not None, reason=_reason or "")]

if _reason is None:
    from playwright.sync_api import expect

STEP, CACHED, FED, SIZE = (t(f"learn.metric.{k}") for k in ("step", "cached", "fed", "cache_size"))

BYTES_PER_TOKEN = 46080  # 2 x 30 layers x 3 K/V heads x 64 x 4 bytes (SmolLM2-135M, fp32)
PROMPT_TOKENS = 7  # "Lionel Messi is a"
LOAD_MS = 180_000  # first page: loads the model (and converts it on a fresh machine)
STEP_MS = 60_000  # one click: two forward passes on 2 shared cores


@pytest.fixture
def page(browser):
    """A fresh visitor (own context, hence own Streamlit session), with JS errors recorded."""
    with browser_util.visitor(browser, 1400, 900) as pg:
        yield pg


def _open(page, url: str) -> None:
    page.goto(url)
    expect(metric(page, CACHED)).to_have_text(str(PROMPT_TOKENS + 1), timeout=LOAD_MS)  # opens on decode 1
    wait_ready(page)


def _no_error(page) -> None:
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert not page.js_errors, page.js_errors


def _figure(page, title_part: str) -> dict:
    """data and layout of the drawn Plotly chart whose title contains title_part."""
    figs = page.evaluate(
        """(part) => {
            // Plotly's base64 typed arrays ({dtype, bdata, shape}, how the app sends numpy arrays) as lists
            const kinds = {f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array,
                           u2: Uint16Array, i4: Int32Array, u4: Uint32Array};
            const dec = v => {
                if (!v || typeof v.bdata !== 'string') return v;
                const raw = Uint8Array.from(atob(v.bdata), c => c.charCodeAt(0));
                const flat = Array.from(new kinds[v.dtype](raw.buffer), x => Number.isNaN(x) ? null : x);
                const shape = String(v.shape || flat.length).split(',').map(Number);
                if (shape.length < 2) return flat;
                return Array.from({length: shape[0]}, (_, r) => flat.slice(r * shape[1], (r + 1) * shape[1]));
            };
            return [...document.querySelectorAll('.js-plotly-plot')]
            .filter(el => el.layout && el.layout.title && (el.layout.title.text || '').includes(part))
            .map(el => ({data: el.data.map(t => ({type: t.type, x: dec(t.x), y: dec(t.y), z: dec(t.z), name: t.name})),
                         title: el.layout.title.text,
                         width: el.getBoundingClientRect().width}));
        }""",
        title_part,
    )
    assert len(figs) == 1, (title_part, [f["title"] for f in figs])
    return figs[0]


def _tab(page, name: str) -> None:
    label = t(f"learn.tab.{name}")
    page.get_by_role("tab", name=label, exact=True).click()
    expect(page.get_by_role("tab", name=label, exact=True)).to_have_attribute("aria-selected", "true")


def test_step_through_and_charts(page, app_url):
    _open(page, app_url)
    _no_error(page)
    expect(metric(page, STEP)).to_have_text(t("step.decode", index=1))
    assert shows_bytes(metric(page, SIZE).inner_text(), (PROMPT_TOKENS + 1) * BYTES_PER_TOKEN)
    expect(page.locator(".st-key-cache_bracket")).to_contain_text("␣Mess")  # the prompt's tokens, each a chip
    full_screenshot(page, ARTIFACTS / "01-first-render.png")

    for i in range(2, 6):
        page.get_by_role("button", name=t("learn.next")).click()
        # The result itself first (the status widget alone is unreliable), then "ready".
        expect(metric(page, STEP)).to_have_text(t("step.decode", index=i), timeout=STEP_MS)
        expect(metric(page, CACHED)).to_have_text(str(PROMPT_TOKENS + i))
        wait_ready(page)
        _no_error(page)
    tokens = PROMPT_TOKENS + 5
    expect(metric(page, FED)).to_have_text("1")
    assert shows_bytes(metric(page, SIZE).inner_text(), tokens * BYTES_PER_TOKEN)

    _tab(page, "cache")
    formula = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=f"{BYTES_PER_TOKEN:,}")
    expect(formula).to_contain_text(f"{tokens * BYTES_PER_TOKEN:,}")
    # The cache-bytes chart as drawn: one marker per step, each = 46,080 bytes x tokens cached.
    expect(page.locator(".js-plotly-plot .scatterlayer .trace .points path").first).to_be_visible(timeout=STEP_MS)
    fig = _figure(page, t("chart.cache_bytes.title"))
    assert fig["width"] > 200
    assert fig["data"][0]["x"] == list(range(6))
    assert fig["data"][0]["y"] == [(PROMPT_TOKENS + i) * BYTES_PER_TOKEN for i in range(6)]
    cache_map = _figure(page, t("chart.cache_map.title", step=t("step.decode", index=5)))
    z = cache_map["data"][0]["z"]
    assert len(z) == 30 and all(row == [0] * PROMPT_TOKENS + [1, 2, 3, 4, 5] for row in z)
    full_screenshot(page, ARTIFACTS / "02-cache-after-5-steps.png")

    _tab(page, "attention")
    attn = page.locator(".js-plotly-plot").filter(has=page.locator(".heatmaplayer")).last
    expect(attn).to_be_visible()
    fig = _figure(page, t("chart.attention.title", layer=0, head=0, kv_head=0))
    rows = fig["data"][0]["z"]
    assert len(rows) == tokens and all(len(r) == tokens for r in rows)
    # fresh K outlines on the diagonal of the decode rows (labels are "position 'token'")
    assert [x.split(" ")[0] for x in fig["data"][1]["x"]] == [str(r) for r in range(PROMPT_TOKENS, tokens)]
    full_screenshot(page, ARTIFACTS / "03-attention.png")

    _tab(page, "work")
    expect(page.locator(".js-plotly-plot").filter(has_text=t("chart.time.title"))).to_be_visible()
    full_screenshot(page, ARTIFACTS / "04-work.png")

    # Back revisits a step: the page shows step 4 and the cache as it was then.
    page.get_by_role("button", name=t("learn.back")).click()
    expect(metric(page, STEP)).to_have_text(t("step.decode", index=4), timeout=STEP_MS)
    expect(metric(page, CACHED)).to_have_text(str(tokens - 1))
    wait_ready(page)
    _no_error(page)


def test_prompt_html_stays_text(page, app_url):
    _open(page, app_url)
    nasty = "<img src=x onerror=window.__xss=1> <b>bold</b> **x**"
    box = page.get_by_label(t("learn.prompt"))
    box.fill(nasty)
    box.press("Control+Enter")  # st.text_area submits on Ctrl+Enter or blur
    # the submit's own result: the page points out a setting the run does not use yet
    expect(page.locator('[data-testid="stAlert"]').filter(has_text=t("learn.start"))).to_be_visible(timeout=STEP_MS)
    wait_ready(page)
    page.get_by_role("button", name=t("learn.start")).click()
    # the text line that shows the new prompt (a stale one may linger while the page reruns)
    strip = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="<img src=x ").first
    expect(strip).to_contain_text("<img src=x onerror=window.__xss=1> <b>bold</b> **x**", timeout=STEP_MS)
    wait_ready(page)
    _no_error(page)
    assert page.evaluate("() => window.__xss") is None
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(strip.locator("b")).to_have_count(0)


def test_exception_check_catches_a_real_exception(page, tmp_path):
    """The `stException` check above is not vacuous, with the app's own config (showErrorDetails)."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text((ROOT / ".streamlit" / "config.toml").read_text())
    script = tmp_path / "boom.py"
    script.write_text(textwrap.dedent("""
        import streamlit as st
        st.write("before the error")
        raise RuntimeError("kvviz test: deliberate failure")
    """))
    with served(script, cwd=tmp_path) as server:
        page.goto(server.url)
        expect(page.get_by_text("before the error")).to_be_visible(timeout=30_000)
        wait_ready(page)
        expect(page.locator(EXCEPTION)).to_have_count(1)


def test_planner_page_loads(page, app_url):
    page.goto(app_url + "/planner")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=LOAD_MS)
    wait_ready(page)
    _no_error(page)
    full_screenshot(page, ARTIFACTS / "05-planner.png")


def test_play_advances_by_itself_and_pause_stops(page, app_url):
    """Play's timer is a fragment's run_every: it only works if the page really reruns on Play."""
    _open(page, app_url)
    page.get_by_role("button", name=t("learn.play"), exact=True).click()
    # fast pace is not needed: the default (1 s) must bring decode 2 and decode 3 without a click
    expect(metric(page, STEP)).to_have_text(t("step.decode", index=3), timeout=2 * STEP_MS)  # loaded machine
    page.get_by_role("button", name=t("learn.pause"), exact=True).click()
    wait_ready(page)
    expect(page.get_by_role("button", name=t("learn.play"), exact=True)).to_be_visible()
    stopped_at = metric(page, STEP).inner_text()
    page.wait_for_timeout(2500)  # more than two paces: nothing may advance now
    assert metric(page, STEP).inner_text() == stopped_at
    _no_error(page)
