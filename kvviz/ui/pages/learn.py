"""The explainer page: step through generation on a real model and watch the cache grow.

State per visitor lives in st.session_state (their own Tracer, hence their own cache); the
model is loaded once per server process with st.cache_resource and shared. The part that
changes on every step runs in a fragment, so a click reruns only that part.
"""

from __future__ import annotations

import logging
import os
import time

import streamlit as st

from kvviz.charts import trace as charts
from kvviz.engine.caps import APP_MAX_CONTEXT, ATTENTION_ALL_LAYERS_MAX_TOKENS  # limits per run, enforced by the engine
from kvviz.errors import KvvizError
from kvviz.analysis.ledger import fmt_bytes
from kvviz.ui.markup import md_escape, token_chip

log = logging.getLogger(__name__)

BUILTIN_LABEL = "SmolLM2-135M-Instruct (built in, offline)"
OTHER_LABEL = "Other: a hub id or a local folder"
PRESETS = {
    BUILTIN_LABEL: None,
    "gpt2 (downloads ~500 MB where the network allows)": "gpt2",
    "distilgpt2 (downloads ~350 MB where the network allows)": "distilgpt2",
    "Qwen/Qwen2.5-0.5B (downloads ~1 GB where the network allows)": "Qwen/Qwen2.5-0.5B",
    OTHER_LABEL: "__other__",
}
# A hosted demo can keep visitors to the presets: KVVIZ_ALLOW_OTHER_MODELS=0 hides "Other".
ALLOW_OTHER = os.environ.get("KVVIZ_ALLOW_OTHER_MODELS", "1") != "0"
# Cached and recompute logits differ by float32 rounding only; more than this is a disagreement.
AGREEMENT_TOLERANCE = 1e-3
DEFAULT_PROMPT = "Lionel Messi is a"
PACES = {"slow (2 s)": 2.0, "medium (1 s)": 1.0, "fast (0.3 s)": 0.3}


@st.cache_resource(show_spinner=False, max_entries=3)
def load_shared(name: str | None):
    """One copy of each model per server process, shared by every visitor."""
    from kvviz.engine.models import load_model, use_threads

    use_threads(int(os.environ.get("KVVIZ_THREADS", "1")))
    return load_model(name)


def _fail(e: Exception) -> None:
    """Keep a message for the page, never a traceback; the page keeps what the visitor had.

    Messages can quote what the visitor typed (a model name), so they are escaped for markdown.
    """
    if isinstance(e, KvvizError):
        text = str(e)
    else:
        log.exception("unexpected error")
        text = f"Something went wrong ({type(e).__name__}: {str(e)[:300]}). The page kept your run."
    st.session_state.error = md_escape(text)


def _settings_from_sidebar() -> tuple[dict, bool]:
    """The sidebar's settings, and whether Start was pressed."""
    sb = st.sidebar
    sb.header("Settings")
    choices = [c for c in PRESETS if ALLOW_OTHER or c != OTHER_LABEL]
    choice = sb.selectbox("Model", choices, key="model_choice",
                          help="The built-in model runs offline. Others download from the Hugging Face hub where the network allows.")
    name = PRESETS[choice]
    if name == "__other__":
        name = sb.text_input("Hub id or local folder", key="model_other", placeholder="e.g. gpt2 or /path/to/model").strip()
    prompt = sb.text_area("Prompt", DEFAULT_PROMPT, key="prompt", height=90)
    max_new = sb.number_input("Max new tokens", min_value=1, max_value=1024, value=32, step=1, key="max_new")
    decoding = sb.radio("Decoding", ["greedy", "sampling"], horizontal=True, key="decoding")
    temperature, top_k, top_p, seed = 0.0, 0, 1.0, 0
    if decoding == "sampling":
        temperature = sb.slider("Temperature", 0.05, 2.0, 0.8, 0.05, key="temperature")
        top_k = sb.number_input("Top-k (0 = off)", 0, 1000, 50, key="top_k")
        top_p = sb.slider("Top-p", 0.05, 1.0, 0.95, 0.05, key="top_p")
        seed = sb.number_input("Seed", 0, 2**31 - 1, 0, key="seed")
    start = sb.button("Start with these settings", type="primary", width="stretch", key="start")
    sb.caption(
        "The built-in model has 135 million parameters: its English is fluent and its facts are often "
        "wrong. What the page shows about the cache is true of any size."
    )
    settings = dict(model=name, prompt=prompt, max_new_tokens=int(max_new),
                    temperature=float(temperature), top_k=int(top_k), top_p=float(top_p), seed=int(seed))
    return settings, start


def _start(settings: dict) -> None:
    """Build a new run; on any error keep the current one and show why."""
    from kvviz.engine.tracer import Sampling, Tracer

    try:
        if settings["model"] == "":
            raise KvvizError("Type a hub id (e.g. gpt2) or a local folder for the model, or choose a preset.")
        with st.spinner("Loading the model (the first start converts the built-in model once, about 30 s)..."):
            loaded = load_shared(settings["model"])
        sampling = Sampling(settings["temperature"], settings["top_k"], settings["top_p"], settings["seed"])
        tracer = Tracer(loaded, settings["prompt"], settings["max_new_tokens"], sampling=sampling, compare=True,
                        max_context=APP_MAX_CONTEXT)
        total = len(tracer.ids) + settings["max_new_tokens"]
        layers = "all" if total <= ATTENTION_ALL_LAYERS_MAX_TOKENS else [loaded.info.num_layers // 2]
        tracer.record_attention(layers)
        with st.spinner("Prefill: reading the prompt into the cache..."):
            tracer.step()
    except Exception as e:  # noqa: BLE001 - shown as a message
        _fail(e)
        return
    st.session_state.tracer = tracer
    st.session_state.run_settings = settings
    st.session_state.view = 0
    st.session_state.playing = False
    st.session_state.error = None
    st.session_state.loaded_model_config = loaded.config_dict  # for the capacity planner
    st.session_state.loaded_model_parameters = loaded.info.num_parameters


def _advance() -> None:
    tracer = st.session_state.tracer
    steps = tracer.trace.steps
    if st.session_state.view < len(steps) - 1:
        st.session_state.view += 1
        return
    if tracer.done:
        st.session_state.playing = False
        return
    try:
        tracer.step()
        st.session_state.view = len(tracer.trace.steps) - 1
    except Exception as e:  # noqa: BLE001
        st.session_state.playing = False
        _fail(e)


def render() -> None:
    st.title("The KV cache, one token at a time")
    st.caption(
        "Set a prompt in the sidebar and press **Start**, then **Next token**. Each step runs the real model once with the cache "
        "(one new token in) and once without it (the whole sequence again), and shows what the cache "
        "holds, what it saves, and what it does not change."
    )
    st.session_state.setdefault("error", None)
    settings, start = _settings_from_sidebar()
    if start or "tracer" not in st.session_state:
        _start(settings)
    if "tracer" in st.session_state and settings != st.session_state.get("run_settings", settings) \
            and not isinstance(st.session_state.tracer, Replay):
        st.warning("The sidebar has changes that this run does not use yet: press **Start with these settings** "
                   "to apply them.", icon=":material/edit_note:")
    if "tracer" not in st.session_state:
        if st.session_state.error:
            st.error(st.session_state.error)
        st.info("Choose a model and a prompt in the sidebar, then press Start.")
        return
    _stepper()


def _stepper() -> None:
    playing = st.session_state.get("playing", False)
    pace = PACES[st.session_state.get("pace", "medium (1 s)")]

    @st.fragment(run_every=pace if playing else None)
    def body():
        # The timer is set when the whole page runs: Play, Pause or a new pace inside the
        # fragment must rerun the page to start, stop or retime it.
        if (st.session_state.get("playing", False), PACES[st.session_state.get("pace", "medium (1 s)")]) != (playing, pace):
            st.rerun(scope="app")
        # Advance on the timer's ticks only, not when a widget inside the fragment changes.
        if st.session_state.get("playing") and time.monotonic() - st.session_state.get("last_tick", 0) >= 0.8 * pace:
            st.session_state.last_tick = time.monotonic()
            _advance()
            if not st.session_state.playing:
                st.rerun()  # the run ended: stop the timer
        _controls()
        if st.session_state.error:
            st.error(st.session_state.error)
        tracer = st.session_state.tracer
        try:
            _views(tracer.trace, st.session_state.view, tracer.done)
        except Exception as e:  # noqa: BLE001 - a message, never a traceback
            log.exception("could not draw the step")
            st.error(md_escape(f"This step could not be drawn ({type(e).__name__}: {str(e)[:300]})."))

    body()


# Button callbacks run before the page is drawn, so every button's state reflects the click.
def _on_next() -> None:
    st.session_state.error = None
    _advance()


def _on_back() -> None:
    st.session_state.error = None
    st.session_state.playing = False
    st.session_state.view = max(0, st.session_state.view - 1)


def _on_play() -> None:
    st.session_state.playing = not st.session_state.get("playing", False)
    st.session_state.last_tick = time.monotonic()


def _on_reset() -> None:
    """Start again with the settings of the run on screen, not unsaved edits in the sidebar."""
    st.session_state.playing = False
    if isinstance(st.session_state.tracer, Replay):
        st.session_state.view = 0  # a saved trace: back to its first step
        return
    _start(st.session_state.run_settings)


def _on_slide() -> None:
    st.session_state.error = None
    st.session_state.playing = False
    st.session_state.view = st.session_state.view_slider


def _controls() -> None:
    tracer = st.session_state.tracer
    last = len(tracer.trace.steps) - 1
    view = st.session_state.view
    playing = st.session_state.get("playing", False)
    at_end = view == last and tracer.done
    c = st.columns([1, 1.3, 1, 1, 1.4])
    c[0].button("Back", icon=":material/arrow_back:", disabled=view == 0 or playing, width="stretch",
                key="back", on_click=_on_back)
    c[1].button("Next token", icon=":material/skip_next:", type="primary", disabled=at_end or playing,
                width="stretch", key="next", on_click=_on_next,
                help="Revisited steps are shown again; at the newest step this runs the model once more")
    c[2].button("Pause" if playing else "Play", icon=":material/pause:" if playing else ":material/play_arrow:",
                disabled=at_end and not playing, width="stretch", key="play", on_click=_on_play)
    c[3].button("Reset", icon=":material/replay:", width="stretch", key="reset", on_click=_on_reset,
                help="Start again from the prompt with this run's settings")
    c[4].selectbox("Play pace", list(PACES), index=1, key="pace", label_visibility="collapsed")
    if last > 0:
        st.session_state.view_slider = view
        st.slider("Step (0 = prefill): drag back to revisit a step without recomputing it", 0, last,
                  key="view_slider", on_change=_on_slide, disabled=playing)


def _views(trace, view: int, done: bool) -> None:
    step = trace.steps[view]
    info = trace.model
    _text_strip(trace, view, done)
    _badge(trace, view)
    # A row that wraps on narrow screens instead of cutting values off.
    m = st.container(horizontal=True, gap="large")
    m.metric("Step", charts.step_label(step), width="content")
    m.metric("Tokens fed this step", f"{step.input_length}", width="content",
             help="With the cache: the whole prompt at prefill, then 1 per step")
    m.metric("Tokens in the cache", f"{step.context_length}", width="content",
             help="Every token fed so far. The token this step chose is fed, and cached, in the next step.")
    m.metric("Cache size", fmt_bytes(step.cache_bytes), help=f"{step.cache_bytes:,} bytes", width="content")
    m.metric("ms: cached / recompute" if step.other_time_ms is not None else "ms: forward pass",
                f"{step.time_ms:.0f} / {step.other_time_ms:.0f}" if step.other_time_ms is not None else f"{step.time_ms:.0f}",
                help="Wall-clock time of this step's forward pass with the cache / without it (both run every step)",
                width="content")
    # Only the open tab runs, so a step redraws one view, not five.
    tabs = st.tabs(["The three questions", "Cache", "Work", "Attention", "Trace file"], key="view_tab", on_change="rerun")
    views = (
        lambda: _questions(trace, view),
        lambda: _cache_view(trace, view, info),
        lambda: _work_view(trace, view),
        lambda: _attention_view(trace, view, info),
        lambda: _trace_file(trace),
    )
    for tab, draw in zip(tabs, views):
        if tab.open is not False:
            with tab:
                draw()


def _text_strip(trace, view: int, done: bool) -> None:
    step = trace.steps[view]
    prompt_text = trace.prompt_text
    tok = [s.token_text for s in trace.steps[: view + 1]]
    st.markdown(
        "**Text so far** (grey: prompt; blue: generated; orange: this step's token; ␣ marks a space):  \n"
        + token_chip(prompt_text, "gray")
        + " "
        + " ".join(token_chip(t, "orange" if i == view else "blue", bold=i == view) for i, t in enumerate(tok))
    )
    alts = [
        {"token": repr(c.token_text), "id": c.token_id, "probability": c.prob, "chosen": "✔" if c.token_id == step.token_id else ""}
        for c in step.top_k
    ]
    with st.expander(f"Top {len(alts)} candidates for this step's token", expanded=False):
        st.dataframe(alts, hide_index=True, width="stretch",
                     column_config={"probability": st.column_config.ProgressColumn(format="%.4f", min_value=0.0, max_value=1.0)})
    if done and view == len(trace.steps) - 1:
        why = {"eos": "the model produced its end-of-sequence token", "max_new_tokens": "the token limit was reached"}
        st.caption(f"Generation finished: {why.get(trace.finish_reason, trace.finish_reason)}.")


def _badge(trace, view: int) -> None:
    steps = [s for s in trace.steps[: view + 1] if s.max_abs_logit_diff is not None]
    if not steps:
        return
    worst = max(s.max_abs_logit_diff for s in steps)
    greedy = trace.settings.get("temperature", 0) <= 0
    # Greedy: both modes must pick the same tokens. Sampling draws once, so compare the logits.
    same = all(s.token_id == s.other_token_id for s in steps) if greedy else True
    if same and worst <= AGREEMENT_TOLERANCE:
        verdict = "identical tokens" if greedy else "the same logits (sampling draws once from them)"
        st.success(f"Cached and recompute decoding agree: {verdict} over {len(steps)} step{'s' if len(steps) != 1 else ''}; largest "
                   f"|logit difference| {worst:.1e}, float32 rounding (tolerance {AGREEMENT_TOLERANCE:g}).",
                   icon=":material/check_circle:")
    else:
        what = "picked different tokens" if not same else f"differ by more than {AGREEMENT_TOLERANCE:g} in their logits"
        st.warning(f"Cached and recompute decoding {what} (max |Δlogit| {worst:.1e}).", icon=":material/warning:")


def _cache_view(trace, view: int, info) -> None:
    step = trace.steps[view]
    st.caption(
        "Every layer keeps a key tensor and a value tensor, shaped [batch, kv_heads, seq, head_dim]. "
        "Each step appends one position on the seq axis; nothing already stored is computed again."
    )
    rows = [
        {"layer": i, "K shape": str(c.key_shape), "V shape": str(c.value_shape),
         "window": info.layer_windows[i] if i < len(info.layer_windows) and info.layer_windows[i] else "full",
         "bytes": c.bytes}
        for i, c in enumerate(step.cache_layers)
    ]
    left, right = st.columns([1, 1.4])
    with left:
        st.dataframe(rows, hide_index=True, width="stretch", height=360,
                     column_config={"bytes": st.column_config.NumberColumn("bytes (K+V)", format="localized")})
    with right:
        st.plotly_chart(charts.cache_map_figure(trace, view), width="stretch", key="cache_map")
    b = info.dtype_bytes
    st.plotly_chart(charts.cache_bytes_figure(trace, view), width="stretch", key="cache_bytes")
    full_layers = sum(1 for w in info.layer_windows if not w) or info.num_layers
    st.markdown(
        f"Cache bytes = 2 (K and V) × {info.num_layers} layers × {info.num_key_value_heads} K/V heads × "
        f"{info.head_dim} head_dim × {b} bytes ({info.dtype}) × tokens = "
        f"**{2 * info.num_layers * info.num_key_value_heads * info.head_dim * b:,} bytes per token**"
        + ("" if full_layers == info.num_layers else "; sliding layers stop growing at their window")
        + f". After this step: {step.cache_bytes:,} bytes."
    )
    if info.num_key_value_heads < info.num_attention_heads:
        st.plotly_chart(charts.head_sharing_figure(info.num_attention_heads, info.num_key_value_heads),
                        width="stretch", key="heads")
        st.caption("Grouped-query attention caches fewer K/V heads than there are query heads: "
                   f"{info.num_attention_heads // info.num_key_value_heads}× less cache than one K/V head per query head.")


def _work_view(trace, view: int) -> None:
    from dataclasses import replace

    from kvviz.analysis import ledger

    run = ledger.split_trace(replace(trace, steps=trace.steps[: view + 1]))
    step = trace.steps[view]
    sp = run.steps[-1]
    c = st.columns(3)
    c[0].metric("FLOPs this step, with cache", ledger.fmt_flops(sp.cached_total))
    c[1].metric("FLOPs this step, without cache", ledger.fmt_flops(sp.recompute_total),
                help="The source article's loop: the whole sequence fed again")
    c[2].metric("Run so far: cached / recompute", f"{sp.ratio:.1%}", help="Cumulative FLOPs with the cache over FLOPs without it")
    st.plotly_chart(charts.work_split_figure(run, view), width="stretch", key="work_split")
    st.caption(
        "Blue: what the new token needs whichever way you decode. Red: what a loop without a cache "
        "computes again for tokens it has already processed. Green: the K and V entries the cached loop "
        "reads back instead (bytes), which would otherwise be recomputed."
    )
    st.plotly_chart(charts.running_totals_figure(run, view), width="stretch", key="running")
    log_scale = st.toggle("Logarithmic FLOP axis", value=False, key="work_log")
    st.plotly_chart(charts.components_figure(step, log_scale), width="stretch", key="components")
    needed = step.flops.get("recompute", {})
    if needed.get("scores_needed") is not None and needed.get("scores_needed") != needed.get("scores"):
        st.caption(
            f"Counted as executed: eager attention multiplies the full masked square of scores. Without the "
            f"cache at this step that is {needed['scores']:,} FLOPs for Q·Kᵀ, of which the causal mask needs "
            f"{needed['scores_needed']:,}."
        )
    st.plotly_chart(charts.time_figure(trace, view), width="stretch", key="time")
    st.caption("Wall-clock time measured on this machine for each forward pass, so noisy; the FLOP counts are exact "
               "and agree with PyTorch's FLOP counter (see the tests).")


def _attention_view(trace, view: int, info) -> None:
    recorded = sorted(trace.steps[0].attention)
    if not recorded:
        st.info("Attention weights were not recorded for this run.")
        return
    if st.session_state.get("attn_layer") not in recorded:
        st.session_state.pop("attn_layer", None)  # a new run may record other layers
    if len(recorded) < info.num_layers:
        st.caption(f"A long run: to bound memory, attention weights are recorded for layer {recorded[0]} only "
                   f"(every layer when prompt + new tokens ≤ {ATTENTION_ALL_LAYERS_MAX_TOKENS}).")
    c = st.columns(2)
    layer = c[0].selectbox("Layer", recorded, index=0, key="attn_layer")
    head = c[1].selectbox("Query head", list(range(info.num_attention_heads)), key="attn_head")
    st.plotly_chart(charts.attention_figure(trace, view, layer, head), width="stretch", key="attn")
    st.caption(
        "The prefill computes the whole causal triangle at once. Each decode step adds one row: the new "
        "token's query against every key so far. Only the outlined cell's key was computed in that step; "
        "all the others were read from the cache."
    )


def _questions(trace, view: int) -> None:
    from dataclasses import replace

    from kvviz.analysis import answers as explain

    st.caption("The source article's three questions, answered from this run up to the step you are viewing.")
    for a in explain.answers(replace(trace, steps=trace.steps[: view + 1])):
        with st.container(border=True):
            st.markdown(f"**{md_escape(a.question)}**")
            st.markdown(md_escape(a.answer))
            for line in a.lines:
                st.text("• " + line)


class Replay:
    """A saved trace stepped through like a live run: every step is recorded, nothing is computed."""

    done = True

    def __init__(self, trace):
        self.trace = trace

    def step(self):
        return None


def _on_upload() -> None:
    """Open a trace file (JSON only, validated); a bad file leaves the run on screen as it was."""
    from kvviz.trace_data import Trace

    up = st.session_state.get("trace_upload")
    if up is None:
        return
    try:
        trace = Trace.from_json(up.getvalue())
        if not trace.steps:
            raise KvvizError("The trace has no steps to show.")
    except KvvizError as e:
        _fail(e)
        return
    st.session_state.tracer = Replay(trace)
    st.session_state.view = 0
    st.session_state.playing = False
    st.session_state.error = None


def _trace_file(trace) -> None:
    st.download_button("Download this trace (JSON)", trace.to_json, file_name="kvviz-trace.json",
                       mime="application/json", key="download")
    st.caption(f"Schema {trace.schema}: model, prompt, and for each step the cache shapes, bytes, times and FLOPs. "
               "The command line writes the same files: `python -m kvviz trace ... --json FILE`.")
    st.file_uploader("Open a saved trace (JSON) to step through it again", type=["json"], key="trace_upload",
                     on_change=_on_upload)
    if isinstance(st.session_state.get("tracer"), Replay):
        st.info(f"Showing a saved trace of {trace.model.name}: {len(trace.steps)} recorded steps. "
                "Start with the settings in the sidebar to run the model again.")
