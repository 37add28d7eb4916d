"""Presenter mode (`?present=1`): large type, no sidebar, keys for Next / Back / Play, and the step's
lesson in big print, for a projector.

The keys are Streamlit's own button shortcuts (st.button(shortcut=...), Streamlit 1.67): → next,
← back, P play/pause (Streamlit reserves C and R). The lesson is the explainer's own one-sentence lesson
(kvviz.analysis.lesson), in bigger type.
"""

from __future__ import annotations

import streamlit as st

from kvviz.text import t

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
    """The step's lesson in one sentence (the same sentence the explainer's overview shows)."""
    from kvviz.analysis import lesson as lessons
    from kvviz.text import lesson as say_lesson

    return say_lesson.sentence(lessons.step_lesson(trace, view))


def lesson_banner(trace, view: int) -> None:
    """The lesson in big print, and the keys, above the controls."""
    with st.container(key="kvviz-lesson"):  # class st-key-kvviz-lesson: the CSS above
        st.markdown(lesson(trace, view))  # numbers from the run and catalog words only: no visitor text
    st.caption(t("share.present.keys"))
