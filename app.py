"""Streamlit entry point: the visitor's language, then page navigation. Run: make run (or streamlit run app.py)."""

import streamlit as st

from kvviz.text import LANGUAGES, choose_language, language_name, t
from kvviz.ui.pages import lab as lab_page
from kvviz.ui.pages import learn as explainer_page
from kvviz.ui.pages import plan as planner_page
from kvviz.ui.pages import speed as speed_page
from kvviz.ui.state import apply_language
from kvviz.ui.turns import page_turn

W_LANG = "language_choice"  # the sidebar picker's widget key: holds a stable id ("en", "zh")


def visitor_language() -> str:
    """The one place the visitor's language is chosen: ?lang= in the URL wins (an unknown value gives
    English), then the choice already in their session (the picker's key), then the browser's language."""
    return choose_language(
        url=st.query_params.get("lang"),
        session=st.session_state.get(W_LANG),
        locale=st.context.locale,  # navigator.language, e.g. "zh-CN"
        accept_language=st.context.headers.get("Accept-Language"),
    )


def _on_pick() -> None:
    """The picker writes the URL (only its own parameter: the others hold the run's settings)."""
    st.query_params["lang"] = st.session_state[W_LANG]


# Per visitor, per script run: kvviz.text keeps it in a ContextVar, never in a process global.
lang = apply_language(visitor_language())
st.session_state[W_LANG] = lang  # the picker shows the language in force
if st.query_params.get("lang") != lang:
    st.query_params["lang"] = lang  # kept in the address: a shared link opens in the same language

st.set_page_config(page_title=t("learn.page_title"), page_icon="🧮", layout="wide")

pages = st.navigation(
    [
        st.Page(explainer_page.render, title=t("learn.nav"), url_path="explainer", default=True),
        st.Page(planner_page.render, title=t("planner.nav"), url_path="planner"),
        st.Page(speed_page.render, title=t("speed.nav"), url_path="speed"),
        st.Page(lab_page.render, title=t("lab.nav"), url_path="lab"),
    ]
)
st.sidebar.selectbox(t("language.picker"), LANGUAGES, key=W_LANG, format_func=language_name,
                     on_change=_on_pick, help=t("language.picker_help"))
with page_turn():  # pages take turns for this process (kvviz/ui/turns.py): a waiting page says "queued"
    pages.run()
