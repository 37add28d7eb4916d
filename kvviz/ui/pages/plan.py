"""The capacity planner page: how much memory the KV cache of real models takes, and what fits.

All numbers come from kvviz.planner (pure Python); figures from kvviz.charts.planner.
User text (uploaded file names, config values quoted in errors, names from _name_or_path) is only
ever shown as plain text: every markdown element that includes it goes through md_escape, and
the charts escape names themselves (capacity_charts.label).
"""

from __future__ import annotations

import streamlit as st

from kvviz.planner import capacity as cap
from kvviz.charts import planner as charts
from kvviz.errors import KvvizError
from kvviz.ui.markup import md_escape

DEFAULT_MODELS = ["Llama-3.1-8B", "Mistral-7B-v0.1", "Gemma-2-9B", "DeepSeek-V3"]
LOADED_LABEL = "Currently loaded model"
DEFAULT_RESERVE = cap.DEFAULT_RESERVE  # 10%, like vLLM's gpu_memory_utilization=0.9; the CLI uses the same
GIB_FMT = "%,.2f"  # every GiB and GB figure: thousands separators, 2 decimals
INT_FMT = "%,d"
# Explicit column widths (pixels): the on-screen tables fit a 1280 px window without scrolling,
# and no number or header is cut short.
W_NAME, W_NUM, W_WIDE = 200, 120, 145


@st.cache_data(show_spinner=False)
def _catalog() -> list[cap.ModelSpec]:
    return cap.load_catalog()


def _loaded_spec() -> cap.ModelSpec | None:
    """The app's loaded model, if the explainer put its config.to_dict() in the session."""
    config = st.session_state.get("loaded_model_config")
    if not isinstance(config, dict):
        return None
    params = st.session_state.get("loaded_model_parameters")
    params = params if isinstance(params, int) and not isinstance(params, bool) and params > 0 else None
    try:
        cap.validate_config(config, "the loaded model's config", parameters=params)
    except KvvizError as e:
        st.warning(md_escape(str(e)))
        return None
    name = str(config.get("_name_or_path") or "loaded model").split("/")[-1]
    return cap.ModelSpec(
        name=f"{name} (loaded)",
        config=config,
        parameters=params,
        parameters_source="counted on the loaded model" if params else "",
        source="the model loaded in this app",
    )


def _uploaded_spec() -> cap.ModelSpec | None:
    up = st.file_uploader(
        "Or upload a config.json (read as JSON only)",
        type=["json"],
        key="planner_upload",
        help="A Hugging Face config.json of a decoder-only model. Nothing else in the file is run or stored.",
    )
    if up is None:
        return None
    try:
        data = up.getvalue()
        config = cap.parse_config_text(data, f"The uploaded file {up.name!r}")
    except KvvizError as e:
        st.error(md_escape(str(e)))
        return None
    name = up.name.removesuffix(".json")
    if name == "config":
        name = str(config.get("_name_or_path") or "uploaded config").split("/")[-1]
    return cap.ModelSpec(name=f"{name} (uploaded)", config=config, source="uploaded config.json")


def render() -> None:
    st.title("KV-cache capacity planner")
    st.caption(
        "How much memory the KV cache takes for real, published model configs, and what fits beside the weights "
        "on one accelerator or several (tensor parallel). Sizes are in GiB (2^30 bytes) with GB (10^9 bytes) beside them; hover a chart for exact bytes."
    )
    catalog = {s.name: s for s in _catalog()}
    loaded = _loaded_spec()
    options = ([LOADED_LABEL] if loaded else []) + list(catalog)
    default = ([LOADED_LABEL] if loaded else []) + DEFAULT_MODELS

    chosen = st.multiselect("Models", options, default=default, key="planner_models")
    uploaded = _uploaded_spec()
    # context gets the widest column: it must show 7+ digits beside its +/- buttons
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    context = int(c1.number_input("Context (tokens)", min_value=1, max_value=10_000_000, value=32768, step=1024, key="planner_context"))
    batch = int(c2.number_input("Batch (sequences)", min_value=1, max_value=100_000, value=16, step=1, key="planner_batch"))
    dtype = c3.selectbox("Cache element type", list(cap.DTYPES), index=list(cap.DTYPES).index("bf16"), key="planner_dtype")
    weights_dtype = c4.selectbox("Weights element type", list(cap.WEIGHT_DTYPES), index=1, key="planner_wdtype")
    st.caption(cap.get_dtype(dtype).note)

    specs: list[cap.ModelSpec] = [loaded if n == LOADED_LABEL else catalog[n] for n in chosen if n == LOADED_LABEL or n in catalog]
    if uploaded is not None:
        specs.append(uploaded)
    if not specs:
        st.info("Choose at least one model, or upload a config.json.")
        _variants_section(dtype, context)
        return

    plans: list[tuple[cap.ModelSpec, dict]] = []
    for spec in specs:
        try:
            plans.append((spec, cap.plan(spec, dtype=dtype, context=context, batch=batch, weights_dtype=weights_dtype)))
        except KvvizError as e:
            st.error(md_escape(f"{spec.name}: {e}"))
    if not plans:  # every chosen model failed: say so above, keep the rest of the page
        st.info("None of the chosen models could be planned; choose another, or upload a different config.json.")
        _variants_section(dtype, context)
        return

    _summary_table(plans, context, batch)
    _curve_section(plans, dtype, batch)
    _fit_section(plans, dtype, context, batch, weights_dtype)
    _variants_section(dtype, context)
    _formula_section(plans)


def _summary_table(plans, context: int, batch: int) -> None:
    st.subheader(f"Cache at {context:,} tokens x batch {batch}")
    rows, details = [], []
    for spec, p in plans:
        rows.append(
            {
                "model": spec.name,
                "cache_gib": p["total_bytes"] / cap.GIB,
                "cache_gb": p["total_bytes"] / cap.GB,
                "weights_gib": p["weights_bytes"] / cap.GIB,
                "per_token_kib": p["bytes_per_token"] / 1024,
            }
        )
        details.append(
            {
                "model": spec.name,
                "attention": p["attention"],
                "bytes_per_token": p["bytes_per_token"],
                "cache_bytes": p["total_bytes"],
                "weights_bytes": p["weights_bytes"],
                "parameters": p["parameters"],
                "source": spec.source,
            }
        )
    st.dataframe(
        rows,
        hide_index=True,
        column_config={
            "model": st.column_config.TextColumn("model", width=W_NAME),
            "cache_gib": st.column_config.NumberColumn(
                "cache (GiB)", format=GIB_FMT, width=W_NUM, help=f"KV cache at {context:,} tokens x batch {batch}, GiB = 2^30 bytes"
            ),
            "cache_gb": st.column_config.NumberColumn("cache (GB)", format=GIB_FMT, width=W_NUM, help="the same in GB = 10^9 bytes"),
            "weights_gib": st.column_config.NumberColumn(
                "weights (GiB)", format=GIB_FMT, width=W_NUM, help="parameters x weights element type"
            ),
            "per_token_kib": st.column_config.NumberColumn(
                "per token (KiB)", format=GIB_FMT, width=W_NUM, help="cache per token, all layers, no window capping; KiB = 1,024 bytes"
            ),
        },
    )
    with st.expander("Attention, exact bytes and sources"):
        st.dataframe(
            details,
            hide_index=True,
            column_config={
                "model": st.column_config.TextColumn("model", width=W_NAME),
                "attention": st.column_config.TextColumn("attention", width="large"),
                "bytes_per_token": st.column_config.NumberColumn("cache per token (bytes)", format=INT_FMT),
                "cache_bytes": st.column_config.NumberColumn("cache (bytes)", format=INT_FMT),
                "weights_bytes": st.column_config.NumberColumn("weights (bytes)", format=INT_FMT),
                "parameters": st.column_config.NumberColumn("parameters", format=INT_FMT),
                "source": st.column_config.TextColumn("source", width="large"),
            },
        )
    for spec, p in plans:
        for w in p["warnings"]:
            st.warning(md_escape(f"{spec.name}: {w}"))
        if p["total_bytes_transformers"] != p["total_bytes"]:
            st.caption(
                md_escape(
                    f"{spec.name}: sliding layers are counted at their full window. transformers' DynamicCache keeps "
                    f"window - 1 positions per sliding layer, {p['total_bytes_transformers']:,} bytes here."
                )
            )


def _curve_section(plans, dtype: str, batch: int) -> None:
    st.subheader("Cache size against context length")
    hi = max([131072] + [int(p["max_position_embeddings"] or 0) for _, p in plans])
    contexts = charts.log_contexts(128, min(hi, 1 << 20))
    series = []
    for spec, p in plans:
        # each line stops at the longest context the model was built for
        top = int(p["max_position_embeddings"] or contexts[-1])
        xs = [c for c in contexts if c < top] + [min(top, contexts[-1])]
        series.append((spec.name, xs, cap.context_curve(spec, dtype, xs, batch)))
    fig = charts.cache_vs_context(series, batch=batch, dtype=dtype)
    st.plotly_chart(fig, key="planner_curve")
    st.caption(
        "Each line ends at the model's max_position_embeddings. A line that flattens belongs to a model whose layers "
        "all slide: each sliding layer holds at most its window. Hybrid models (Gemma) keep growing through their "
        "global layers only. Sliding layers are counted at their full window here."
    )


def _fit_section(plans, dtype: str, context: int, batch: int, weights_dtype: str) -> None:
    st.subheader("What fits on the accelerators")
    accs = {a.name: a for a in cap.load_accelerators()}
    c1, c2, c3 = st.columns([2, 2, 3])
    acc = accs[c1.selectbox("Accelerator", list(accs), key="planner_acc")]
    gpus = int(c2.number_input(
        "Accelerators (tensor parallel)", min_value=1, max_value=cap.MAX_GPUS, value=1, step=1, key="planner_gpus",
        help="Weights and KV heads split evenly over this many devices; the table also gives the smallest N that fits.",
    ))
    reserve = c3.slider(
        "Reserve per device (activations, CUDA context, allocator slack)",
        0.0, 0.5, DEFAULT_RESERVE, 0.01, key="planner_reserve", format="%.2f",
        help="Fraction of each accelerator's memory kept free. Default 0.10, like vLLM's gpu_memory_utilization=0.9; "
             "the command line (--reserve) uses the same default.",
    )
    where = acc.name if gpus == 1 else f"{gpus} x {acc.name}"
    st.caption(
        f"{acc.name}: {acc.memory_basis}. Planned per device with {acc.memory_bytes:,} bytes, less the reserve used "
        f"({reserve:.0%}; default {DEFAULT_RESERVE:.0%}, as vLLM's gpu_memory_utilization of 0.9 leaves 10%), "
        f"less {'the weights' if gpus == 1 else f'1/{gpus} of the weights'} in {weights_dtype}."
    )
    rows, details, bars, notes = [], [], [], []
    for spec, p in plans:
        kw = dict(dtype=dtype, context=context, batch=batch, weights_dtype=weights_dtype, reserve_fraction=reserve)
        try:
            f = cap.fit(spec, acc.memory_bytes, gpus=gpus, **kw)
            smallest = cap.smallest_gpus(spec, acc.memory_bytes, **kw)
        except KvvizError as e:
            st.error(md_escape(f"{spec.name}: {e}"))
            continue
        if gpus > 1 and f["kv_split"] in ("replicated", "uneven", "replicated (MLA latent)"):
            notes.append(f"{spec.name}: {f['kv_split_note']}")
        bars.append({"name": spec.name, "weights_bytes": f["weights_per_device_bytes"], "cache_bytes": f["cache_per_device_bytes"]})
        rows.append(
            {
                "model": spec.name,
                "fits": "yes" if f["fits"] else "no",
                "smallest_n": f"{smallest['gpus']:,}" if smallest else f"none up to {cap.TP_CANDIDATES[-1]:,}",
                "largest_batch": f["largest_batch"],
                "largest_context": f["largest_context"],
                "free_gib": f["free_for_cache_bytes"] / cap.GIB,
            }
        )
        details.append(
            {
                "model": spec.name,
                "weights_gib": f["weights_per_device_bytes"] / cap.GIB,
                "cache_gib": f["cache_per_device_bytes"] / cap.GIB,
                "free_gb": f["free_for_cache_bytes"] / cap.GB,
                "kv_heads": f["kv_heads_per_device"],
                "limited_by": f["context_limited_by"],
            }
        )
    top = cap.TP_CANDIDATES[-1]
    st.dataframe(
        rows,
        hide_index=True,
        column_config={
            "model": st.column_config.TextColumn("model", width=W_NAME),
            "fits": st.column_config.TextColumn(
                "fits?" if gpus == 1 else f"fits on {gpus:,}?", width=90, help=f"{context:,} tokens x batch {batch} fits on {where}, beside the weights"
            ),
            "smallest_n": st.column_config.TextColumn(
                "GPUs needed", width=W_NUM,
                help=f"Smallest number of {acc.name} (tensor parallel; tried 1, 2, 4, 8, ... {top}) that fits "
                     f"{context:,} tokens x batch {batch}. 'none up to {top:,}': not even {top:,} fit (past N = KV heads the cache "
                     "per device stops shrinking)",
            ),
            "largest_batch": st.column_config.NumberColumn(
                "max batch", format=INT_FMT, width=100, help=f"largest batch at {context:,} tokens on {where}"
            ),
            "largest_context": st.column_config.NumberColumn(
                "max context (tokens)", format=INT_FMT, width=W_WIDE, help=f"largest context at batch {batch} on {where}"
            ),
            "free_gib": st.column_config.NumberColumn(
                "free/device (GiB)", format=GIB_FMT, width=135, help="memory per device left for the cache beside the weights"
            ),
        },
    )
    with st.expander(f"Per device on {where}: weights, cache, KV heads"):
        st.dataframe(
            details,
            hide_index=True,
            column_config={
                "model": st.column_config.TextColumn("model", width=W_NAME),
                "weights_gib": st.column_config.NumberColumn("weights/device (GiB)", format=GIB_FMT),
                "cache_gib": st.column_config.NumberColumn(f"cache/device at {context:,} x {batch} (GiB)", format=GIB_FMT),
                "free_gb": st.column_config.NumberColumn("free/device (GB)", format=GIB_FMT),
                "kv_heads": st.column_config.NumberColumn("KV heads/device", format=INT_FMT, help="empty for MLA: the latent is not split"),
                "limited_by": st.column_config.TextColumn("max context limited by", width="medium"),
            },
        )
    st.caption(cap.TP_ASSUMPTION)
    for note in notes:
        st.caption(md_escape(note))
    usable = int(acc.memory_bytes * (1 - reserve))
    st.plotly_chart(charts.memory_bars(bars, acc.name, usable, gpus=gpus), key="planner_bars")


def _variants_section(dtype: str, context: int) -> None:
    st.subheader("MHA, GQA, MQA and MLA at one model size")
    rows = []
    for name, cfg in cap.variant_configs().items():
        p = cap.plan(cfg, dtype=dtype, context=context, batch=1, parameters=0)
        rows.append({"name": name, "bytes_per_token": p["bytes_per_token"], "total_bytes": p["total_bytes"]})
    st.plotly_chart(charts.variants_bars(rows, context, dtype), key="planner_variants")
    st.caption(
        "A 7B-shaped model: 32 layers, hidden 4096, 32 query heads of 128. Grouped-query attention shares each K/V head "
        "among 4 query heads, multi-query among all 32; multi-head latent attention (DeepSeek-V2/V3) caches one "
        "512-value latent plus a 64-value rotary key per layer, whatever the number of heads."
    )


def _formula_section(plans) -> None:
    st.subheader("The formula, with the config's numbers")
    if not plans:
        return
    names = [spec.name for spec, _ in plans]
    # pick by position: two models may share a name, and a stale choice must not raise
    pick = st.selectbox("Model", range(len(plans)), format_func=lambda i: names[i], key="planner_formula_model")
    spec, p = plans[pick if isinstance(pick, int) and 0 <= pick < len(plans) else 0]
    st.latex(p["formula_latex"])
    st.code(p["formula"], language=None, wrap_lines=True)
    ref = p.get("mla_reference_full_kv")
    if ref:
        st.caption(
            f"{ref['what']} That would take {ref['bytes_per_token']:,} bytes per token, {ref['ratio_to_latent']:.1f}x the latent, "
            f"{ref['total_bytes']:,} bytes ({cap.fmt_bytes(ref['total_bytes'])}) at this context and batch."
        )
    if spec.notes:
        st.caption(md_escape(spec.notes))
    st.caption(f"Weights: {p['parameters']:,} parameters ({p['parameters_source']}).")
    with st.expander("Per layer"):
        st.dataframe(
            [
                {k: row[k] for k in ("index", "kind", "kv_heads", "head_dim", "window", "elements_per_token",
                                     "bytes_per_token", "positions", "bytes", "positions_transformers")}
                for row in p["layers"]
            ],
            hide_index=True,
            column_config={
                k: st.column_config.NumberColumn(k, format=INT_FMT)
                for k in ("window", "elements_per_token", "bytes_per_token", "positions", "bytes", "positions_transformers")
            },
        )
