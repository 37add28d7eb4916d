"""The explainer's link: read once when a visitor arrives, written as they step, shown for copying;
and the preset scenario cards. The codec itself (what a link may hold) is kvviz/ui/url_state.py.

The URL is shared with other parts of the app: `lang` (the language picker), `present` and
`follow` (presenter and follow modes). Only url_state.OWNED keys are ever written or removed here.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from kvviz import presets
from kvviz.text import t
from kvviz.ui import url_state
from kvviz.ui.state import (
    W_DECODING,
    W_MAX_NEW,
    W_MODEL,
    W_MODEL_OTHER,
    W_PROMPT,
    W_SEED,
    W_TEMPERATURE,
    W_TOP_K,
    W_TOP_P,
    Note,
    learn,
)
from kvviz.ui.url_state import ShareState

# Parameters of other modes that a link for someone else should not carry.
NOT_SHARED = ("present", "follow", "lead")


def _params() -> dict[str, str]:
    return st.query_params.to_dict()


def read_link(models, views, allow_other: bool) -> None:
    """On a visitor's first run, take the state their URL holds (if any) as the run to open.
    Problems (ignored parameters) are kept to show once the page is drawn."""
    if learn.link_read:
        return
    learn.link_read = True
    state, problems = url_state.decode(_params(), models=models, views=views, allow_other=allow_other,
                                       scenarios=presets.explainer_scenarios())
    learn.link_problems = [Note(p.key, {"param": p.param}) for p in problems]
    if state is not None:
        learn.pending_link = state


def apply_to_widgets(state: ShareState) -> None:
    """Put a link's settings into the sidebar's widgets (only before they are drawn in a run)."""
    ss = st.session_state
    ss[W_MODEL] = state.model
    ss[W_MODEL_OTHER] = state.name
    ss[W_PROMPT] = state.prompt
    ss[W_MAX_NEW] = state.max_new
    ss[W_DECODING] = state.decoding
    ss[W_TEMPERATURE] = state.temperature
    ss[W_TOP_K] = state.top_k
    ss[W_TOP_P] = state.top_p
    ss[W_SEED] = state.seed


def show_problems() -> None:
    """What the link ignored, once, as text."""
    notes = learn.link_problems
    if notes:
        lines = [t("share.url.intro")] + ["- " + n.text() for n in notes]
        st.warning("\n".join(lines), icon=":material/link_off:")
        learn.link_problems = []


def current_state(view: int, open_view: str | None) -> ShareState | None:
    """The link state of the run on screen, or None where a link cannot hold it: a saved file, or a
    prompt longer than a link may carry (that is not a scenario's)."""
    if learn.is_replay or learn.run_settings is None:
        return None
    scenario = learn.scenario
    spec = presets.explainer_scenarios().get(scenario) if scenario else None
    if spec is not None and spec.get("prompt") != learn.run_settings.get("prompt"):
        scenario = None
    if scenario is None and len(str(learn.run_settings.get("prompt", ""))) > url_state.MAX_PROMPT_CHARS:
        return None
    return url_state.state_of(learn.run_settings, view, open_view, scenario)


def write_url(state: ShareState | None) -> None:
    """Make the address bar hold `state`: only our parameters change, and only when they differ."""
    current = _params()
    wanted = url_state.encode(state, presets.explainer_scenarios()) if state is not None else {}
    for key in url_state.OWNED:
        if key in current and key not in wanted:
            del st.query_params[key]
    for key, value in wanted.items():
        if current.get(key) != value:
            st.query_params[key] = value


def link_for(state: ShareState) -> str:
    """The full link to `state` for someone else: this page's address, our parameters, `lang` kept."""
    base = st.context.url or ""
    others = {k: v for k, v in _params().items() if k not in NOT_SHARED}
    params = url_state.merged(others, url_state.encode(state, presets.explainer_scenarios()))
    return f"{base}?{url_state.query_string(params)}"


def link_box(state: ShareState | None) -> None:
    """A popover with the link in a code box (Streamlit's code box has its own copy button)."""
    with st.popover(t("share.link"), icon=":material/link:", width="stretch"):
        if state is None:
            st.caption(t("share.link_none", chars=url_state.MAX_PROMPT_CHARS))
            return
        st.caption(t("share.link_help"))
        st.code(link_for(state), language=None, wrap_lines=True)


# --- preset scenario cards --------------------------------------------------------------------------


def _open_scenario(scenario_id: str) -> None:
    """Card callback (runs before the page): the explainer opens the scenario's run on this rerun."""
    settings = presets.explainer_scenarios()[scenario_id]
    state = ShareState(**settings, scenario=scenario_id)
    apply_to_widgets(state)
    learn.pending_link = state
    learn.error = None


def _page(url_path: str):
    """A page by its url_path, for st.page_link (a page's identity is the hash of its url_path)."""
    from kvviz.ui.pages import lab, plan

    render = {"planner": plan.render, "lab": lab.render}[url_path]
    return st.Page(render, url_path=url_path)


def scenario_cards(where=None) -> None:
    """One card per scenario: a title, one sentence, and a button (or a link to the page it opens)."""
    where = where or st.sidebar
    where.subheader(t("share.scenarios"))
    lang = _params().get("lang")
    for sc in presets.scenarios():
        card = where.container(border=True)
        card.markdown(f"**{t(sc.title_key)}**  \n{t(sc.sentence_key)}")
        if sc.page == "explainer":
            card.button(t("share.scenario.open"), key=f"scenario_{sc.id}", on_click=_open_scenario, args=(sc.id,),
                        icon=":material/play_circle:", width="stretch")
        else:
            query: Mapping[str, str] = dict(sc.settings, **({"lang": lang} if lang else {}))
            card.page_link(_page(sc.page), label=t("share.scenario.open"), query_params=query,
                           icon=":material/open_in_new:", width="stretch")
