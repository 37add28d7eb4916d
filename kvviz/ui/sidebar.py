"""The explainer's sidebar: the run's settings as widgets holding stable ids (labels come from kvviz.text).

The sidebar's defaults and ranges are the link codec's (kvviz/ui/url_state.py), so a link and the
sidebar accept the same settings; settings_from_sidebar() builds the run settings through
url_state.settings_of, as a link does.
"""

from __future__ import annotations

import streamlit as st

from kvviz.engine.sources import SourcePolicy
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
)
from kvviz.ui.url_state import DEFAULTS, ShareState

# Model choices by stable id -> what load_model() gets (None: the built-in model).
OTHER = "other"
PRESETS: dict[str, str | None] = {
    "builtin": None,
    "gpt2": "gpt2",
    "distilgpt2": "distilgpt2",
    "qwen2_5_0_5b": "Qwen/Qwen2.5-0.5B",
    OTHER: None,
}
# A hosted demo can keep visitors to the presets: KVVIZ_ALLOW_OTHER_MODELS=0 hides "Other" (and
# kvviz.engine.sources refuses anything else, whatever the page sends).
ALLOW_OTHER = SourcePolicy.from_env().allow_other
DECODINGS = url_state.DECODINGS


def widget_defaults() -> None:
    """The sidebar's starting values, set once per session through Session State (not `value=`), so a
    link or a scenario card can set them too without Streamlit's "default and Session State" warning."""
    for key, value in ((W_MODEL, DEFAULTS.model), (W_MODEL_OTHER, DEFAULTS.name), (W_PROMPT, DEFAULTS.prompt),
                       (W_MAX_NEW, DEFAULTS.max_new), (W_DECODING, DEFAULTS.decoding),
                       (W_TEMPERATURE, DEFAULTS.temperature), (W_TOP_K, DEFAULTS.top_k), (W_TOP_P, DEFAULTS.top_p),
                       (W_SEED, DEFAULTS.seed)):
        st.session_state.setdefault(key, value)


def settings_from_sidebar() -> tuple[dict, bool]:
    """The sidebar's settings, and whether Start was pressed."""
    widget_defaults()
    sb = st.sidebar
    sb.header(t("learn.settings"))
    choices = [c for c in PRESETS if ALLOW_OTHER or c != OTHER]
    if st.session_state.get(W_MODEL) not in choices:
        st.session_state[W_MODEL] = DEFAULTS.model
    choice = sb.selectbox(t("learn.model"), choices, key=W_MODEL, help=t("learn.model_help"),
                          format_func=lambda c: t(f"learn.model.{c}"))
    name = ""
    if choice == OTHER:
        name = sb.text_input(t("learn.model_other"), key=W_MODEL_OTHER,
                             placeholder=t("learn.model_other_placeholder")).strip()
    prompt = sb.text_area(t("learn.prompt"), key=W_PROMPT, height=90)
    max_new = sb.number_input(t("learn.max_new"), *url_state.MAX_NEW_RANGE, step=1, key=W_MAX_NEW)
    decoding = sb.radio(t("learn.decoding"), DECODINGS, horizontal=True, key=W_DECODING,
                        format_func=lambda d: t(f"learn.decoding.{d}"))
    state = ShareState(model=choice, name=name, prompt=prompt, max_new=int(max_new), decoding=decoding)
    if decoding == "sampling":
        temperature = sb.slider(t("learn.temperature"), *url_state.TEMPERATURE_RANGE, step=0.05, key=W_TEMPERATURE)
        top_k = sb.number_input(t("learn.top_k"), *url_state.TOP_K_RANGE, key=W_TOP_K)
        top_p = sb.slider(t("learn.top_p"), *url_state.TOP_P_RANGE, step=0.05, key=W_TOP_P)
        seed = sb.number_input(t("learn.seed"), *url_state.SEED_RANGE, key=W_SEED)
        state = ShareState(model=choice, name=name, prompt=prompt, max_new=int(max_new), decoding=decoding,
                           temperature=float(temperature), top_k=int(top_k), top_p=float(top_p), seed=int(seed))
    start = sb.button(t("learn.start"), type="primary", width="stretch", key="start")
    sb.caption(t("learn.small_model_note"))
    return url_state.settings_of(state, PRESETS), start
