"""Streamlit entry point: page navigation only. Run: make run (or streamlit run app.py)."""

import streamlit as st

from kvviz.ui.pages import lab as lab_page
from kvviz.ui.pages import learn as explainer_page
from kvviz.ui.pages import plan as planner_page

st.set_page_config(page_title="kvviz: the KV cache, step by step", page_icon="🧮", layout="wide")

st.navigation(
    [
        st.Page(explainer_page.render, title="Step through generation", url_path="explainer", default=True),
        st.Page(planner_page.render, title="Capacity planner", url_path="planner"),
        st.Page(lab_page.render, title="Cache lab", url_path="lab"),
    ]
).run()
