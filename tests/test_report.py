"""Export: the charts' Plotly config, the tables as CSV and the one-page HTML report.

The report is checked as data, not wording: it carries the three answers' figures, plotly.js inline
(no script fetched from anywhere), one table row per step, and a hostile prompt, token and model
name only as escaped text. The page drawn in a real browser is in test_report_browser.py.
"""

from __future__ import annotations

import copy
import csv
import io
from html import escape
from html.parser import HTMLParser

import pytest
from tiny_models import tiny_loaded

from kvviz.analysis import answers as explain
from kvviz.analysis import ledger
from kvviz.charts.export_config import FORMATS, chart_config
from kvviz.engine.tracer import Tracer
from kvviz.errors import KvvizError
from kvviz.report.html import CHART_IDS, HTML_STEP_COLUMNS, report_html
from kvviz.report.tables import LAYER_COLUMNS, STEP_COLUMNS, layer_csv, layer_rows, step_csv, step_rows
from kvviz.text import answers as say
from kvviz.text import t
from kvviz.units import fmt_bytes, fmt_flops

HOSTILE = '</script><img src=x onerror="window.__pwned=1"><b>bold</b>'
PROMPT = HOSTILE + " the cache grows"
STEPS = 5


@pytest.fixture(scope="module")
def trace():
    """A real run on a tiny model whose prompt, model name and one generated token are hostile."""
    tr = Tracer(tiny_loaded("llama"), PROMPT, STEPS, compare=True).run()
    tr = copy.deepcopy(tr)
    tr.model.name = HOSTILE
    s = tr.steps[2]
    s.token_text, s.token_bytes = HOSTILE, HOSTILE.encode().hex()
    return tr


@pytest.fixture(scope="module")
def page(trace):
    return report_html(trace)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the rows of each table by id."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.rows: dict[str, int] = {}
        self._table = None
        self._body = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self._table = a.get("id")
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body and self._table:
            self.rows[self._table] = self.rows.get(self._table, 0) + 1

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        self.text.append(data)


def _parse(doc: str) -> Tags:
    p = Tags()
    p.feed(doc)
    return p


# --- the charts' config ------------------------------------------------------------------------


def test_chart_config_sets_the_modebar_image_export():
    c = chart_config("cache_map")
    assert c["displaylogo"] is False
    opts = c["toImageButtonOptions"]
    assert set(opts) == {"format", "filename", "scale"}
    assert opts == {"format": "png", "filename": "kvviz-cache_map", "scale": 2}
    svg = chart_config("work_split", "svg")["toImageButtonOptions"]
    assert (svg["format"], svg["filename"], svg["scale"]) == ("svg", "kvviz-work_split", 1)
    assert FORMATS == ("png", "svg")


def test_chart_config_refuses_odd_formats_and_file_names():
    assert chart_config("x", "exe")["toImageButtonOptions"]["format"] == "png"
    assert chart_config("../../etc/passwd <b>")["toImageButtonOptions"]["filename"] == "kvviz-etc-passwd-b"
    assert chart_config("")["toImageButtonOptions"]["filename"] == "kvviz-chart"


# --- the tables --------------------------------------------------------------------------------


def test_step_rows_are_the_runs_figures(trace):
    rows = step_rows(trace)
    run = ledger.split_trace(trace)
    assert len(rows) == len(trace.steps) == STEPS
    assert set(rows[0]) == set(STEP_COLUMNS)
    for r, s, sp in zip(rows, trace.steps, run.steps):
        assert (r["step"], r["phase"], r["context_length"], r["cache_bytes"]) == (
            s.index, s.phase, s.context_length, s.cache_bytes)
        assert (r["cached_flops"], r["recompute_flops"]) == (s.flops["cached"]["total"], s.flops["recompute"]["total"])
        assert r["ratio"] == pytest.approx(sp.cum_cached / sp.cum_recompute)
        assert (r["time_ms"], r["other_time_ms"]) == (s.time_ms, s.other_time_ms)
    assert rows[2]["token"] == HOSTILE
    assert rows[0]["ratio"] == 1.0 and rows[-1]["ratio"] < 1.0  # the prefill costs the same; decode saves


def test_step_csv_parses_with_one_row_per_step_and_raw_numbers(trace):
    table = list(csv.reader(io.StringIO(step_csv(trace))))
    assert table[0] == [t(f"report.col.{c}") for c in STEP_COLUMNS]
    body = table[1:]
    assert len(body) == len(trace.steps)
    col = {c: i for i, c in enumerate(STEP_COLUMNS)}
    for row, s in zip(body, trace.steps):
        assert len(row) == len(STEP_COLUMNS)
        assert int(row[col["cache_bytes"]]) == s.cache_bytes
        assert int(row[col["cached_flops"]]) == s.flops["cached"]["total"]
        assert int(row[col["recompute_flops"]]) == s.flops["recompute"]["total"]
        assert float(row[col["time_ms"]]) == s.time_ms
    assert body[2][col["token"]] == HOSTILE  # text, quoted by csv where needed, never altered


def test_csv_text_that_a_spreadsheet_would_run_is_quoted(trace):
    tr = copy.deepcopy(trace)
    s = tr.steps[1]
    s.token_text, s.token_bytes = "=HYPERLINK(\"x\")", b'=HYPERLINK("x")'.hex()
    row = list(csv.reader(io.StringIO(step_csv(tr))))[2]
    assert row[STEP_COLUMNS.index("token")] == "'=HYPERLINK(\"x\")"


def test_layer_csv_is_the_real_cache_after_the_step(trace):
    for view in (0, -1):
        step = trace.steps[view]
        rows = layer_rows(trace, view)
        assert len(rows) == trace.model.num_layers == len(step.cache_layers)
        assert [r["bytes"] for r in rows] == [c.bytes for c in step.cache_layers]
        assert sum(r["bytes"] for r in rows) == step.cache_bytes
        assert [r["positions"] for r in rows] == [step.context_length] * len(rows)  # full cache: every position
        table = list(csv.reader(io.StringIO(layer_csv(trace, view))))
        assert table[0] == [t(f"report.col.{c}") for c in LAYER_COLUMNS]
        assert [int(r[-1]) for r in table[1:]] == [c.bytes for c in step.cache_layers]


# --- the HTML report ---------------------------------------------------------------------------


def test_report_carries_the_three_answers_and_their_figures(trace, page):
    for a in explain.answers(trace):
        assert escape(say.question(a.key)) in page
        assert escape(say.headline(a)) in page
        for line in say.lines(a):
            assert escape(line) in page
    att, mlp, hid = (a.evidence for a in explain.answers(trace))
    for figure in (fmt_flops(att["kv_proj_cached"]), fmt_flops(att["kv_proj_recompute"]),
                   fmt_bytes(att["reused_kv_bytes"]), fmt_flops(mlp["mlp_recompute"]), fmt_bytes(hid["bytes_cached"])):
        assert figure in page
    assert escape(say.run_summary(trace)) in page


def test_report_embeds_plotlyjs_and_fetches_nothing(page):
    tags = _parse(page).tags
    scripts = [a for tag, a in tags if tag == "script"]
    assert scripts and all("src" not in a for a in scripts)  # no script is loaded from anywhere
    assert not [a for tag, a in tags if tag in ("link", "img", "iframe")]
    assert page.count("Plotly.newPlot(") == len(CHART_IDS) == 3
    for name in CHART_IDS:
        assert f'id="chart-{name}"' in page
    head = page[: page.index("</head>")]
    assert "plotly.js v" in head and len(head) > 1_000_000  # the library itself, once, in the head
    assert page.count("plotly.js v") == 1
    assert "toImageButtonOptions" in page and "kvviz-work_split" in page


def test_report_shows_hostile_text_only_as_text(trace, page):
    assert HOSTILE not in page  # neither raw in the HTML nor inside a <script>
    assert "</script><img" not in page
    p = _parse(page)
    assert not [a for tag, a in p.tags if tag in ("img", "b")]
    assert not [a for _, a in p.tags if any(k.startswith("on") for k in a)]
    text = "".join(p.text)
    assert PROMPT in text  # the decoded text, as text
    assert t("report.title", model=HOSTILE) in text
    assert escape(repr(HOSTILE)) in page  # the generated token in the step table
    assert page.count("<script") == 1 + len(CHART_IDS)


def test_report_has_one_table_row_per_step(trace, page):
    p = _parse(page)
    assert p.rows["steps"] == len(trace.steps)
    assert p.rows["layers"] == trace.model.num_layers
    start = page.index('<table id="steps">')
    table = page[start: page.index("</table>", start)]
    assert table.count("<th>") == len(HTML_STEP_COLUMNS) and table.count("<td") == len(trace.steps) * len(
        HTML_STEP_COLUMNS)
    for s in trace.steps:
        assert f'title="{s.cache_bytes:,}"' in page


def test_report_stops_at_the_step_on_screen(trace):
    doc = report_html(trace, 2)
    assert _parse(doc).rows["steps"] == 3
    cut = copy.deepcopy(trace)
    cut.steps = cut.steps[:3]
    for a in explain.answers(cut):
        assert escape(say.headline(a)) in doc
    assert _parse(report_html(trace, -1)).rows["steps"] == len(trace.steps)


def test_report_of_an_empty_run_is_a_clear_error(trace):
    empty = copy.deepcopy(trace)
    empty.steps = []
    with pytest.raises(KvvizError):
        report_html(empty)
    with pytest.raises(KvvizError):
        report_html(trace, len(trace.steps))


@pytest.mark.slow
def test_explain_cli_writes_the_report(tmp_path, capsys):
    from kvviz.cli.main import main

    out = tmp_path / "out.html"
    assert main(["explain", "--prompt", "Lionel Messi is a", "--max-new-tokens", "3", "--report", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    doc = out.read_text(encoding="utf-8")
    assert _parse(doc).rows["steps"] == 3
    assert "Lionel Messi is a" in doc and doc.count("Plotly.newPlot(") == 3


def test_explain_cli_refuses_an_unwritable_report_before_loading(tmp_path, capsys, monkeypatch):
    from kvviz.cli import main as cli
    from kvviz.engine import models

    monkeypatch.setattr(models, "load_model", lambda *a, **k: pytest.fail("loaded the model"))
    assert cli.main(["explain", "--report", str(tmp_path / "no" / "such" / "out.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
