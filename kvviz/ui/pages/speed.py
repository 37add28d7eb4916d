"""The Speed page: time per decode step with and without the KV cache, against the memory floor.

Two sources, one set of charts (kvviz.charts.speed): a live measurement of the built-in model on this
machine (kvviz.engine.speed.run_live: a few seconds, one at a time per server process, kept in the
visitor's session) and the GPU runs recorded in kvviz/assets/speed/ (kvviz.analysis.speed_runs).
Words from kvviz.text; names from files are escaped before they reach markdown.
"""

from __future__ import annotations

import json

import streamlit as st

from kvviz.analysis import floor, speed_runs
from kvviz.charts import speed as charts
from kvviz.errors import KvvizError
from kvviz.text import t
from kvviz.ui.export import plotly_config
from kvviz.ui.markup import md_escape
from kvviz.units import fmt_bytes

LIVE_KEY = "speed_live_run"


def _names() -> dict[str, str]:
    keys = list(speed_runs.SERIES) + ["floor", "weights", "cache"]
    return {k: t(f"speed.series.{k}") for k in keys}


@st.cache_data(show_spinner=False)
def _recorded() -> dict[str, dict]:
    return speed_runs.recorded_runs()


def _table(run: dict) -> None:
    cols = ["context", "floor_ms", "cached_ms", "compiled_ms", "compiled_pipelined_ms", "recompute_ms",
            "cached_over_floor", "compiled_pipelined_over_floor", "recompute_over_cached"]
    rows = speed_runs.ratios(run)
    present = [c for c in cols if any(r.get(c) is not None for r in rows)]
    data = {t(f"speed.table.{c.removesuffix('_ms')}"): [r.get(c) for r in rows] for c in present}
    st.dataframe(data, hide_index=True, column_config={
        t("speed.table.context"): st.column_config.NumberColumn(format="%,d"),
        **{t(f"speed.table.{c.removesuffix('_ms')}"): st.column_config.NumberColumn(format="%,.2f")
           for c in present if c != "context"},
    })


def _charts(run: dict, where: str, key: str, with_bytes: bool) -> None:
    names = _names()
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.ms_per_step(run, names, t("speed.chart.ms", where=where), t("speed.axis.context"),
                                           t("speed.axis.ms")), key=f"{key}_ms",
                        config=plotly_config(f"{key}_ms"))
        st.caption(t("speed.caption.ms"))
    with right:
        st.plotly_chart(charts.tokens_per_s(run, names, t("speed.chart.tps", where=where), t("speed.axis.context"),
                                            t("speed.axis.tps")), key=f"{key}_tps",
                        config=plotly_config(f"{key}_tps"))
        st.caption(t("speed.caption.tps"))
    if with_bytes:
        st.plotly_chart(charts.bytes_per_step(run, names, t("speed.chart.bytes", where=where),
                                              t("speed.axis.context"), t("speed.axis.gb")), key=f"{key}_bytes",
                        config=plotly_config(f"{key}_bytes"))
        st.caption(t("speed.caption.bytes"))


def _live() -> None:
    from kvviz.engine import speed as engine
    from kvviz.ui.pages.learn import load_shared

    st.header(t("speed.live.header"))
    st.caption(t("speed.live.help", model="SmolLM2-135M", contexts=", ".join(map(str, engine.LIVE_CONTEXTS))))
    if st.button(t("speed.live.button"), key="speed_measure"):
        with st.spinner(t("speed.live.running")):
            loaded = load_shared(None)
            result = engine.run_live(loaded.model, loaded.name)
        if result is None:
            st.info(t("speed.live.busy"))
        else:
            st.session_state[LIVE_KEY] = result
    run = st.session_state.get(LIVE_KEY)
    if run is None:
        st.caption(t("speed.live.none"))
        return
    last = run["points"][-1]
    st.markdown(t("speed.live.summary", bandwidth=run["bandwidth"]["read_bytes_per_s"] / 1e9,
                  weights=fmt_bytes(run["model"]["weight_bytes_read_per_step"]), context=last["context"],
                  cached=last["cached_ms"], cached_ratio=last["cached_ms"] / last["floor_ms"],
                  recompute=last["recompute_ms"], recompute_ratio=last["recompute_ms"] / last["cached_ms"]))
    _charts(run, t("speed.live.where"), "live", with_bytes=False)
    _table(run)


def _overhead(run: dict) -> None:
    """The eager-vs-compiled sentence, at the first context that has both."""
    ops = next((p.get("eager_step_aten_ops") for p in run["points"] if p.get("eager_step_aten_ops")), None)
    for p in run["points"]:
        if p.get("cached_ms") and p.get("compiled_ms"):
            fields = {"context": p["context"], "eager": p["cached_ms"], "compiled": p["compiled_ms"],
                      "floor": p["floor_ms"]}
            if ops and p.get("compiled_pipelined_ms") and run.get("overhead"):
                st.markdown(t("speed.overhead", ops=ops, op_us=run["overhead"]["tiny_op_us"],
                              pipelined=p["compiled_pipelined_ms"], **fields))
            else:
                st.markdown(t("speed.overhead.no_ops", **fields))
            return


def _datasheet(gpu: str) -> str:
    for acc in floor.accelerators():
        if acc.name.split()[0] in gpu:
            return f"{acc.bandwidth_bytes_per_s / 1e9:,.0f} GB/s"
    return "?"


def _gpu() -> None:
    st.header(t("speed.gpu.header"))
    st.caption(t("speed.gpu.help"))
    try:
        runs = _recorded()
    except KvvizError as e:
        st.error(md_escape(str(e)))
        return
    if not runs:
        st.info(t("speed.gpu.none"))
        return
    stems = list(runs)
    default = stems.index("llama-3.1-8b-h200") if "llama-3.1-8b-h200" in stems else 0
    stem = st.selectbox(t("speed.gpu.pick"), stems, index=default, key="speed_run")
    run = runs[stem]
    gpu = str(run["hardware"].get("gpu") or run["hardware"].get("cpu") or "?")
    st.markdown(md_escape(t("speed.gpu.summary", bandwidth=run["bandwidth"]["read_bytes_per_s"] / 1e9,
                            datasheet=_datasheet(gpu), weights=fmt_bytes(run["model"]["weight_bytes_read_per_step"]))))
    _overhead(run)
    if run.get("env", {}).get("TRANSFORMERS_SDPA_FORCE_GQA") == "1":
        heads, kv = run["model"].get("attention_heads") or 1, run["model"].get("kv_heads") or 1
        st.info(t("speed.gqa", groups=max(1, heads // kv)))
    _charts(run, t("speed.gpu.where", model=str(run["model"]["name"]), gpu=gpu), f"gpu_{stem}", with_bytes=True)
    _table(run)
    with st.expander(t("speed.gpu.details")):
        st.code(json.dumps({k: run.get(k) for k in ("command", "note", "hardware", "versions", "bandwidth",
                                                     "overhead", "settings", "model")}, indent=1), language="json")


def render() -> None:
    st.title(t("speed.title"))
    st.markdown(t("speed.intro"))
    _gpu()
    _live()
