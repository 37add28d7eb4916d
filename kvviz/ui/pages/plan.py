"""The capacity planner page: how much memory the KV cache of real models takes, and what fits.

Numbers from kvviz.planner, words from kvviz.text, figures from kvviz.charts.planner. Widgets
store stable ids (catalog names, "__loaded__", dtype ids) and show labels through format_func.
Everything shown that a file or a visitor supplies is text, never markup: every markdown
element goes through md_escape (_say), and the charts escape names themselves (charts.label).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from kvviz.analysis import floor
from kvviz.charts import planner as charts
from kvviz.errors import KvvizError
from kvviz.planner import describe
from kvviz.planner.catalog import load_accelerators, load_catalog
from kvviz.planner.configs import ModelSpec, parse_config_text
from kvviz.planner.dtypes import DTYPES, WEIGHT_DTYPES
from kvviz.planner.fit import DEFAULT_RESERVE, MAX_GPUS, TP_CANDIDATES, fit, smallest_gpus, validate_config
from kvviz.planner.formula import formula_latex, formula_text
from kvviz.planner.plan import Plan, context_curve, plan, variant_configs
from kvviz.text import t
from kvviz.ui.export import plotly_config
from kvviz.ui.markup import md_escape
from kvviz.units import GB, GIB, fmt_bytes_binary

DEFAULT_MODELS = ["Llama-3.1-8B", "Mistral-7B-v0.1", "Gemma-2-9B", "DeepSeek-V3"]
LOADED = "__loaded__"  # the id of the app's loaded model in the model picker
GIB_FMT = "%,.2f"  # every GiB and GB figure: thousands separators, 2 decimals
INT_FMT = "%,d"
# Explicit column widths (pixels): the on-screen tables fit a 1280 px window without scrolling,
# and no number or header is cut short.
W_NAME, W_NUM, W_WIDE = 200, 120, 145


def _say(show: Callable, text: str) -> None:
    """Show text through a markdown element (st.caption, st.warning, ...) as text: never as markup."""
    show(md_escape(text))


@st.cache_data(show_spinner=False)
def _catalog() -> list[ModelSpec]:
    return load_catalog()


def _loaded_spec() -> ModelSpec | None:
    """The app's loaded model, if the explainer put its config.to_dict() in the session."""
    config = st.session_state.get("loaded_model_config")
    if not isinstance(config, dict):
        return None
    params = st.session_state.get("loaded_model_parameters")
    params = params if isinstance(params, int) and not isinstance(params, bool) and params > 0 else None
    try:
        validate_config(config, t("planner.ui.loaded_label"), parameters=params)
    except KvvizError as e:
        _say(st.warning, str(e))
        return None
    name = config.get("_name_or_path")
    name = name.split("/")[-1][:200] if isinstance(name, str) and name else t("planner.ui.loaded_default")
    return ModelSpec(name=t("planner.ui.loaded_name", name=name), config=config, parameters=params,
                     parameters_source=t("planner.params.loaded") if params else "",
                     source=t("planner.ui.loaded_source"))


def _uploaded_spec() -> ModelSpec | None:
    up = st.file_uploader(t("planner.ui.upload"), type=["json"], key="planner_upload", help=t("planner.ui.upload_help"))
    if up is None:
        return None
    try:
        label = t("planner.ui.upload_label", name=repr(up.name[:200]))
        config = parse_config_text(up.getvalue(), label)
        validate_config(config, label)
    except KvvizError as e:
        _say(st.error, str(e))
        return None
    name = up.name.removesuffix(".json")[:200]
    if name == "config":
        given = config.get("_name_or_path")
        name = given.split("/")[-1][:200] if isinstance(given, str) and given else t("planner.ui.uploaded_default")
    return ModelSpec(name=t("planner.ui.uploaded_name", name=name), config=config,
                     source=t("planner.ui.uploaded_source"))


def _linked_models(catalog: dict) -> list[str]:
    """Models a link preselects (?models=A,B: a scenario card of the explainer): catalog names only."""
    raw = st.query_params.get("models", "")
    return [n for n in (p.strip() for p in raw[:400].split(",")) if n in catalog][:8]


def render() -> None:
    st.title(t("planner.ui.title"))
    _say(st.caption, t("planner.ui.intro"))
    catalog = {s.name: s for s in _catalog()}
    loaded = _loaded_spec()
    options = ([LOADED] if loaded else []) + list(catalog)
    default = _linked_models(catalog) or ([LOADED] if loaded else []) + DEFAULT_MODELS
    chosen = st.multiselect(t("planner.ui.models"), options, default=default, key="planner_models",
                            format_func=lambda i: t("planner.ui.loaded_option") if i == LOADED else i)
    uploaded = _uploaded_spec()
    # context gets the widest column: it must show 7+ digits beside its +/- buttons
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    context = int(c1.number_input(t("planner.ui.context"), min_value=1, max_value=10_000_000, value=32768, step=1024,
                                  key="planner_context"))
    batch = int(c2.number_input(t("planner.ui.batch"), min_value=1, max_value=100_000, value=16, step=1,
                                key="planner_batch"))
    dtype = c3.selectbox(t("planner.ui.dtype"), list(DTYPES), index=list(DTYPES).index("bf16"), key="planner_dtype")
    weights_dtype = c4.selectbox(t("planner.ui.weights_dtype"), list(WEIGHT_DTYPES), index=1, key="planner_wdtype")
    _say(st.caption, describe.dtype_note(dtype))

    specs = [loaded if n == LOADED else catalog[n] for n in chosen if (n == LOADED and loaded) or n in catalog]
    if uploaded is not None:
        specs.append(uploaded)
    if not specs:
        _say(st.info, t("planner.ui.choose_one"))
        _variants_section(dtype, context)
        return
    plans: list[tuple[ModelSpec, Plan]] = []
    for spec in specs:
        try:
            plans.append((spec, plan(spec, dtype=dtype, context=context, batch=batch, weights_dtype=weights_dtype)))
        except KvvizError as e:
            _say(st.error, t("planner.ui.model_error", name=spec.name, message=str(e)))
    if not plans:  # every chosen model failed: say so above, keep the rest of the page
        _say(st.info, t("planner.ui.none_planned"))
        _variants_section(dtype, context)
        return
    _summary_table(plans, context, batch)
    _curve_section(plans, dtype, batch)
    _fit_section(plans, dtype, context, batch, weights_dtype)
    _variants_section(dtype, context)
    _formula_section(plans)


def _summary_table(plans: list[tuple[ModelSpec, Plan]], context: int, batch: int) -> None:
    st.subheader(t("planner.ui.summary_title", context=f"{context:,}", batch=batch))
    rows = [{"model": s.name, "cache_gib": p.total_bytes / GIB, "cache_gb": p.total_bytes / GB,
             "weights_gib": p.weights_bytes / GIB, "per_token_kib": p.bytes_per_token / 1024} for s, p in plans]
    details = [{"model": s.name, "attention": describe.attention_label(p.attention),
                "bytes_per_token": p.bytes_per_token, "cache_bytes": p.total_bytes, "weights_bytes": p.weights_bytes,
                "parameters": p.parameters,
                "source": s.source} for s, p in plans]
    num, text = st.column_config.NumberColumn, st.column_config.TextColumn
    st.dataframe(rows, hide_index=True, column_config={
        "model": text(t("planner.col.model"), width=W_NAME),
        "cache_gib": num(t("planner.col.cache_gib"), format=GIB_FMT, width=W_NUM,
                         help=t("planner.col.cache_gib_help", context=f"{context:,}", batch=batch)),
        "cache_gb": num(t("planner.col.cache_gb"), format=GIB_FMT, width=W_NUM, help=t("planner.col.cache_gb_help")),
        "weights_gib": num(t("planner.col.weights_gib"), format=GIB_FMT, width=W_NUM,
                           help=t("planner.col.weights_gib_help")),
        "per_token_kib": num(t("planner.col.per_token_kib"), format=GIB_FMT, width=W_NUM,
                             help=t("planner.col.per_token_kib_help")),
    })
    with st.expander(t("planner.ui.details")):
        st.dataframe(details, hide_index=True, column_config={
            "model": text(t("planner.col.model"), width=W_NAME),
            "attention": text(t("planner.col.attention"), width="large"),
            "bytes_per_token": num(t("planner.col.bytes_per_token"), format=INT_FMT),
            "cache_bytes": num(t("planner.col.cache_bytes"), format=INT_FMT),
            "weights_bytes": num(t("planner.col.weights_bytes"), format=INT_FMT),
            "parameters": num(t("planner.col.parameters"), format=INT_FMT),
            "source": text(t("planner.col.source"), width="large"),
        })
    for spec, p in plans:
        for w in p.warnings:
            _say(st.warning, t("planner.ui.model_note", name=spec.name, text=describe.warning_text(w)))
        if p.total_bytes_transformers != p.total_bytes:
            _say(st.caption, t("planner.ui.transformers_note", name=spec.name, bytes=f"{p.total_bytes_transformers:,}"))


def _curve_section(plans: list[tuple[ModelSpec, Plan]], dtype: str, batch: int) -> None:
    st.subheader(t("planner.ui.curve_title"))
    hi = max([131072] + [p.max_position_embeddings or 0 for _, p in plans])
    contexts = charts.log_contexts(128, min(hi, 1 << 20))
    series = []
    for spec, p in plans:
        top = p.max_position_embeddings or contexts[-1]  # each line stops where the model was built to stop
        xs = [c for c in contexts if c < top] + [min(top, contexts[-1])]
        series.append((spec.name, xs, context_curve(spec, dtype, xs, batch)))
    st.plotly_chart(charts.cache_vs_context(series, batch=batch, dtype=dtype), key="planner_curve",
                    config=plotly_config("planner_curve"))
    _say(st.caption, t("planner.ui.curve_caption"))


def _fit_section(plans: list[tuple[ModelSpec, Plan]], dtype: str, context: int, batch: int, weights_dtype: str) -> None:
    st.subheader(t("planner.ui.fit_title"))
    accs = {a.name: a for a in load_accelerators()}
    c1, c2, c3 = st.columns([2, 2, 3])
    acc = accs[c1.selectbox(t("planner.ui.accelerator"), list(accs), key="planner_acc")]
    gpus = int(c2.number_input(t("planner.ui.gpus"), min_value=1, max_value=MAX_GPUS, value=1, step=1,
                               key="planner_gpus", help=t("planner.ui.gpus_help")))
    reserve = c3.slider(t("planner.ui.reserve"), 0.0, 0.5, DEFAULT_RESERVE, 0.01, key="planner_reserve", format="%.2f",
                        help=t("planner.ui.reserve_help", default=f"{DEFAULT_RESERVE:.2f}"))
    where = acc.name if gpus == 1 else t("planner.ui.where_tp", n=gpus, accelerator=acc.name)
    weights = t("planner.ui.weights_whole") if gpus == 1 else t("planner.ui.weights_share", n=gpus)
    _say(st.caption, t("planner.ui.fit_caption", accelerator=acc.name, basis=acc.memory_basis,
                       bytes=f"{acc.memory_bytes:,}", used=f"{reserve:.0%}", default=f"{DEFAULT_RESERVE:.0%}",
                       weights=weights, dtype=weights_dtype))
    rows, details, bars, notes = [], [], [], []
    for spec, _p in plans:
        kw = {"dtype": dtype, "context": context, "batch": batch, "weights_dtype": weights_dtype,
              "reserve_fraction": reserve}
        try:
            f = fit(spec, acc.memory_bytes, gpus=gpus, **kw)
            smallest = smallest_gpus(spec, acc.memory_bytes, **kw)
        except KvvizError as e:
            _say(st.error, t("planner.ui.model_error", name=spec.name, message=str(e)))
            continue
        if gpus > 1 and f.kv_split in ("replicated", "uneven", "mla"):
            notes.append(t("planner.ui.model_note", name=spec.name, text=describe.split_note(f.sharding)))
        bars.append({"name": spec.name, "weights_bytes": f.weights_per_device_bytes,
                     "cache_bytes": f.cache_per_device_bytes})
        # Each device reads its share of the weights and of the cache once per decode step: a floor, not a promise.
        step = floor.planned_floor(f.weights_per_device_bytes, f.cache_per_device_bytes, acc.name, devices=1)
        rows.append({"model": spec.name, "fits": f.fits, "smallest_n": smallest.gpus if smallest else None,
                     "largest_batch": f.largest_batch, "largest_context": f.largest_context,
                     "free_gib": f.free_for_cache_bytes / GIB})
        details.append({"model": spec.name, "weights_gib": f.weights_per_device_bytes / GIB,
                        "cache_gib": f.cache_per_device_bytes / GIB, "free_gb": f.free_for_cache_bytes / GB,
                        "kv_heads": f.kv_heads_per_device, "limited_by": describe.limited_by(f.context_limited_by),
                        "floor_ms": step.seconds * 1e3, "cache_share": 100 * step.cache_share})
    top = f"{TP_CANDIDATES[-1]:,}"
    num, text = st.column_config.NumberColumn, st.column_config.TextColumn
    st.dataframe(rows, hide_index=True, column_config={
        "model": text(t("planner.col.model"), width=W_NAME),
        "fits": st.column_config.CheckboxColumn(
            t("planner.col.fits") if gpus == 1 else t("planner.col.fits_on", n=f"{gpus:,}"), width=90,
            help=t("planner.col.fits_help", context=f"{context:,}", batch=batch, where=where)),
        "smallest_n": num(t("planner.col.smallest_n"), format=INT_FMT, width=W_NUM,
                          help=t("planner.col.smallest_n_help", accelerator=acc.name, context=f"{context:,}",
                                 batch=batch, top=top)),
        "largest_batch": num(t("planner.col.largest_batch"), format=INT_FMT, width=100,
                             help=t("planner.col.largest_batch_help", context=f"{context:,}", where=where)),
        "largest_context": num(t("planner.col.largest_context"), format=INT_FMT, width=W_WIDE,
                               help=t("planner.col.largest_context_help", batch=batch, where=where)),
        "free_gib": num(t("planner.col.free_gib"), format=GIB_FMT, width=135, help=t("planner.col.free_gib_help")),
    })
    with st.expander(md_escape(t("planner.ui.per_device", where=where))):
        st.dataframe(details, hide_index=True, column_config={
            "model": text(t("planner.col.model"), width=W_NAME),
            "weights_gib": num(t("planner.col.weights_device_gib"), format=GIB_FMT),
            "cache_gib": num(t("planner.col.cache_device_gib", context=f"{context:,}", batch=batch), format=GIB_FMT),
            "free_gb": num(t("planner.col.free_gb"), format=GIB_FMT),
            "kv_heads": num(t("planner.col.kv_heads"), format=INT_FMT, help=t("planner.col.kv_heads_help")),
            "limited_by": text(t("planner.col.limited_by"), width="medium"),
            "floor_ms": num(t("planner.col.floor_ms"), format="%.2f",
                            help=t("planner.col.floor_ms_help", accelerator=acc.name, batch=batch)),
            "cache_share": num(t("planner.col.cache_share"), format="%.0f%%", help=t("planner.col.cache_share_help")),
        })
    _say(st.caption, describe.tp_assumption())
    for note in notes:
        _say(st.caption, note)
    usable = int(acc.memory_bytes * (1 - reserve))
    st.plotly_chart(charts.memory_bars(bars, acc.name, usable, gpus=gpus), key="planner_bars",
                    config=plotly_config("planner_bars"))


def _variants_section(dtype: str, context: int) -> None:
    st.subheader(t("planner.ui.variants_title"))
    rows = []
    for vid, cfg in variant_configs().items():
        p = plan(cfg, dtype=dtype, context=context, batch=1, parameters=0)
        rows.append({"name": t(f"planner.variant.{vid}"), "bytes_per_token": p.bytes_per_token,
                     "total_bytes": p.total_bytes})
    st.plotly_chart(charts.variants_bars(rows, context, dtype), key="planner_variants",
                    config=plotly_config("planner_variants"))
    _say(st.caption, t("planner.ui.variants_caption"))


def _formula_section(plans: list[tuple[ModelSpec, Plan]]) -> None:
    st.subheader(t("planner.ui.formula_title"))
    names = [spec.name for spec, _ in plans]
    # pick by position: two models may share a name, and a stale choice must not raise
    pick = st.selectbox(t("planner.ui.formula_model"), range(len(plans)), format_func=lambda i: names[i],
                        key="planner_formula_model")
    spec, p = plans[pick if isinstance(pick, int) and 0 <= pick < len(plans) else 0]
    st.latex(formula_latex(p.formula))
    st.code(formula_text(p.formula), language=None, wrap_lines=True)
    ref = p.mla_reference
    if ref:
        _say(st.caption, t("planner.ui.mla_reference", heads=ref.heads, key=ref.key_dim, value=ref.value_dim,
                           bytes=f"{ref.bytes_per_token:,}", ratio=f"{ref.ratio_to_latent:.1f}",
                           total=f"{ref.total_bytes:,}", size=fmt_bytes_binary(ref.total_bytes)))
    if spec.notes:
        _say(st.caption, spec.notes)
    _say(st.caption, t("planner.ui.weights_note", parameters=f"{p.parameters:,}",
                       source=describe.parameters_note(p, spec)))
    with st.expander(t("planner.ui.per_layer")):
        keys = ("index", "kind", "kv_heads", "head_dim", "window", "elements_per_token", "bytes_per_token", "positions",
                "bytes", "positions_transformers")
        st.dataframe([{k: getattr(row, k) for k in keys} for row in p.layers], hide_index=True,
                     column_config={k: st.column_config.NumberColumn(t(f"planner.col.layer.{k}"), format=INT_FMT)
                                    for k in keys if k not in ("index", "kind")})
