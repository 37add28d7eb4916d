import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Many AppTest visitors in one process would count as a crowded room (the recompute pass skipped);
# tests that want a crowd make their own store (tests/test_room_page.py).
os.environ["KVVIZ_CROWD_VISITORS"] = "0"
sys.path.insert(0, os.path.dirname(__file__))

import pytest


@pytest.fixture(scope="session")
def builtin():
    """The real built-in model, loaded once for the whole run."""
    import kvviz

    return kvviz.load_model()


# The browser tests' shared fixtures: one app server and one headless Chromium per test module
# (Playwright imported only when a browser test asks for them).
@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from browser_util import ROOT, served

    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with served(ROOT / "app.py", log=log) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser():
    from browser_util import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
