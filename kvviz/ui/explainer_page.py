"""The explainer page: step through generation and watch the cache grow."""

import streamlit as st

from kvviz.errors import KvvizError


@st.cache_resource(show_spinner=False)
def _load(name):
    from kvviz.models import load_model

    return load_model(name)


def render() -> None:
    st.title("The KV cache, one token at a time")
    prompt = st.text_input("Prompt", "Lionel Messi is a")
    n = st.number_input("New tokens", 1, 256, 16)
    with st.spinner("Loading the built-in model..."):
        loaded = _load(None)
    if st.button("Generate"):
        from kvviz.tracer import trace

        try:
            tr = trace(loaded, prompt, int(n))
        except KvvizError as e:
            st.error(str(e))
            return
        st.text(tr.prompt_text + tr.generated_text)
        st.dataframe(
            [{"step": s.index, "token": s.token_text, "K shape": str(s.cache_layers[0].key_shape),
              "cache bytes": s.cache_bytes} for s in tr.steps]
        )
