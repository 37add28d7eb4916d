"""The cache lab page in a real browser (Debian's Chromium via Playwright): open it, step the
policies together, switch policies, step again, no exception; the screenshot goes to docs/."""

from __future__ import annotations

import re
import socket

import browser_util
import pytest
from browser_util import ARTIFACTS, EXCEPTION, ROOT, full_screenshot, launch, missing_browser_reason, served, wait_ready

_reason = missing_browser_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(_reason is not None, reason=_reason or "")]

if _reason is None:
    from playwright.sync_api import expect, sync_playwright

LOAD_MS = 300_000  # the first page loads the model and runs four prompt passes on 2 shared cores
STEP_MS = 120_000  # one click: four forward passes
PORTS = range(8660, 8670)  # this suite's ports


def _port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(browser_util, "free_port", _port)
        with served(ROOT / "app.py", log=log) as server:
            yield server.url + "/lab"


@pytest.fixture
def page():
    with sync_playwright() as p:
        b = launch(p)
        with browser_util.visitor(b, 1500, 950) as pg:
            yield pg
        b.close()


def _no_error(page) -> None:
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert not page.js_errors, page.js_errors


def _step_label(page, step: int):
    return page.get_by_text(re.compile(rf"^Step {step} of \d+ \(0 = the prompt pass\)$"))


def test_lab_steps_switches_policies_and_shows_no_exception(page, lab_url):
    page.goto(lab_url)
    expect(_step_label(page, 0)).to_be_visible(timeout=LOAD_MS)
    wait_ready(page)
    _no_error(page)
    for spec in ("window:8", "sinks:4:4", "h2o:4:4"):
        expect(page.get_by_role("heading", name=spec)).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(5, timeout=30_000)  # 3 grids, KL, bytes

    for i in (1, 2):
        page.get_by_role("button", name="Next token").click()
        expect(_step_label(page, i)).to_be_visible(timeout=STEP_MS)
        wait_ready(page)
        _no_error(page)
    page.get_by_role("button", name="Back").click()
    expect(_step_label(page, 1)).to_be_visible(timeout=STEP_MS)
    wait_ready(page)

    # switch policies: drop window, add knorm and int4, start again
    for name in ("window", "knorm", "int4"):
        page.get_by_role("button", name=name, exact=True).click()
        wait_ready(page)
    page.get_by_role("button", name="Start the lab").click()
    expect(page.get_by_role("heading", name="knorm:8")).to_be_visible(timeout=LOAD_MS)
    expect(page.get_by_role("heading", name="int4:g16:r8")).to_be_visible()
    expect(page.get_by_role("heading", name="window:8")).to_have_count(0)
    expect(_step_label(page, 0)).to_be_visible()
    wait_ready(page)
    _no_error(page)
    for i in (1, 2, 3):
        page.get_by_role("button", name="Next token").click()
        expect(_step_label(page, i)).to_be_visible(timeout=STEP_MS)
        wait_ready(page)
    _no_error(page)
    expect(page.locator(".js-plotly-plot")).to_have_count(6, timeout=30_000)  # 4 grids, KL, bytes
    page.get_by_role("button", name="Run the paged demo on the model").click()
    expect(page.locator(".js-plotly-plot")).to_have_count(7, timeout=STEP_MS)  # + the block tables
    expect(page.get_by_text(re.compile(r"^Shared prefix: \d+ tokens found in the pool"))).to_be_visible()
    wait_ready(page)
    _no_error(page)
    page.wait_for_timeout(1000)
    full_screenshot(page, ARTIFACTS / "lab.png")
    full_screenshot(page, ROOT / "docs" / "screenshot-lab.png")
    _no_error(page)
