"""The source article on the explainer: named and linked, what it ran, and its GPT-2 beside the run's model.

Called from the questions tab (show_article). Numbers from kvviz.analysis.article, words from
kvviz.text.article; everything drawn as text (a model name may come from a visitor's folder).
"""

from __future__ import annotations

import streamlit as st

from kvviz.analysis.article import ARTICLE_TITLE, ARTICLE_URL, compare_trace
from kvviz.text import article as say
from kvviz.text import t
from kvviz.ui.markup import md_escape
from kvviz.ui.tables import shared_table

_ROW_PX = 35  # st.dataframe's default row height
_CUT = "\x00"  # where the link goes in the sentence that names the article


def named_markdown() -> str:
    """The sentence naming the article, escaped, with its URL as the one live link (our constant)."""
    before, _, after = t("article.named", title=ARTICLE_TITLE, url=_CUT).partition(_CUT)
    return f"{md_escape(before)}[{md_escape(ARTICLE_URL)}]({ARTICLE_URL}){md_escape(after)}"


def show_article(trace) -> None:
    """The block: heading, the article named and linked, what it ran, the side-by-side table."""
    c = compare_trace(trace)
    with st.container(border=True):
        st.markdown(f"**{md_escape(t('article.heading'))}**")
        st.markdown(named_markdown())
        st.markdown(md_escape(say.intro()[1]))
        st.caption(md_escape(say.caption(c)))
        table = shared_table("article", (c,), lambda: say.rows(c), say.header(c))
        st.dataframe(table, hide_index=True, width="stretch",
                     height=_ROW_PX * (len(table) + 1) + 3)  # every row shown, no inner scrolling
        st.caption(md_escape(say.ratio_line(c)))
