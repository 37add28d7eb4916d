"""The run as one self-contained HTML page: model and settings, decoded text, the three answers,
the key charts and the step table. It carries plotly.js inline, so it opens with no network.

    page = report_html(trace, view)     # str; steps 0..view (default: all), as on the Learn page

Safety: every string that comes from the visitor or a trace file (prompt, tokens, model name,
dtype, settings) goes through html.escape; figure data is embedded by Plotly's own JSON encoder,
which writes <, > and / as \\u escapes, so nothing in a trace can close a <script> or open a tag.
Numbers are written by kvviz.units, words come from kvviz.text ("report.*", "answers.*").
"""

from __future__ import annotations

import json
from dataclasses import replace
from html import escape

import plotly.graph_objects as go

from kvviz.analysis import answers as explain
from kvviz.analysis import ledger
from kvviz.charts import trace as charts
from kvviz.charts.export_config import chart_config
from kvviz.errors import KvvizError
from kvviz.report.tables import LAYER_COLUMNS, STEP_COLUMNS, headers, layer_rows, step_rows
from kvviz.text import answers as say
from kvviz.text import language, t
from kvviz.trace_data import Trace
from kvviz.units import fmt_bytes, fmt_flops

# The step table as the report shows it: the step's label already says prefill or decode.
HTML_STEP_COLUMNS = tuple(c for c in STEP_COLUMNS if c != "phase")
CHART_IDS = ("cache_bytes", "work_split", "running")  # the report's charts, by the app's chart keys
FINISH_REASONS = ("eos", "max_new_tokens", "context")

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px; margin: 2rem auto;
       padding: 0 1rem; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2rem; }
.sub, footer { color: #57606a; font-size: 0.92rem; }
dl.model { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1.2rem; }
dl.model dt { font-weight: 600; }
dl.model dd { margin: 0; }
pre.text { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 0.8rem; border-radius: 6px; }
section.answer { border: 1px solid #d0d7de; border-radius: 6px; padding: 0.4rem 1rem; margin: 0.8rem 0; }
section.answer h3 { font-size: 1.05rem; }
.chart { margin: 1rem 0; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f6f8fa; }
td.text { text-align: left; font-family: ui-monospace, monospace; }
""".strip()


def _steps_shown(trace: Trace, view: int | None) -> Trace:
    """The trace cut after step `view` (None: every step), as the Learn page shows it at that step."""
    if not trace.steps:
        raise KvvizError(t("report.error.no_steps"))
    n = len(trace.steps)
    last = n - 1 if view is None else (view if view >= 0 else n + view)
    if not 0 <= last < n:
        raise KvvizError(t("report.error.no_steps"))
    return replace(trace, steps=trace.steps[: last + 1])


def _model_section(trace: Trace) -> str:
    info = trace.model
    finish = trace.finish_reason
    if finish is None:
        stopped = t("report.model.running")
    else:
        stopped = t(f"report.finish.{finish}") if finish in FINISH_REASONS else str(finish)
    verified = (t("report.model.verified_yes", worst=f"{info.verify_worst_rel or 0:.1e}") if info.verified
                else t("report.model.verified_no"))
    settings = ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in trace.settings.items())
    rows = [
        ("report.model.name", info.name),
        ("report.model.architecture", info.architecture),
        ("report.model.shape", t("report.model.shape_value", layers=info.num_layers, heads=info.num_attention_heads,
                                 kv_heads=info.num_key_value_heads, head_dim=info.head_dim,
                                 hidden=info.hidden_size)),
        ("report.model.dtype", info.dtype),
        ("report.model.mode", t(f"mode.{trace.mode}") if trace.mode in ledger.MODES else trace.mode),
        ("report.model.prompt", t("report.model.prompt_value", tokens=len(trace.prompt_token_ids))),
        ("report.model.finish", stopped),
        ("report.model.verified", verified),
        ("report.model.settings", settings),
    ]
    items = "".join(f"<dt>{escape(t(k))}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    return f'<h2>{escape(t("report.section.model"))}</h2>\n<dl class="model">{items}</dl>'


def _answers_section(trace: Trace) -> str:
    parts = [f'<h2>{escape(t("report.section.answers"))}</h2>', f'<p>{escape(t("report.answers_intro"))}</p>']
    for i, a in enumerate(explain.answers(trace), 1):
        lines = "".join(f"<li>{escape(line)}</li>" for line in say.lines(a))
        parts.append(f'<section class="answer" id="answer-{a.key}"><h3>{i}. {escape(say.question(a.key))}</h3>'
                     f"<p>{escape(say.headline(a))}</p><ul>{lines}</ul></section>")
    parts.append(f'<p class="summary">{escape(say.run_summary(trace))}</p>')
    return "\n".join(parts)


def _figure_html(fig, name: str) -> str:
    """One chart as a <div> and the script that draws it; plotly.js itself is in the page's head."""
    # The same look whether Streamlit set its theme or not. The shared figures are built without
    # validation (kvviz.charts.shared): validate this copy so its template becomes a real one.
    fig = go.Figure(fig.to_dict())
    fig.update_layout(template="plotly_white")
    height = fig.layout.height or 450
    config = {**chart_config(name), "responsive": True}
    body = fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False, config=config,
                       div_id=f"chart-{name}", default_width="100%", default_height=f"{height}px")
    return f'<div class="chart">{body}</div>'


def _charts_section(trace: Trace) -> str:
    view = len(trace.steps) - 1
    run = ledger.split_trace(trace)
    figs = {
        "cache_bytes": charts.cache_bytes_figure(trace, view),
        "work_split": charts.work_split_figure(run, view),
        "running": charts.running_totals_figure(run, view),
    }
    return f'<h2>{escape(t("report.section.charts"))}</h2>\n' + "\n".join(
        _figure_html(figs[name], name) for name in CHART_IDS)


def _head_row(columns: tuple[str, ...]) -> str:
    return "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers(columns)) + "</tr></thead>"


def _steps_section(trace: Trace) -> str:
    cells = []
    for s, r in zip(trace.steps, step_rows(trace)):
        other = "" if r["other_time_ms"] is None else f"{r['other_time_ms']:.1f}"
        cells.append(
            f'<tr><td>{escape(charts.step_label(s))}</td>'
            f'<td class="text">{escape(repr(r["token"]))}</td><td>{r["context_length"]:,}</td>'
            f'<td title="{r["cache_bytes"]:,}">{escape(fmt_bytes(r["cache_bytes"]))}</td>'
            f'<td title="{r["cached_flops"]:,}">{escape(fmt_flops(r["cached_flops"]))}</td>'
            f'<td title="{r["recompute_flops"]:,}">{escape(fmt_flops(r["recompute_flops"]))}</td>'
            f'<td>{r["ratio"]:.1%}</td><td>{r["time_ms"]:.1f}</td><td>{other}</td></tr>'
        )
    return (f'<h2>{escape(t("report.section.steps"))}</h2>\n<table id="steps">{_head_row(HTML_STEP_COLUMNS)}'
            f'<tbody>{"".join(cells)}</tbody></table>')


def _layers_section(trace: Trace) -> str:
    rows = layer_rows(trace)
    if not rows:
        return ""
    full = t("report.window_full")
    cells = "".join(
        f'<tr><td>{r["layer"]}</td><td class="text">{escape(str(r["key_shape"]))}</td>'
        f'<td class="text">{escape(str(r["value_shape"]))}</td><td>{full if r["window"] is None else r["window"]}</td>'
        f'<td>{"" if r["positions"] is None else r["positions"]}</td>'
        f'<td title="{r["bytes"]:,}">{escape(fmt_bytes(r["bytes"]))}</td></tr>'
        for r in rows
    )
    title = t("report.section.layers", step=charts.step_label(trace.steps[-1]))
    return (f'<h2>{escape(title)}</h2>\n<table id="layers">{_head_row(LAYER_COLUMNS)}'
            f"<tbody>{cells}</tbody></table>")


def plotly_js() -> str:
    """plotly.js, minified, as shipped with the plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def report_html(trace: Trace, view: int | None = None) -> str:
    """The report of `trace` up to step `view` (None: the whole run) as one HTML document."""
    shown = _steps_shown(trace, view)
    last = len(shown.steps) - 1
    title = t("report.title", model=shown.model.name)
    sub = t("report.subtitle", last=last, total=len(trace.steps), shown=len(shown.steps))
    body = "\n".join([
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(sub)}</p>',
        _model_section(shown),
        f'<h2>{escape(t("report.section.text"))}</h2>\n<pre class="text" id="text">{escape(shown.text)}</pre>',
        _answers_section(shown),
        _charts_section(shown),
        _steps_section(shown),
        _layers_section(shown),
        f'<footer><p>{escape(t("report.footer"))}</p></footer>',
    ])
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language())}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{STYLE}\n</style>\n"
        f'<script type="text/javascript">{plotly_js()}</script>\n</head>\n<body>\n{body}\n</body>\n</html>\n'
    )
