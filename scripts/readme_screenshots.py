"""The README's screenshots of the explainer, taken from a real server in headless Chromium.

    .venv/bin/python scripts/readme_screenshots.py          # writes docs/screenshot-*.png

Each shot is a link (kvviz/ui/url_state.py), so what it shows can be reopened in a browser: the
first view after one click at 1280x800, a long run's cache view, presenter mode, and the page in
Chinese after five steps on "梅西是一名".
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_util import READY, full_screenshot, launch, served, wait_ready  # noqa: E402

DOCS = ROOT / "docs"
SHOTS = [  # (file, link, viewport, full page)
    ("screenshot-first-view.png", "/?step=2", (1280, 800), False),
    ("screenshot-long.png", "/?scenario=long_context&step=15&view=cache", (1280, 1000), True),
    ("screenshot-presenter.png", "/?present=1&max_new=14&step=5", (1280, 800), False),
    ("screenshot-zh.png", f"/?lang=zh&prompt={quote('梅西是一名')}&step=5", (1400, 900), True),
]


def settle(page, tries: int = 60) -> None:
    """Ready with no placeholder left, and still so after Plotly has drawn: a link that runs several
    steps has idle moments between them, with the page half drawn."""
    for _ in range(tries):
        wait_ready(page, timeout=300_000)
        page.wait_for_timeout(1500)  # Plotly draws after the script ends
        if page.locator(READY).count() and not page.locator('[data-testid="stSkeleton"]').count():
            return


def main() -> None:
    from playwright.sync_api import sync_playwright

    with served(ROOT / "app.py") as server, sync_playwright() as p:
        browser = launch(p)
        try:
            for name, link, (w, h), full in SHOTS:
                context = browser.new_context(viewport={"width": w, "height": h})
                page = context.new_page()
                page.goto(server.url + link)
                settle(page)
                if full:
                    full_screenshot(page, DOCS / name)
                else:
                    page.screenshot(path=str(DOCS / name))
                print(DOCS / name)
                context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
