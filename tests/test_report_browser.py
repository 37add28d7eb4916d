"""Export in a real browser (Debian's Chromium via Playwright):

- the HTML report opened from disk (file://) with the network off draws its three charts, requests
  nothing, logs no error, and shows a hostile prompt/token/model name as text (no tag, no handler run);
- a chart's camera button saves PNG or SVG as the export config says, and st.dataframe's own toolbar
  offers "Download as CSV" under the app's .streamlit/config.toml (toolbarMode = "minimal").
"""

from __future__ import annotations

import copy
import csv
import io
import textwrap

import pytest
from browser_util import ARTIFACTS, ROOT, missing_browser_reason, served, wait_ready

from kvviz.text import t

_reason = missing_browser_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(_reason is not None, reason=_reason or "")]

if _reason is None:
    pass

HOSTILE = '</script><img src=x onerror="window.__pwned=1"><b id="pwned">bold</b>'


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    from tiny_models import tiny_loaded

    from kvviz.engine.tracer import Tracer
    from kvviz.report.html import report_html

    tr = copy.deepcopy(Tracer(tiny_loaded("llama"), HOSTILE + " the cache grows", 4, compare=True).run())
    tr.model.name = HOSTILE
    tr.steps[1].token_text, tr.steps[1].token_bytes = HOSTILE, HOSTILE.encode().hex()
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(report_html(tr), encoding="utf-8")
    return path, tr


def test_report_opens_offline_and_draws_its_charts(browser, report_file):
    path, tr = report_file
    context = browser.new_context(viewport={"width": 1280, "height": 800}, offline=True)
    page = context.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri())
        page.locator(".js-plotly-plot .main-svg").nth(2).wait_for(timeout=60_000)
        plots = page.locator(".js-plotly-plot")
        assert plots.count() == 3
        traces = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(el => el.data.length)")
        assert traces == [1, 3, 2]  # cache bytes; fresh + recomputed + reused; the two running totals
        points = page.evaluate("() => document.querySelector('#chart-cache_bytes').data[0].y")
        assert points == [s.cache_bytes for s in tr.steps]  # the run's bytes, drawn
        assert page.locator("#chart-work_split .barlayer .point").count() == 3 * len(tr.steps)
        assert page.locator("table#steps tbody tr").count() == len(tr.steps)
        # hostile text: shown as text, no element made from it, its handler never ran
        assert HOSTILE in page.locator("#text").inner_text()
        assert page.locator("img, #pwned").count() == 0
        assert page.evaluate("() => window.__pwned") is None
        assert page.title().startswith("KV cache report") and HOSTILE in page.title()
        assert errors == []
        assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-offline.png"), full_page=True)
    finally:
        context.close()


PROBE = textwrap.dedent(
    """
    import plotly.graph_objects as go
    import streamlit as st

    from kvviz.charts.export_config import chart_config

    fmt = st.query_params.get("fmt", "png")
    st.plotly_chart(go.Figure(go.Bar(x=[1, 2], y=[3, 4])), config=chart_config("probe", fmt), key="probe")
    st.dataframe([{"a": 1, "b": 2}, {"a": 3, "b": 4}], hide_index=True)
    """
)


SAVE_DIALOG = """
window.showSaveFilePicker = async (options) => ({
  createWritable: async () => {
    const parts = [];
    return {
      write: async (data) => { parts.push(typeof data === "string" ? data : new TextDecoder().decode(data)); },
      close: async () => { window.__saved = [options.suggestedName, parts.join("")]; },
    };
  },
});
"""


def test_camera_saves_png_or_svg_and_tables_download_as_csv(browser, tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    # cwd=ROOT: the app's own .streamlit/config.toml (toolbarMode = "minimal") applies
    with served(script, cwd=ROOT, log=tmp_path / "server.log") as server:
        context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
        # The table's CSV goes through the File System Access API (a save dialog a headless browser
        # cannot answer): a stub dialog keeps what the page writes.
        context.add_init_script(SAVE_DIALOG)
        page = context.new_page()
        try:
            for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<svg")):
                page.goto(f"{server.url}/?fmt={fmt}")
                page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
                wait_ready(page)
                page.locator('[data-testid="stPlotlyChart"]').first.hover()
                camera = page.locator('.modebar-btn[data-title^="Download plot"]').first
                with page.expect_download(timeout=30_000) as got:
                    camera.click()
                download = got.value
                assert download.suggested_filename == f"kvviz-probe.{fmt}"
                with open(download.path(), "rb") as f:
                    assert f.read(64).startswith(magic)
            table = page.locator('[data-testid="stDataFrame"]').first
            table.hover()
            csv_button = page.get_by_role("button", name="Download as CSV")
            csv_button.wait_for(state="visible", timeout=10_000)
            csv_button.click()  # Chromium's save dialog stands in for the stub below
            page.wait_for_function("() => window.__saved !== undefined", timeout=30_000)
            name, text = page.evaluate("() => window.__saved")
            assert name.endswith(".csv")
            assert text.lstrip("\ufeff").split() == ["a,b", "1,2", "3,4"]
        finally:
            context.close()


EXPORTS = textwrap.dedent(
    """
    import os

    from kvviz.trace_data import Trace
    from kvviz.ui.export import show_exports

    with open(os.environ["KVVIZ_EXPORT_TRACE"], encoding="utf-8") as f:
        trace = Trace.from_json(f.read())
    show_exports(trace, 2)
    """
)


def test_export_buttons_download_the_report_and_the_tables(browser, report_file, tmp_path, monkeypatch):
    """The files are built on Streamlit's download thread when clicked: they arrive whole, cut at the step."""
    from kvviz.report.tables import STEP_COLUMNS

    _, tr = report_file
    trace_path = tmp_path / "trace.json"
    trace_path.write_text(tr.to_json(), encoding="utf-8")
    script = tmp_path / "exports.py"
    script.write_text(EXPORTS, encoding="utf-8")
    monkeypatch.setenv("KVVIZ_EXPORT_TRACE", str(trace_path))  # the server inherits it
    with served(script, cwd=ROOT, log=tmp_path / "server.log") as server:
        context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
        page = context.new_page()
        try:
            page.goto(server.url)
            button = page.get_by_role("button", name=t("report.ui.html"))
            button.wait_for(timeout=60_000)
            wait_ready(page)
            files = {}
            for label in ("report.ui.html", "report.ui.steps_csv", "report.ui.layers_csv"):
                with page.expect_download(timeout=60_000) as got:
                    page.get_by_role("button", name=t(label)).click()
                with open(got.value.path(), encoding="utf-8") as f:
                    files[got.value.suggested_filename] = f.read()
            assert sorted(files) == ["kvviz-cache-layers.csv", "kvviz-report.html", "kvviz-steps.csv"]
            report = files["kvviz-report.html"]
            assert report.count("Plotly.newPlot(") == 3 and HOSTILE not in report
            assert report.count("<tr><td>") == 3 + tr.model.num_layers  # steps 0-2, then the layers
            steps = list(csv.reader(io.StringIO(files["kvviz-steps.csv"])))
            assert len(steps) == 1 + 3 and len(steps[0]) == len(STEP_COLUMNS)
            assert [int(r[STEP_COLUMNS.index("cache_bytes")]) for r in steps[1:]] == [
                s.cache_bytes for s in tr.steps[:3]]
            layers = list(csv.reader(io.StringIO(files["kvviz-cache-layers.csv"])))
            assert [int(r[-1]) for r in layers[1:]] == [c.bytes for c in tr.steps[2].cache_layers]
        finally:
            context.close()
