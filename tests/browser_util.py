"""Helpers for the real-browser tests and the app benchmark: a Streamlit server in a subprocess,
Debian's Chromium driven by Playwright, and the waits that make Streamlit pages deterministic.

The facts behind these choices (launch flags, ready selectors, screenshot trick) are in
TESTING-UI.md at the project's shared notes.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STATUS = '[data-testid="stStatusWidget"]'
EXCEPTION = '[data-testid="stException"]'


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} not found (install it with scripts/install-browser.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -r requirements-dev.txt)"
    return None


def free_port() -> int:
    """A free local port: the first free one in KVVIZ_TEST_PORTS ("8600-8609") when set, else any."""
    lo, _, hi = os.environ.get("KVVIZ_TEST_PORTS", "0-0").partition("-")
    for port in range(int(lo), int(hi or lo) + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError(f"no free port in KVVIZ_TEST_PORTS={os.environ['KVVIZ_TEST_PORTS']}")


class Server:
    """`streamlit run SCRIPT` on a free port, stopped by stop() (only the process it started)."""

    def __init__(self, script: Path | str, cwd: Path | str = ROOT, log: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._log = open(log, "wb") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=str(cwd), env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_healthy(self, timeout: float = 60) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"streamlit not healthy on {self.url} after {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log is not subprocess.DEVNULL:
            self._log.close()


@contextmanager
def served(script: Path | str, cwd: Path | str = ROOT, log: Path | None = None):
    server = Server(script, cwd, log)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def launch(playwright, **kw):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **kw)


@contextmanager
def visitor(browser, width: int, height: int):
    """A fresh visitor (own context, hence own Streamlit session), with JS errors kept in page.js_errors."""
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    pg.js_errors = []
    pg.on("pageerror", lambda e: pg.js_errors.append(str(e)))
    try:
        yield pg
    finally:
        context.close()


def wait_ready(page, timeout: float = 120_000) -> None:
    """The script has finished and no status widget ("Running...") is shown."""
    page.locator(READY).wait_for(state="attached", timeout=timeout)
    page.locator(STATUS).wait_for(state="detached", timeout=timeout)


def metric(page, label: str):
    """The value element of the st.metric with this label."""
    return page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    ).locator('[data-testid="stMetricValue"]').first


def full_screenshot(page, path: Path) -> Path:
    """Streamlit scrolls inside stMain, so enlarge the viewport to the content first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    old = page.viewport_size
    height = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]');
            const side = document.querySelector('[data-testid="stSidebarContent"]');
            return Math.max(main ? main.scrollHeight : 0, side ? side.scrollHeight : 0,
                            document.documentElement.scrollHeight);
        }"""
    )
    page.set_viewport_size({"width": old["width"], "height": min(max(int(height) + 40, old["height"]), 12000)})
    page.wait_for_timeout(600)  # let Plotly relayout to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(old)
    return path


_UNITS = {"b": 1, "byte": 1, "bytes": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(text: str) -> float:
    """'323 kB', '315.00 KiB', '322,560 bytes' -> bytes, whatever units the page chooses."""
    number, unit = text.strip().replace(",", "").split()
    return float(number) * _UNITS[unit.lower()]


def shows_bytes(text: str, exact: int) -> bool:
    """The page's rounded figure agrees with the exact byte count (to its shown precision)."""
    return abs(parse_bytes(text) - exact) <= 0.01 * exact


def have_chromium() -> bool:
    return shutil.which(CHROMIUM) is not None
