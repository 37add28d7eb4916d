"""The export controls in Streamlit's AppTest: the download buttons, the PNG/SVG choice and the config
every chart of a page is drawn with (the planner page here; it needs no model)."""

from __future__ import annotations

import json

import pytest

from kvviz.charts.export_config import chart_config
from kvviz.text import t

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def _planner():
    from kvviz.ui.pages import plan as planner_page

    planner_page.render()


def _exports(trace_path: str):
    from kvviz.trace_data import Trace
    from kvviz.ui.export import show_exports

    with open(trace_path, encoding="utf-8") as f:
        trace = Trace.from_json(f.read())
    show_exports(trace, 1)


def test_planner_charts_carry_the_export_config_and_follow_the_visitors_format():
    at = AppTest.from_function(_planner, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    configs = [json.loads(c.proto.config) for c in at.get("plotly_chart")]
    assert len(configs) >= 2
    names = {c["toImageButtonOptions"]["filename"] for c in configs}
    assert {"kvviz-planner_curve", "kvviz-planner_variants"} <= names
    assert all(c["toImageButtonOptions"]["format"] == "png" and c["displaylogo"] is False for c in configs)
    assert chart_config("planner_curve") in configs

    at.session_state["export_chart_format"] = "svg"  # what the PNG/SVG choice stores
    at.run()
    configs = [json.loads(c.proto.config) for c in at.get("plotly_chart")]
    assert {c["toImageButtonOptions"]["format"] for c in configs} == {"svg"}


@pytest.fixture(scope="module")
def trace_file(tmp_path_factory):
    from tiny_models import tiny_loaded

    from kvviz.engine.tracer import Tracer

    tr = Tracer(tiny_loaded("llama"), "hello there friend", 3, compare=False).run()
    path = tmp_path_factory.mktemp("export") / "trace.json"
    path.write_text(tr.to_json(), encoding="utf-8")
    return str(path)


def test_show_exports_draws_the_downloads_and_the_format_choice(trace_file):
    at = AppTest.from_function(_exports, args=(trace_file,), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t("report.ui.html"), t("report.ui.steps_csv"), t("report.ui.layers_csv")]
    radio = at.radio(key="w_export_chart_format")
    assert radio.value == "png"
    radio.set_value("svg").run()
    assert not at.exception
    assert at.session_state["export_chart_format"] == "svg"


def test_downloads_are_built_in_the_visitors_language_on_any_thread(monkeypatch):
    """Streamlit builds a deferred download on its own thread, where the language would be the default."""
    import threading

    from kvviz import text
    from kvviz.ui.export import _in_language

    monkeypatch.setattr(text, "LANGUAGES", ("en", "xx"))
    seen = []
    token = text._current.set("xx")  # this script run's visitor reads language "xx"
    try:
        make = _in_language(text.language)
    finally:
        text._current.reset(token)
    bare = threading.Thread(target=lambda: seen.append(text.language()))
    wrapped = threading.Thread(target=lambda: seen.append(make()))
    for th in (bare, wrapped):
        th.start()
        th.join()
    assert seen == ["en", "xx"]


# Pages whose charts the lead switches over on merge (other helpers are rewriting them); empty it then.
NOT_YET: set[str] = set()


def test_every_chart_of_the_app_is_drawn_with_the_export_config():
    """Every st.plotly_chart in kvviz/ui and app.py passes config=plotly_config(...): one place for the
    modebar's PNG/SVG export."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    missing = []
    for path in [root / "app.py", *sorted((root / "kvviz" / "ui").rglob("*.py"))]:
        if path.name in NOT_YET:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "plotly_chart":
                config = next((k.value for k in node.keywords if k.arg == "config"), None)
                if not (isinstance(config, ast.Call) and getattr(config.func, "id", None) == "plotly_config"):
                    missing.append(f"{path.relative_to(root)}:{node.lineno}")
    assert missing == []
