"""Take a run away: the HTML report and the tables as CSV (download buttons), and the visitor's choice of
image format for every chart's camera button (PNG or SVG).

    show_exports(trace, view)                        # in the Learn page's "Share & export" tab
    st.plotly_chart(fig, config=plotly_config("cache_map"))   # every chart of the app
    chart_format_setting()                           # the PNG / SVG choice (sidebar or export tab)

The files are built only when the visitor clicks (Streamlit runs the callable on its own thread,
hence the language is handed over explicitly). The trace JSON download stays where it is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from kvviz.charts.export_config import DEFAULT_FORMAT, FORMATS, chart_config
from kvviz.text import language, set_language, t

K_CHART_FORMAT = "export_chart_format"  # the visitor's choice, kept while the widget is not drawn
W_CHART_FORMAT = "w_export_chart_format"  # the widget (Streamlit drops a widget's key when it is not drawn)


def chart_format() -> str:
    """The image format this visitor chose for the charts' camera button ("png" by default)."""
    fmt = st.session_state.get(K_CHART_FORMAT, DEFAULT_FORMAT)
    return fmt if fmt in FORMATS else DEFAULT_FORMAT


def plotly_config(name: str) -> dict:
    """The config for st.plotly_chart(fig, config=...): export named after the chart, in the visitor's format."""
    return chart_config(name, chart_format())


def _remember_format() -> None:
    st.session_state[K_CHART_FORMAT] = st.session_state.get(W_CHART_FORMAT, DEFAULT_FORMAT)


def chart_format_setting() -> None:
    """PNG or SVG for every chart's camera button, for this visitor, on every page."""
    if W_CHART_FORMAT not in st.session_state:
        st.session_state[W_CHART_FORMAT] = chart_format()
    st.radio(t("report.ui.chart_format"), FORMATS, format_func=lambda f: t(f"report.ui.format.{f}"),
             horizontal=True, key=W_CHART_FORMAT, on_change=_remember_format, help=t("report.ui.chart_format_help"))


def _in_language(make: Callable[[], str]) -> Callable[[], str]:
    """`make`, run later on Streamlit's download thread, in the language of this script run."""
    lang = language()

    def run() -> str:
        set_language(lang)
        return make()

    return run


def show_exports(trace, view: int, format_choice: bool = True) -> None:
    """Download buttons for the run up to step `view`: the one-page HTML report and two CSV tables;
    then the PNG/SVG choice, unless the page draws it elsewhere (format_choice=False: one widget per key)."""
    from kvviz.report.html import report_html
    from kvviz.report.tables import layer_csv, step_csv

    # A copy of the step list as it is now: a live run may go on appending while a file is built.
    shown = replace(trace, steps=list(trace.steps[: view + 1]))
    st.caption(t("report.ui.intro"))
    row = st.container(horizontal=True)
    row.download_button(t("report.ui.html"), _in_language(lambda: report_html(shown)), file_name="kvviz-report.html",
                        mime="text/html", key="export_html", help=t("report.ui.html_help"), on_click="ignore",
                        icon=":material/description:")
    row.download_button(t("report.ui.steps_csv"), _in_language(lambda: step_csv(shown)), file_name="kvviz-steps.csv",
                        mime="text/csv", key="export_steps_csv", on_click="ignore", icon=":material/table:")
    row.download_button(t("report.ui.layers_csv"), _in_language(lambda: layer_csv(shown)),
                        file_name="kvviz-cache-layers.csv", mime="text/csv", key="export_layers_csv",
                        on_click="ignore", icon=":material/table:")
    if format_choice:
        chart_format_setting()
