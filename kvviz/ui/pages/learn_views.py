"""What the Learn page shows for one step. First an overview that teaches, sized to sit above the
fold at 1280×800: the step's lesson in one sentence (kvviz.analysis.lesson), the token strip with
the cached positions in a bracket and the new token outside it, every layer's cache growing and the
work the cache saves (kvviz.charts.lesson). Then the details: the text so far, the agreement line,
the metrics (FLOPs beside wall time) and five tabs (questions, cache, work, attention, trace file).
Pure drawing from a Trace: no model here.

Everything a visitor or a trace file supplies (prompt, tokens, model name, dtype, finish reason,
error messages quoting them) goes through md_escape or a plain-text element; charts escape it
through kvviz.charts.trace.plotly_text.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import streamlit as st

from kvviz.analysis import ledger, tokens
from kvviz.analysis import lesson as lessons
from kvviz.charts import lesson as lesson_charts
from kvviz.charts import trace as charts
from kvviz.engine.caps import ATTENTION_ALL_LAYERS_MAX_TOKENS
from kvviz.errors import KvvizError
from kvviz.text import lesson as say_lesson
from kvviz.text import t
from kvviz.trace_read import MAX_TRACE_MB
from kvviz.ui import presenter
from kvviz.ui.export import plotly_config, show_exports
from kvviz.ui.markup import byte_chip, md_escape, token_chip
from kvviz.ui.state import W_TABS, W_UPLOAD, Note, Replay, apply_language, learn
from kvviz.ui.tables import shared_table
from kvviz.units import fmt_bytes, fmt_flops, fmt_flops_as, fmt_int

log = logging.getLogger(__name__)

# Cached and recompute logits differ by float32 rounding only; more than this is a disagreement.
AGREEMENT_TOLERANCE = 1e-3
VIEWS = ("questions", "cache", "work", "attention", "trace_file")  # the tabs, by stable id
FINISH_REASONS = ("eos", "max_new_tokens", "context")
STRIP_HEIGHT = 62  # px: two lines of small chips


def error_note(e: Exception) -> Note:
    """A message for the page from an exception: a KvvizError's own words, else a short summary."""
    if isinstance(e, KvvizError):
        return Note("learn.error.kvviz", {"message": str(e)})
    log.exception("unexpected error", exc_info=e)
    return Note("learn.error.unexpected", {"kind": type(e).__name__, "detail": str(e)[:300]})


def show_error() -> None:
    if learn.error is not None:
        st.error(md_escape(learn.error.text()))


def skipped_recompute(trace, view: int) -> bool:
    """Step `view` of a run measured both ways was computed on a crowded server, without the
    recompute pass (kvviz.engine.runstore): its other time and token check were not measured."""
    return (bool(trace.settings.get("compare", True)) and 0 <= view < len(trace.steps)
            and trace.steps[view].other_time_ms is None)


def tab_label(view_id: str) -> str:
    return t(f"learn.tab.{view_id}")


def draw(trace, view: int, done: bool) -> None:
    """Everything below the controls for step `view` of `trace`: first the overview that teaches
    (the step's lesson, the token strip with its cache bracket, the cache growing, the work saved),
    then the details in tabs."""
    step = trace.steps[view]
    info = trace.model
    lesson = lessons.step_lesson(trace, view)
    if not presenter.is_on():  # presenter mode prints the lesson in big type above the controls
        with st.container(key="lesson"):
            st.markdown(say_lesson.sentence(lesson))
    win, chips = _text_strip(trace, view)
    _overview(trace, view)
    _text_line(trace, view, win, chips)
    _badge(trace, view)
    _verified(trace.model)
    _metrics(step, lesson)
    if step.phase == "decode":
        st.caption(say_lesson.time_line(lessons.time_note(trace, view)))
    _candidates(trace, view, done)
    # Only the open tab runs, so a step redraws one view, not five. The widget holds the label;
    # the stable id of the open tab is kept beside it, so a language switch reopens the same tab.
    # (Passing `default=` instead would change the widget's identity and reset it on every switch.)
    labels = [tab_label(v) for v in VIEWS]
    if st.session_state.get(W_TABS) not in labels and learn.open_view in VIEWS:
        st.session_state[W_TABS] = tab_label(learn.open_view)  # first view, or the labels changed language
    tabs = st.tabs(labels, key=W_TABS, on_change="rerun")
    draws = {
        "questions": lambda: _questions(trace, view),
        "cache": lambda: _cache_view(trace, view, info),
        "work": lambda: _work_view(trace, view),
        "attention": lambda: _attention_view(trace, view, info),
        "trace_file": lambda: _trace_file(trace, view),
    }
    for view_id, tab in zip(VIEWS, tabs):
        if tab.open is not False:
            if tab.open:
                learn.open_view = view_id
            with tab:
                draws[view_id]()


def _metrics(step, lesson) -> None:
    """One row at 1280 px with the sidebar open, in English and Chinese: short labels (the long words in
    the ⓘ tooltips), and each pair as the cached figure with the recompute one small beneath it (a grey
    delta without an arrow), so the row is as wide as its cached figures. Wraps on narrower screens
    instead of cutting values off."""
    m = st.container(horizontal=True, gap="small", key="step_metrics")
    m.metric(t("learn.metric.step"), charts.step_label(step), width="content")
    m.metric(t("learn.metric.fed"), fmt_int(step.input_length), width="content", help=t("learn.metric.fed_help"))
    m.metric(t("learn.metric.cached"), fmt_int(step.context_length), width="content",
             help=t("learn.metric.cached_help"))
    m.metric(t("learn.metric.cache_size"), fmt_bytes(step.cache_bytes), width="content",
             help=t("learn.metric.cache_size_help", bytes=step.cache_bytes))
    beneath = {"delta_color": "off", "delta_arrow": "off", "delta_description": t("learn.metric.without"),
               "width": "content"}
    m.metric(t("learn.metric.flops"), fmt_flops(lesson.cached_flops), help=t("learn.metric.flops_help"),
             delta=fmt_flops_as(lesson.recompute_flops, lesson.cached_flops), **beneath)  # one unit for both
    both = step.other_time_ms is not None  # a step computed in a crowd has no recompute time
    other = {**beneath, "delta": fmt_int(round(step.other_time_ms))} if both else {"width": "content"}
    m.metric(t("learn.metric.time_both" if both else "learn.metric.time_one"), fmt_int(round(step.time_ms)),
             help=t("learn.metric.time_help"), **other)


def _overview(trace, view: int) -> None:
    """The cache growing and the work it saves, side by side under the strip (above the fold)."""
    run = ledger.split_trace(replace(trace, steps=trace.steps[: view + 1]))
    left, right = st.columns(2, gap="small")
    with left:
        st.plotly_chart(lesson_charts.cache_shapes_figure(trace, view), width="stretch", key="lesson_cache",
                        config=plotly_config("lesson_cache"))
    with right:
        st.plotly_chart(lesson_charts.work_figure(run, view), width="stretch", key="lesson_work",
                        config=plotly_config("lesson_work"))


def _text_strip(trace, view: int):
    """The tokens: the cached positions inside a bracket that says how many there are (the one
    written this step marked), the token this step chose outside it; collapsed to the last
    STRIP_TOKENS positions (the rest on demand, under the overview). Returns (window, chips)."""
    step = trace.steps[view]
    fed = ledger.query_length("cached", step.phase, step.context_length)
    win = lessons.strip_window(step.context_length, fed)
    chips = _position_chips(trace, view, win)
    row = st.container(horizontal=True, gap="small", vertical_alignment="center", key="token_strip")
    n = win.context
    label = t("lesson.strip.cache_one") if n == 1 else t("lesson.strip.cache", n=n)
    earlier = "  \n:gray-badge[" + t("lesson.strip.earlier", n=win.hidden) + "]" if win.hidden else ""
    with row.container(border=True, key="cache_bracket", width="stretch"):
        inside = st.container(horizontal=True, gap="small")
        inside.markdown(f":green-badge[{label}]" + earlier, help=t("lesson.strip.cache_help"), width="content")
        # A long run: two lines of chips at most, scrolled to the newest (the label stays in view).
        box = (inside.container(height=STRIP_HEIGHT, border=False, autoscroll=True, key="cache_chips") if win.hidden
               else inside.container(key="cache_chips"))
        box.markdown(":small[" + " ".join(chips[win.first:n]) + "]")
    with row.container(key="new_token", width="content"):
        st.markdown(":orange-badge[" + t("lesson.strip.new") + "] " + " ".join(chips[n:]),
                    help=t("lesson.strip.new_help"))
    return win, chips


def _text_line(trace, view: int, win, chips: list[str]) -> None:
    """The text so far (its tail when long), and the whole strip on demand."""
    text = _text_so_far(trace, view)
    tail = 160
    if win.hidden and len(text) > tail:
        st.markdown(t("lesson.strip.text_tail", text=md_escape(text[-tail:])))
    else:
        st.markdown(t("learn.strip.decoded", text=md_escape(text)))
    if win.hidden and st.toggle(t("lesson.strip.show_all", n=win.context + 1), key="strip_all"):
        with st.container(height=220, key="strip_full"):
            st.markdown(md_escape(text))
            st.markdown(" ".join(chips))


def _text_so_far(trace, view: int) -> str:
    raws = trace.token_raws
    if raws is None:
        return trace.prompt_text + "".join(s.token_text for s in trace.steps[: view + 1])
    return tokens.decoded_text(raws[: len(trace.prompt_token_ids) + view + 1])  # characters split over tokens whole


def _position_chips(trace, view: int, win) -> list[str]:
    """One chip per position 0..context (the new token last): green = read from the cache, blue =
    written this step, orange = the new token. Bytes where a token is part of a character split over
    tokens, with the character they make after the span (or a mark while bytes are still missing)."""
    def role(i: int) -> tuple[str, bool]:
        if i == win.new_index:
            return "orange", True
        return ("blue", True) if i >= win.fresh_from else ("green", False)

    raws = trace.token_raws  # None: a file written before token bytes were recorded
    if raws is None:
        return [token_chip(text, *role(i)) for i, text in enumerate(trace.token_texts[: win.context + 1])]
    views, spans = tokens.view(raws[: win.context + 1])
    out = []
    for v in views:
        color, bold = role(v.index)
        chip = token_chip(v.text, color, bold) if v.text is not None else byte_chip(v.raw, color, bold)
        span = spans[v.span] if v.span is not None else None
        if span is not None and v.index == min(span.last, views[-1].index):
            joined = t("learn.strip.joins", text=md_escape(span.text)) if span.complete else t("learn.strip.pending")
            chip += f" :violet-badge[{joined}]"
        out.append(chip)
    return out


def _candidates(trace, view: int, done: bool) -> None:
    step = trace.steps[view]
    cols = {k: t(f"learn.candidates.{k}") for k in ("token", "id", "probability", "chosen")}
    alts = shared_table("candidates", (step,), lambda: [
        {cols["token"]: _candidate_label(c), cols["id"]: c.token_id, cols["probability"]: c.prob,
         cols["chosen"]: "✔" if c.token_id == step.token_id else ""}
        for c in step.top_k
    ])
    with st.expander(t("learn.candidates", n=len(alts)), expanded=False):
        st.dataframe(alts, hide_index=True, width="stretch", column_config={
            cols["probability"]: st.column_config.ProgressColumn(format="%.4f", min_value=0.0, max_value=1.0)})
    if done and view == len(trace.steps) - 1:
        reason = trace.finish_reason
        why = t(f"learn.finish.{reason}") if reason in FINISH_REASONS else md_escape(str(reason))
        st.caption(t("learn.finished", why=why))


def _candidate_label(c) -> str:
    """A candidate as plain text for the table: repr of its text, or its bytes when not a whole character."""
    if not c.token_bytes:
        return repr(c.token_text)
    raw = bytes.fromhex(c.token_bytes)
    whole = tokens.token_text_of(raw)
    return repr(whole) if whole is not None else tokens.hex_bytes(raw)


def _verified(info) -> None:
    """Whether the FLOP and byte figures were checked on this very model when it was loaded."""
    if info.verified:
        st.caption(t("learn.verified.yes", worst=f"{info.verify_worst_rel or 0:.1e}"))
    elif info.verify_worst_rel is None and not info.verify_failed:
        st.caption(t("learn.verified.unknown"))
    else:
        figures = ", ".join(info.unverified) or t("learn.verified.all")
        st.warning(md_escape(t("learn.verified.no", figures=figures, worst=f"{info.verify_worst_rel or 0:.2g}")),
                   icon=":material/report:")


def _badge(trace, view: int) -> None:
    steps = [s for s in trace.steps[: view + 1] if s.max_abs_logit_diff is not None]
    if not steps:
        return
    worst = max(s.max_abs_logit_diff for s in steps)
    greedy = trace.settings.get("temperature", 0) <= 0
    # Greedy: both modes must pick the same tokens. Sampling draws once, so compare the logits.
    same = all(s.token_id == s.other_token_id for s in steps) if greedy else True
    if same and worst <= AGREEMENT_TOLERANCE:
        key = "learn.badge.agree_greedy" if greedy else "learn.badge.agree_sampling"
        word = t("learn.badge.step" if len(steps) == 1 else "learn.badge.steps")
        st.caption(":material/check_circle: " + t(key, steps=len(steps), steps_word=word, worst=worst,
                                                  tolerance=AGREEMENT_TOLERANCE))
    else:
        key = "learn.badge.tokens_differ" if not same else "learn.badge.logits_differ"
        st.warning(t(key, worst=worst, tolerance=AGREEMENT_TOLERANCE), icon=":material/warning:")


def _cache_view(trace, view: int, info) -> None:
    step = trace.steps[view]
    st.caption(t("learn.cache.caption"))
    col = {k: t(f"learn.cache.col.{k}") for k in ("layer", "k_shape", "v_shape", "window", "bytes")}
    full = t("learn.cache.window_full")
    rows = [
        {col["layer"]: i, col["k_shape"]: str(c.key_shape), col["v_shape"]: str(c.value_shape),
         col["window"]: info.layer_windows[i] if i < len(info.layer_windows) and info.layer_windows[i] else full,
         col["bytes"]: c.bytes}
        for i, c in enumerate(step.cache_layers)
    ]
    # The map at full width, so its position axis has room for a token per position (up to 40) or
    # round position numbers; the table and the size curve side by side beneath it.
    _chart(charts.cache_map_figure(trace, view), "cache_map")
    left, right = st.columns([1.25, 1])  # wide enough for every column at 1280 px
    with left:
        st.dataframe(rows, hide_index=True, width="stretch", height=360, column_config={
            col["layer"]: st.column_config.NumberColumn(width="small"),
            col["window"]: st.column_config.TextColumn(width="small"),
            col["bytes"]: st.column_config.NumberColumn(t("learn.cache.col.bytes_label"), format="localized")})
    with right:
        _chart(charts.cache_bytes_figure(trace, view), "cache_bytes")
    full_layers = sum(1 for w in info.layer_windows if not w) or info.num_layers
    b = info.dtype_bytes
    st.markdown(t(
        "learn.cache.formula", layers=info.num_layers, kv_heads=info.num_key_value_heads, head_dim=info.head_dim,
        dtype_bytes=b, dtype=md_escape(str(info.dtype)),
        per_token=2 * info.num_layers * info.num_key_value_heads * info.head_dim * b,
        sliding="" if full_layers == info.num_layers else t("learn.cache.formula_sliding"),
        after=step.cache_bytes,
    ))
    if info.num_key_value_heads < info.num_attention_heads:
        _chart(charts.head_sharing_figure(info.num_attention_heads, info.num_key_value_heads), "heads")
        st.caption(t("learn.cache.gqa", factor=info.num_attention_heads // info.num_key_value_heads))


def _work_view(trace, view: int) -> None:
    run = ledger.split_trace(replace(trace, steps=trace.steps[: view + 1]))
    step = trace.steps[view]
    sp = run.steps[-1]
    c = st.columns(3)
    c[0].metric(t("learn.work.cached"), fmt_flops(sp.cached_total))
    c[1].metric(t("learn.work.recompute"), fmt_flops(sp.recompute_total), help=t("learn.work.recompute_help"))
    c[2].metric(t("learn.work.ratio"), f"{sp.ratio:.1%}", help=t("learn.work.ratio_help"))
    _chart(charts.work_split_figure(run, view), "work_split")
    st.caption(t("learn.work.split_caption"))
    _chart(charts.running_totals_figure(run, view), "running")
    log_scale = st.toggle(t("learn.work.log"), value=False, key="work_log")
    _chart(charts.components_figure(step, log_scale), "components")
    needed = step.flops.get("recompute", {})
    if needed.get("scores_needed") is not None and needed.get("scores_needed") != needed.get("scores"):
        st.caption(t("learn.work.executed", scores=int(needed["scores"]), needed=int(needed["scores_needed"])))
    _chart(charts.time_figure(trace, view), "time")
    st.caption(t("learn.work.time_caption"))


def _attention_view(trace, view: int, info) -> None:
    recorded = sorted(trace.steps[0].attention)
    if not recorded:
        st.info(t("learn.attention.none"))
        return
    if st.session_state.get("attn_layer") not in recorded:
        st.session_state.pop("attn_layer", None)  # a new run may record other layers
    if len(recorded) < info.num_layers:
        st.caption(t("learn.attention.one_layer", layer=recorded[0], limit=ATTENTION_ALL_LAYERS_MAX_TOKENS))
    c = st.columns(2)
    layer = c[0].selectbox(t("learn.attention.layer"), recorded, index=0, key="attn_layer")
    head = c[1].selectbox(t("learn.attention.head"), list(range(info.num_attention_heads)), key="attn_head")
    _chart(charts.attention_figure(trace, view, layer, head), "attn")
    st.caption(t("learn.attention.caption"))


def _questions(trace, view: int) -> None:
    from kvviz.analysis import answers as explain
    from kvviz.text import answers as say
    from kvviz.ui.pages.article import show_article

    show_article(replace(trace, steps=trace.steps[: view + 1]))  # the article named, its GPT-2 beside this model
    st.caption(t("answers.intro"))
    for a in explain.answers(replace(trace, steps=trace.steps[: view + 1])):
        with st.container(border=True):
            st.markdown(f"**{md_escape(say.question(a.key))}**")
            st.markdown(md_escape(say.headline(a)))  # shapes may come from a file: escaped
            for line in say.lines(a):
                st.text("• " + line)


def _on_upload() -> None:
    """Open a trace file (JSON only, validated); a bad file leaves the run on screen as it was."""
    from kvviz.trace_read import read_trace

    apply_language()  # callbacks run before the page, maybe in a fresh thread
    up = st.session_state.get(W_UPLOAD)
    if up is None:
        return
    try:
        trace = read_trace(up.getvalue())
        if not trace.steps:
            raise KvvizError(t("learn.error.no_steps"))
    except KvvizError as e:
        learn.error = error_note(e)
        return
    learn.tracer = Replay(trace)
    learn.view = min(1, len(trace.steps) - 1)  # like a live run: open on the first decode step
    learn.playing = False
    learn.error = None


def _chart(fig, key: str) -> None:
    """A chart at full width, its camera button saving PNG or SVG (the visitor's choice)."""
    st.plotly_chart(fig, width="stretch", key=key, config=plotly_config(key))


def _trace_file(trace, view: int) -> None:
    show_exports(trace, view)  # the HTML report, the CSV tables, PNG or SVG for the charts
    st.download_button(t("learn.file.download"), trace.to_json, file_name="kvviz-trace.json",
                       mime="application/json", key="download")
    st.caption(t("learn.file.caption", schema=md_escape(str(trace.schema))))
    st.file_uploader(t("learn.file.upload"), type=["json"], key=W_UPLOAD, on_change=_on_upload,
                     max_upload_size=MAX_TRACE_MB)
    if learn.is_replay:
        st.info(t("learn.file.replaying", model=md_escape(str(trace.model.name)), steps=len(trace.steps)))
