"""Presenter mode (`?present=1`): large type, no sidebar, keys for Next / Back / Play, and the step's
lesson in big print, for a projector.

The keys are Streamlit's own button shortcuts (st.button(shortcut=...), Streamlit 1.67): → next,
← back, P play/pause (Streamlit reserves C and R). The lesson comes from one function, lesson(), so
the page can switch to a better sentence in one place.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from kvviz.text import t
from kvviz.ui.markup import md_escape

PARAM = "present"
KEYS = {"next": "Right", "back": "Left", "play": "P"}

# Larger type everywhere, the sidebar and its toggle hidden. Only our own static CSS: no visitor text.
_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; max-width: 100%; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.45rem; }
[data-testid="stCaptionContainer"] p { font-size: 1.15rem; }
[data-testid="stMetricValue"] { font-size: 2.6rem; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem; }
button p { font-size: 1.3rem; }
[data-testid="stTab"] p { font-size: 1.3rem; }
.st-key-kvviz-lesson p { font-size: 2.3rem !important; font-weight: 600; line-height: 1.3; }
</style>
"""


def is_on() -> bool:
    return st.query_params.get(PARAM) == "1"


def style() -> None:
    """The presenter's CSS (call once per page run when is_on())."""
    st.html(_CSS)


def shortcut(button: str) -> str | None:
    """The key for one of the step buttons (next, back, play) in presenter mode, else None."""
    return KEYS.get(button) if is_on() else None


def lesson(trace, view: int) -> str:
    """The step's lesson in one sentence, as plain text (escaped where it is drawn).

    For now: the step's label and the first question's headline (what the cache saves, with this
    run's numbers). The one place to switch to kvviz.analysis.lesson when it lands."""
    from kvviz.analysis import answers as explain
    from kvviz.charts import trace as charts
    from kvviz.text import answers as say

    first = explain.answers(replace(trace, steps=trace.steps[: view + 1]))[0]
    return t("share.present.lesson", step=charts.step_label(trace.steps[view]), headline=say.headline(first))


def lesson_banner(trace, view: int) -> None:
    """The lesson in big print, and the keys, above the controls."""
    with st.container(key="kvviz-lesson"):  # class st-key-kvviz-lesson: the CSS above
        st.markdown(md_escape(lesson(trace, view)))
    st.caption(t("share.present.keys"))
