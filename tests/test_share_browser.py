"""Links and follow mode in a real browser: a link with a step opens that step and the address bar
follows the visitor; an attendee's page on another server (a second replica sharing
KVVIZ_ROOMS_DIR) advances when the instructor's page steps; presenter mode drawn as projected.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import browser_util
import pytest
from browser_util import ARTIFACTS, EXCEPTION, ROOT, full_screenshot, metric, missing_browser_reason, served
from browser_util import wait_ready as ready

from kvviz.text import t

_reason = missing_browser_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(_reason is not None, reason=_reason or "")]

if _reason is None:
    from playwright.sync_api import expect

STEP, CACHED = t("learn.metric.step"), t("learn.metric.cached")
PROMPT_TOKENS = 7  # "Lionel Messi is a" on the built-in model
LOAD_MS = 180_000  # first page: loads the model
STEP_MS = 60_000  # a click or a follow: forward passes on 2 shared cores
LINK = "prompt=Lionel%20Messi%20is%20a&max_new=10"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two replicas of the app (two processes, two ports) sharing one rooms directory."""
    rooms = tmp_path_factory.mktemp("rooms")
    logs = tmp_path_factory.mktemp("streamlit")
    old = os.environ.get("KVVIZ_ROOMS_DIR")
    os.environ["KVVIZ_ROOMS_DIR"] = str(rooms)
    try:
        with served(ROOT / "app.py", log=logs / "a.log") as a, served(ROOT / "app.py", log=logs / "b.log") as b:
            yield a.url, b.url
    finally:
        if old is None:
            os.environ.pop("KVVIZ_ROOMS_DIR", None)
        else:
            os.environ["KVVIZ_ROOMS_DIR"] = old


def _no_error(page) -> None:
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert not page.js_errors, page.js_errors


def _at_step(page, step: int) -> None:
    """The page shows decode step `step` (the cache then holds the prompt + step positions)."""
    expect(metric(page, STEP)).to_have_text(t("step.decode", index=step), timeout=STEP_MS)
    expect(metric(page, CACHED)).to_have_text(str(PROMPT_TOKENS + step), timeout=STEP_MS)


def test_a_link_with_a_step_opens_that_step_and_the_url_follows(browser, servers):
    a, _ = servers
    with browser_util.visitor(browser, 1280, 800) as page:
        page.goto(f"{a}/?{LINK}&step=5&view=cache&lang=en")
        expect(metric(page, STEP)).to_have_text(t("step.decode", index=5), timeout=LOAD_MS)
        _at_step(page, 5)
        ready(page)
        expect(page.get_by_role("tab", name=t("learn.tab.cache"))).to_have_attribute("aria-selected", "true")
        assert "step=5" in page.url and "lang=en" in page.url
        page.get_by_role("button", name=t("learn.next"), exact=True).click()
        _at_step(page, 6)
        expect(page).to_have_url(re.compile(r"[?&]step=6(&|$)"), timeout=STEP_MS)
        assert "lang=en" in page.url
        _no_error(page)


def test_an_attendee_on_another_replica_follows_the_instructor(browser, servers):
    a, b = servers
    with browser_util.visitor(browser, 1400, 900) as lead, browser_util.visitor(browser, 1280, 800) as attendee:
        lead.goto(f"{a}/?{LINK}&step=1")
        expect(metric(lead, STEP)).to_have_text(t("step.decode", index=1), timeout=LOAD_MS)
        ready(lead)
        lead.get_by_role("button", name=t("share.room.lead")).click()
        code = lead.locator('[data-testid="stCode"]').filter(has_text="follow=")
        expect(code).to_have_count(1, timeout=STEP_MS)
        link = code.inner_text().strip()
        room = re.search(r"follow=([A-Za-z0-9_-]{22})", link).group(1)
        assert urlsplit(link).netloc == urlsplit(a).netloc  # the instructor's own address
        # The attendee lands on the other replica.
        attendee.goto(f"{b}/?follow={room}")
        expect(metric(attendee, STEP)).to_have_text(t("step.decode", index=1), timeout=LOAD_MS)
        expect(attendee.get_by_role("button", name=t("learn.next"), exact=True)).to_have_count(0)  # read-only
        for step in (2, 3):
            lead.get_by_role("button", name=t("learn.next"), exact=True).click()
            _at_step(lead, step)
            _at_step(attendee, step)  # within a second or so of the instructor, with no click
        lead.get_by_role("button", name=t("learn.back"), exact=True).click()
        _at_step(lead, 2)
        _at_step(attendee, 2)
        ready(attendee)
        full_screenshot(attendee, ARTIFACTS / "follow-attendee.png")
        _no_error(lead)
        _no_error(attendee)


def test_presenter_mode_hides_the_sidebar_and_steps_with_the_keyboard(browser, servers):
    a, _ = servers
    with browser_util.visitor(browser, 1280, 800) as page:
        page.goto(f"{a}/?{LINK}&step=2&view=work&present=1")
        expect(metric(page, STEP)).to_have_text(t("step.decode", index=2), timeout=LOAD_MS)
        ready(page)
        expect(page.locator('section[data-testid="stSidebar"]')).to_be_hidden()
        lesson = page.locator(".st-key-kvviz-lesson p").first
        expect(lesson).to_be_visible()
        size = float(lesson.evaluate("el => getComputedStyle(el).fontSize").removesuffix("px"))
        assert size >= 30, size  # big print on a projector
        lesson.click()  # focus the page, not an input
        page.keyboard.press("ArrowRight")
        _at_step(page, 3)
        ready(page)
        page.keyboard.press("ArrowLeft")
        _at_step(page, 2)
        ready(page)
        page.screenshot(path=str(ARTIFACTS / "presenter.png"))
        _no_error(page)
