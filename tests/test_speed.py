"""The speed chapter: floor arithmetic, the benchmark's JSON on a tiny model, charts from a recorded
run, and the Speed page. Nothing here is timed: timings are only checked to be positive numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kvviz.analysis import floor, speed_runs
from kvviz.charts import speed as charts
from kvviz.errors import KvvizError

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "kvviz" / "assets" / "speed" / "llama-3.1-8b-h200.json"
NAMES = {k: k.upper() for k in list(speed_runs.SERIES) + ["floor", "weights", "cache"]}
TINY = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
        "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 128, "vocab_size": 1000,
        "max_position_embeddings": 512}


# --- floor arithmetic ----------------------------------------------------------------------------


def test_floor_is_bytes_over_bandwidth():
    # Llama-3.1-8B bf16: 8,030,261,248 parameters; untied 128,256 x 4,096 embedding, one row read
    params = 8_030_261_248 * 2
    emb = 128_256 * 4_096 * 2
    w = floor.weight_bytes_read(params, emb, tied=False, row_bytes=4_096 * 2)
    assert w == params - emb + 8_192 == 15_009_857_536
    cache_8k = 2 * 32 * 8 * 128 * 2 * 8_192  # K and V, 32 layers, 8 KV heads of 128, bf16, 8k tokens
    assert cache_8k == 1_073_741_824
    s = floor.step_floor_seconds(w, cache_8k, 4.8e12)
    assert s == pytest.approx((15_009_857_536 + 1_073_741_824) / 4.8e12)
    assert s * 1e3 == pytest.approx(3.351, abs=1e-3)
    assert floor.tokens_per_s(s) == pytest.approx(1 / s)
    assert floor.weight_bytes_read(100, 40, tied=True) == 100  # the head reads the tied matrix whole


def test_floor_rejects_nonsense():
    with pytest.raises(ValueError):
        floor.step_floor_seconds(1, 1, 0)
    with pytest.raises(ValueError):
        floor.step_floor_seconds(-1, 1, 1e9)
    with pytest.raises(ValueError):
        floor.planned_floor(1, 1, "H200 141 GB", devices=0)


def test_accelerators_have_bandwidths():
    accs = floor.accelerators()
    raw = json.loads(floor.ACCELERATORS_PATH.read_text())["accelerators"]
    assert [a.name for a in accs] == [r["name"] for r in raw]
    for a in accs:
        assert 1e11 < a.bandwidth_bytes_per_s < 1e13 and a.bandwidth_source
    assert floor.accelerator("H200 141 GB").bandwidth_bytes_per_s == 4.8e12
    assert floor.accelerator("H100 80 GB").bandwidth_bytes_per_s == 3.35e12
    with pytest.raises(KvvizError):
        floor.accelerator("no such card")


def test_planned_floor_on_two_devices():
    p = floor.planned_floor(16_000_000_000, 4_000_000_000, "H100 80 GB", devices=2)
    assert p.bandwidth_bytes_per_s == 2 * 3.35e12
    assert p.seconds == pytest.approx(20e9 / 6.7e12)
    assert p.cache_share == pytest.approx(0.2)
    assert p.tokens_per_s == pytest.approx(6.7e12 / 20e9)


# --- the engine on a tiny model, two small contexts, on the CPU ----------------------------------


@pytest.fixture(scope="module")
def tiny():
    from kvviz.engine.speed import build_random_model

    return build_random_model(TINY, dtype="float32", device="cpu")


def test_weight_and_cache_bytes(tiny):
    from kvviz.engine import speed

    w = speed.weight_bytes(tiny)
    n_params = sum(p.numel() for p in tiny.parameters())
    assert w["parameters"] == n_params and w["weight_bytes"] == 4 * n_params
    assert not w["tied_embeddings"] and w["embedding_bytes"] == 1000 * 64 * 4
    assert w["weight_bytes_read_per_step"] == 4 * n_params - 1000 * 64 * 4 + 64 * 4
    cache = speed._prefill(tiny, speed._ids(1000, 10, speed.torch.device("cpu"), 0))
    assert speed.cache_bytes(cache) == 2 * 2 * 2 * 16 * 4 * 10  # K+V, 2 layers, 2 KV heads of 16, fp32, 10 tokens


def test_run_json_structure(tiny):
    from kvviz.engine import speed

    result = speed.run(tiny, [12, 4], name="tiny-llama", steps=2, warmup=1, probe_bytes=2**20,
                       modes=("cached", "recompute", "compiled"))  # compiled: dropped on the CPU
    text = json.dumps(result)
    back = speed_runs.check_run(json.loads(text))
    assert back["schema"] == speed.SCHEMA == speed_runs.SCHEMA
    assert back["settings"]["modes"] == ["cached", "recompute"]
    for key in ("python", "torch", "transformers"):
        assert back["versions"][key]
    assert back["hardware"]["device"] == "cpu" and back["hardware"]["torch_threads"] >= 1
    assert back["model"]["dtype"] == "float32" and back["model"]["layers"] == 2 and back["model"]["kv_heads"] == 2
    bw = back["bandwidth"]["read_bytes_per_s"]
    assert bw > 0 and back["bandwidth"]["probe_bytes"] == 2**20 and back["overhead"]["tiny_op_us"] > 0
    assert [p["context"] for p in back["points"]] == [4, 12]
    w = back["model"]["weight_bytes_read_per_step"]
    for p in back["points"]:
        assert p["cache_bytes"] == 2 * 2 * 2 * 16 * 4 * p["context"]
        assert p["floor_ms"] == pytest.approx(1e3 * (w + p["cache_bytes"]) / bw)
        assert p["cached_ms"] > 0 and p["recompute_ms"] > 0 and "compiled_ms" not in p
        assert p["cached_tokens_per_s"] == pytest.approx(1e3 / p["cached_ms"])
        assert p["errors"] == {}
    assert back["points"][0]["eager_step_aten_ops"] > 2 * 5  # at least a few ops per layer
    assert "eager_step_aten_ops" not in back["points"][1]


def test_live_run_is_one_at_a_time(tiny):
    from kvviz.engine import speed

    with speed.MEASURE_LOCK:
        assert speed.run_live(tiny, "tiny") is None


def test_benchmark_table_prints_ratios():
    import importlib.util

    spec = importlib.util.spec_from_file_location("speed_bench", ROOT / "benchmarks" / "speed.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    run = speed_runs.load_run(RECORDED)
    out = bench.table(run).splitlines()
    first = run["points"][0]
    row = next(line for line in out if line.split() and line.split()[0] == str(first["context"]))
    assert f"{first['cached_ms'] / first['floor_ms']:.2f}" in row
    assert f"{first['recompute_ms'] / first['cached_ms']:.2f}" in row


# --- recorded runs and charts --------------------------------------------------------------------


def test_recorded_runs_are_complete():
    runs = speed_runs.recorded_runs()
    assert {"llama-3.1-8b-h200", "qwen2.5-7b-h200"} <= set(runs)
    for stem in ("llama-3.1-8b-h200", "qwen2.5-7b-h200"):
        run = runs[stem]
        assert run["hardware"]["gpu"] == "NVIDIA H200" and run["model"]["dtype"] == "bfloat16"
        assert run["command"].startswith("python benchmarks/speed.py --device cuda")
        ctx = [p["context"] for p in run["points"]]
        assert 1024 in ctx and 8192 in ctx and 32768 in ctx and 131072 in ctx
        for p in run["points"]:
            assert p["floor_ms"] == pytest.approx(
                1e3 * (run["model"]["weight_bytes_read_per_step"] + p["cache_bytes"])
                / run["bandwidth"]["read_bytes_per_s"])
            assert p["cached_ms"] > p["floor_ms"]


def test_check_run_refuses_other_files():
    with pytest.raises(KvvizError):
        speed_runs.check_run({"schema": "other"})
    run = json.loads(RECORDED.read_text())
    run["points"][0]["cached_ms"] = -1
    with pytest.raises(KvvizError):
        speed_runs.check_run(run)


def test_charts_from_recorded_run():
    run = speed_runs.load_run(RECORDED)
    fig = charts.ms_per_step(run, NAMES, "title", "x", "y")
    by_name = {tr.name: tr for tr in fig.data}
    assert set(by_name) == {"CACHED", "COMPILED", "COMPILED_PIPELINED", "RECOMPUTE", "FLOOR"}
    assert list(by_name["FLOOR"].y) == [p["floor_ms"] for p in run["points"]]
    assert list(by_name["COMPILED"].x) == [p["context"] for p in run["points"] if "compiled_ms" in p]
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    tps = charts.tokens_per_s(run, NAMES, "title", "x", "y")
    cached = next(tr for tr in tps.data if tr.name == "CACHED")
    assert list(cached.y) == pytest.approx([1e3 / p["cached_ms"] for p in run["points"]])
    bars = charts.bytes_per_step(run, NAMES, "title", "x", "y")
    assert list(bars.data[1].customdata) == [p["cache_bytes"] for p in run["points"]]
    assert set(bars.data[0].customdata) == {run["model"]["weight_bytes_read_per_step"]}


def test_chart_names_are_text():
    run = speed_runs.load_run(RECORDED)
    names = dict(NAMES, floor="<b>x</b>")
    fig = charts.ms_per_step(run, names, "<i>t</i>", "x", "y")
    assert "<b>" not in fig.data[-1].name and "<i>" not in fig.layout.title.text


# --- the page ------------------------------------------------------------------------------------


def _page():
    from kvviz.ui.pages import speed

    speed.render()


def _open():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_page, default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_renders_recorded_runs():
    at = _open()
    assert len(at.get("plotly_chart")) == 3  # ms, tokens/s, bytes of the recorded run
    assert at.selectbox(key="speed_run").value == "llama-3.1-8b-h200"
    assert not at.info  # the full run used transformers' default attention path
    at.selectbox(key="speed_run").set_value("qwen2.5-7b-h200").run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="speed_run").set_value("llama-3.1-8b-h200-sdpa-gqa").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.info) == 1 and len(at.get("plotly_chart")) == 3


@pytest.mark.slow
def test_page_measures_live():
    at = _open()
    at.button(key="speed_measure").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state["speed_live_run"]
    assert [p["context"] for p in run["points"]] == [16, 64, 256]
    assert len(at.get("plotly_chart")) == 5  # + ms and tokens/s of the live run
