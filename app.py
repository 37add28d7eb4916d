"""Streamlit entry point: the visitor's language, then page navigation. Run: make run (or streamlit run app.py)."""

import streamlit as st

from kvviz.text import t
from kvviz.ui.pages import lab as lab_page
from kvviz.ui.pages import learn as explainer_page
from kvviz.ui.pages import plan as planner_page
from kvviz.ui.pages import speed as speed_page
from kvviz.ui.state import apply_language


def visitor_language() -> str | None:
    """The one place the visitor's language is chosen (issue 12: read ?lang= and the browser's
    language here, e.g. st.query_params.get("lang")). None keeps the language already in the
    visitor's session (English by default)."""
    return None


# Per visitor, per script run: kvviz.text keeps it in a ContextVar, never in a process global.
apply_language(visitor_language())

st.set_page_config(page_title=t("learn.page_title"), page_icon="🧮", layout="wide")

st.navigation(
    [
        st.Page(explainer_page.render, title=t("learn.nav"), url_path="explainer", default=True),
        st.Page(planner_page.render, title=t("planner.nav"), url_path="planner"),
        st.Page(speed_page.render, title=t("speed.nav"), url_path="speed"),
        st.Page(lab_page.render, title=t("lab.nav"), url_path="lab"),
    ]
).run()
