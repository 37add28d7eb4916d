"""The cache lab page: one prompt, 2-4 cache policies at a common budget, stepped together.

Per visitor: their own LabRunner (their caches) in st.session_state under lab_* keys (the session is
shared with the other pages). The model is the process's shared one (learn.load_shared). Work per run
is bounded (steps, budget, prompt length); the two long measurements (perplexity, paged demo) are pure
functions of their settings, cached once per process for every visitor.
"""

from __future__ import annotations

import logging
import time

import streamlit as st

from kvviz.analysis import lab as alab
from kvviz.charts import lab as charts
from kvviz.engine.caps import DEFAULT_PROMPT
from kvviz.errors import KvvizError
from kvviz.text import t
from kvviz.ui.export import plotly_config
from kvviz.ui.markup import md_escape, token_chip
from kvviz.units import fmt_bytes

log = logging.getLogger(__name__)

MAX_STEPS, MAX_BUDGET, MAX_PROMPT_TOKENS = 48, 128, 256
DEFAULT_FAMILIES = ["window", "sinks", "h2o"]
PPL_TOKENS, PPL_BUDGETS = 128, (8, 16, 32, 64)
PACE_S = 1.0


def _load():
    from kvviz.ui.pages.learn import load_shared  # one model per process, shared with the explainer

    return load_shared(None)


def _fail(e: Exception) -> None:
    if isinstance(e, KvvizError):
        text = str(e)
    else:
        log.exception("unexpected error in the lab")
        text = t("lab.error.draw", what=f"{type(e).__name__}: {str(e)[:200]}")
    st.session_state.lab_error = md_escape(text)


def _linked_policies() -> list[str]:
    """Policies a link preselects (?policies=window,sinks: a scenario card of the explainer)."""
    raw = st.query_params.get("policies", "")
    chosen = [p for p in dict.fromkeys(p.strip() for p in raw[:200].split(",")) if p in alab.FAMILIES]
    return chosen if 2 <= len(chosen) <= 4 else []


def _settings() -> tuple[dict, bool]:
    c = st.columns([3, 1, 1])
    prompt = c[0].text_area(t("lab.prompt"), DEFAULT_PROMPT, key="lab_prompt", height=80, max_chars=2000)
    steps = c[1].number_input(t("lab.steps"), 1, MAX_STEPS, 16, key="lab_steps")
    budget = c[2].number_input(t("lab.budget"), 2, MAX_BUDGET, 8, key="lab_budget")
    families = st.pills(t("lab.policies"), list(alab.FAMILIES), selection_mode="multi",
                        default=_linked_policies() or DEFAULT_FAMILIES,
                        key="lab_families", help=t("lab.policies.help"))
    mode = st.radio(t("lab.mode"), ["forced", "free"], format_func=lambda m: t(f"lab.mode.{m}"), horizontal=True,
                    key="lab_mode")
    start = st.button(t("lab.start"), type="primary", key="lab_start")
    st.caption(t("lab.limits", steps=MAX_STEPS, budget=MAX_BUDGET, prompt=MAX_PROMPT_TOKENS))
    return dict(prompt=prompt, steps=int(steps), budget=int(budget), families=list(families or []), mode=mode), start


def _start(s: dict) -> None:
    from kvviz.engine.lab import LabRunner

    try:
        if not 2 <= len(s["families"]) <= 4:
            raise KvvizError(t("lab.need_two"))
        loaded = _load()
        specs = ["full"] + [alab.spec_at_budget(f, s["budget"]) for f in s["families"]]
        runner = LabRunner(loaded, s["prompt"], s["steps"], specs, s["mode"],
                           max_context=MAX_PROMPT_TOKENS + MAX_STEPS)
        if len(runner.prompt_ids) > MAX_PROMPT_TOKENS:
            raise KvvizError(key="errors.lab_prompt_too_long", prompt=len(runner.prompt_ids), limit=MAX_PROMPT_TOKENS)
        runner.step()  # the prompt pass
    except Exception as e:
        _fail(e)
        return
    st.session_state.lab_runner = runner
    st.session_state.lab_settings = s
    st.session_state.lab_view = 0
    st.session_state.lab_playing = False
    st.session_state.lab_error = None


def _advance() -> None:
    runner = st.session_state.lab_runner
    steps = len(runner.run_data.policies[0].steps)
    if st.session_state.lab_view < steps - 1:
        st.session_state.lab_view += 1
    elif runner.done:
        st.session_state.lab_playing = False
    else:
        try:
            runner.step()
            st.session_state.lab_view = steps
        except Exception as e:
            st.session_state.lab_playing = False
            _fail(e)


def _on_next() -> None:
    st.session_state.lab_error = None
    _advance()


def _on_back() -> None:
    st.session_state.lab_playing = False
    st.session_state.lab_view = max(0, st.session_state.lab_view - 1)


def _on_play() -> None:
    st.session_state.lab_playing = not st.session_state.get("lab_playing", False)
    st.session_state.lab_tick = time.monotonic()


def render() -> None:
    st.title(t("lab.title"))
    st.caption(t("lab.intro"))
    st.session_state.setdefault("lab_error", None)
    settings, start = _settings()
    if start or "lab_runner" not in st.session_state:
        _start(settings)
    if "lab_runner" not in st.session_state:
        if st.session_state.lab_error:
            st.error(st.session_state.lab_error)
        st.info(t("lab.empty"))
        return
    _stepper()
    st.divider()
    _perplexity_section()
    st.divider()
    _paged_section()


def _stepper() -> None:
    playing = st.session_state.get("lab_playing", False)

    @st.fragment(run_every=PACE_S if playing else None)
    def body():
        if st.session_state.get("lab_playing", False) != playing:
            st.rerun(scope="app")  # Play / Pause start or stop the timer
        if playing and time.monotonic() - st.session_state.get("lab_tick", 0) >= 0.8 * PACE_S:
            st.session_state.lab_tick = time.monotonic()
            _advance()
            if not st.session_state.lab_playing:
                st.rerun()
        runner = st.session_state.lab_runner
        view = st.session_state.lab_view
        last = len(runner.run_data.policies[0].steps) - 1
        c = st.columns([1, 1.3, 1, 3])
        c[0].button(t("lab.back"), icon=":material/arrow_back:", disabled=view == 0 or playing, key="lab_back",
                    on_click=_on_back, width="stretch")
        c[1].button(t("lab.next"), icon=":material/skip_next:", type="primary", key="lab_next", width="stretch",
                    disabled=(view == last and runner.done) or playing, on_click=_on_next)
        c[2].button(t("lab.pause") if playing else t("lab.play"), key="lab_play", on_click=_on_play, width="stretch",
                    icon=":material/pause:" if playing else ":material/play_arrow:")
        c[3].markdown(t("lab.step_label", step=view, total=runner.max_new_tokens - 1))
        if st.session_state.lab_error:
            st.error(st.session_state.lab_error)
        try:
            _views(runner, view)
        except Exception as e:
            log.exception("could not draw the lab step")
            st.error(md_escape(t("lab.error.draw", what=f"{type(e).__name__}: {str(e)[:200]}")))

    body()


def _views(runner, view: int) -> None:
    run = runner.run_data
    forced = run.mode == "forced"
    shown = list(range(1, len(run.policies)))  # the full cache (policy 0) is the reference, not a column
    kv = run.model.num_key_value_heads
    head = st.selectbox(t("lab.head"), list(range(kv)), key="lab_head") if kv > 1 else 0
    cols = st.columns(len(shown))
    for col, i in zip(cols, shown):
        p = run.policies[i]
        s = p.steps[view]
        summary = alab.running_summary(run, i, view, runner.ref_tokens[: view + 1])
        with col:
            st.subheader(md_escape(p.spec))
            m = st.container(horizontal=True)
            m.metric(t("lab.metric.bytes"), fmt_bytes(s.cache_bytes), width="content",
                     help=t("lab.metric.bytes.help", bytes=s.cache_bytes))
            if forced:
                m.metric(t("lab.metric.kl"), f"{s.kl:.3f}", width="content")
                m.metric(t("lab.metric.agree"), f"{summary['agreement']:.0%}", width="content")
            first = summary["first_divergence"]
            m.metric(t("lab.metric.first"), t("lab.metric.none") if first is None else t("lab.metric.step", step=first),
                     width="content")
            st.plotly_chart(charts.grid_figure(run, i, view, head), key=f"lab_grid_{i}", width="stretch",
                            config=plotly_config(f"lab_grid_{i}"))
            st.markdown(_text_chips(run, i, view, runner.ref_tokens))
    st.caption(t("lab.grid.caption"))
    st.caption(t("lab.text.caption.forced" if forced else "lab.text.caption.free"))
    left, right = st.columns(2)
    with left:
        if forced:
            st.plotly_chart(charts.kl_figure(_without_full(run), view), key="lab_kl", width="stretch",
                            config=plotly_config("lab_kl"))
            st.caption(t("lab.kl.caption"))
        else:
            st.info(t("lab.kl.free"))
    with right:
        st.plotly_chart(charts.bytes_figure(run, view), key="lab_bytes", width="stretch",
                        config=plotly_config("lab_bytes"))
        st.caption(t("lab.bytes.caption"))


def _without_full(run):
    from dataclasses import replace

    return replace(run, policies=run.policies[1:])


def _text_chips(run, policy: int, view: int, reference: list[int]) -> str:
    """The prompt in grey, then the policy's tokens: blue, or red where it differs from the full cache."""
    steps = run.policies[policy].steps[: view + 1]
    if run.mode == "forced":
        off = [not s.agree for s in steps]
    else:
        off = alab.divergence_marks(run.policies[policy], reference)[: view + 1]
    chips = [token_chip(s.token_text, "red" if bad else "blue", bold=i == view)
             for i, (s, bad) in enumerate(zip(steps, off))]
    return token_chip(run.prompt_text[-200:], "gray") + " " + " ".join(chips)


@st.cache_data(show_spinner=False, max_entries=8)
def _perplexity_points(families: tuple[str, ...], budgets: tuple[int, ...], tokens: int) -> tuple[list[dict], dict]:
    from kvviz.engine.lab_quality import perplexity, text_ids

    loaded = _load()
    ids = text_ids(loaded, tokens)
    points = []
    for fam in families:
        for b in budgets:
            r = perplexity(loaded, ids, alab.spec_at_budget(fam, b))
            points.append(dict(r, family=fam, budget=b))
    return points, perplexity(loaded, ids, "full")


def _perplexity_section() -> None:
    st.subheader(t("lab.ppl.section"))
    st.caption(t("lab.ppl.intro", tokens=PPL_TOKENS))
    families = tuple(f for f in st.session_state.lab_settings["families"])
    key = (families, PPL_BUDGETS, PPL_TOKENS)
    if st.button(t("lab.ppl.button"), key="lab_ppl_go"):
        with st.spinner():
            try:
                st.session_state.lab_ppl = (key, _perplexity_points(*key))
            except Exception as e:
                _fail(e)
    got = st.session_state.get("lab_ppl")
    if got and got[0] == key:
        points, full = got[1]
        st.plotly_chart(charts.perplexity_figure(points, full), key="lab_ppl_chart", width="stretch",
                        config=plotly_config("lab_perplexity"))
        st.caption(t("lab.ppl.caption", budgets=", ".join(str(b) for b in PPL_BUDGETS)))


@st.cache_data(show_spinner=False, max_entries=4)
def _paged(system: str, questions: tuple[str, ...], block_size: int) -> dict:
    from kvviz.engine.lab_quality import paged_demo

    return paged_demo(_load(), system, list(questions), block_size)


def _paged_section() -> None:
    st.subheader(t("lab.paged.section"))
    st.caption(t("lab.paged.intro", size=16))
    if st.button(t("lab.paged.button"), key="lab_paged_go"):
        with st.spinner():
            try:
                questions = tuple(t(f"lab.question.{i}") for i in range(1, 5))
                st.session_state.lab_paged = _paged(t("lab.system_prompt"), questions, 16)
            except Exception as e:
                _fail(e)
    demo = st.session_state.get("lab_paged")
    if not demo:
        return
    st.plotly_chart(charts.blocks_figure(demo), key="lab_blocks", width="stretch", config=plotly_config("lab_blocks"))
    st.caption(t("lab.paged.caption"))
    m = st.container(horizontal=True)
    m.metric(t("lab.paged.memory"), f"{fmt_bytes(demo['bytes_shared'])} / {fmt_bytes(demo['bytes_unshared'])}",
             width="content")
    m.metric(t("lab.paged.prefill"), f"{demo['prefill_ms_reusing_prefix']:.0f} / {demo['prefill_ms_whole']:.0f} ms",
             width="content", help=t("lab.paged.prefill.help", reuse=demo["prefill_cpu_ms_reusing_prefix"],
                                     whole=demo["prefill_cpu_ms_whole"]))
    st.caption(t("lab.paged.cow", tokens=demo["shared_prefix_tokens"], cow=demo["copies_on_write_after_fork"],
                 diff=demo["max_abs_logit_diff"]))
