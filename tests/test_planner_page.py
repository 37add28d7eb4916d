"""The planner page runs in Streamlit's AppTest: no exceptions, figures present, bad uploads explained."""

from __future__ import annotations

import json

import pytest

from kvviz import capacity as cap
from kvviz import capacity_charts as charts

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def _app():
    from kvviz.ui import planner_page

    planner_page.render()


def _run(**state) -> "AppTest":
    at = AppTest.from_function(_app, default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _figures(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_page_renders_with_figures():
    at = _run()
    figs = _figures(at)
    assert len(figs) == 3  # cache vs context, weights + cache bars, attention variants
    curve = figs[0]
    assert curve["layout"]["xaxis"]["type"] == "log"
    assert "GiB" in curve["layout"]["yaxis"]["title"]["text"]
    names = [t["name"] for t in curve["data"]]
    assert names == ["Llama-3.1-8B", "Mistral-7B-v0.1", "Gemma-2-9B", "DeepSeek-V3"]
    # hover carries the exact bytes: Llama-3.1-8B at 4,096 tokens, batch 16, bf16 = 131,072 x 4,096 x 16
    llama = curve["data"][0]
    i = llama["x"].index(4096)
    assert llama["customdata"][i][0] == 131_072 * 4096 * 16
    # Mistral's line is flat past its 4,096 window
    mistral = curve["data"][1]
    assert mistral["customdata"][mistral["x"].index(8192)][0] == mistral["customdata"][mistral["x"].index(4096)][0]
    variants = figs[2]
    assert [int(c[2]) for c in variants["data"][0]["customdata"]] == [524_288, 131_072, 16_384, 36_864]
    assert not at.error


def test_page_shows_formula_and_units():
    at = _run()
    # default formula model Llama-3.1-8B, 32,768 tokens x batch 16, bf16: 131,072 x 32,768 x 16 = 68,719,476,736 = 64 GiB
    code = [c.value for c in at.code]
    assert any(
        "32 full layers x 2 (K,V) x 8 kv_heads x 128 head_dim x 32,768 positions" in c
        and "= 68,719,476,736 bytes = 64.00 GiB (68.72 GB)" in c
        for c in code
    )
    assert "68{,}719{,}476{,}736" in at.latex[0].value
    text = " ".join(str(c.value) for c in at.caption)
    assert "GiB" in text and "GB" in text and "nvidia-smi" in text


def test_bad_upload_shows_error_and_page_stays_usable():
    at = _run()
    at.file_uploader(key="planner_upload").set_value(("config.json", b"{definitely not json", "application/json"))
    at.run()
    assert not at.exception
    assert any("not valid JSON" in e.value for e in at.error)
    assert len(_figures(at)) == 3  # the rest of the page still renders
    at.file_uploader(key="planner_upload").set_value(("tokenizer.json", json.dumps({"version": "1.0", "model": {}}).encode(), "application/json"))
    at.run()
    assert not at.exception
    assert any("number of layers" in e.value for e in at.error)


def test_good_upload_is_planned():
    cfg = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
           "num_key_value_heads": 1, "intermediate_size": 128, "vocab_size": 100}
    at = _run()
    at.file_uploader(key="planner_upload").set_value(("my-model.json", json.dumps(cfg).encode(), "application/json"))
    at.run()
    assert not at.exception and not at.error
    names = [t["name"] for t in _figures(at)[0]["data"]]
    assert "my-model (uploaded)" in names


def test_loaded_model_from_session():
    cfg = {"_name_or_path": "HuggingFaceTB/SmolLM2-135M", **cap.resolve_config("SmolLM2-135M").config}
    at = _run(loaded_model_config=cfg)
    names = [t["name"] for t in _figures(at)[0]["data"]]
    assert names[0] == "SmolLM2-135M (loaded)"


def test_no_model_chosen_is_fine():
    at = _run()
    at.multiselect(key="planner_models").set_value([])
    at.run()
    assert not at.exception
    assert at.info and len(_figures(at)) == 1  # only the variants chart


def test_changing_inputs():
    at = _run()
    at.selectbox(key="planner_dtype").set_value("int4")
    at.selectbox(key="planner_acc").set_value("L4 24 GB")
    at.number_input(key="planner_context").set_value(131072)
    at.run()
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    # Mistral-7B-v0.1 (32,768) and Gemma-2-9B (8,192) were not built for 131,072 tokens; Llama-3.1-8B was
    assert "Mistral-7B-v0.1" in warned and "Gemma-2-9B" in warned and "Llama-3.1-8B" not in warned


def test_chart_functions_are_pure():
    contexts = charts.log_contexts(128, 4096)
    assert contexts[0] == 128 and contexts[-1] == 4096 and 1024 in contexts
    sizes = cap.context_curve(cap.resolve_config("GPT-2"), "fp32", contexts)
    fig = charts.cache_vs_context([("GPT-2", contexts, sizes)], capacity_bytes=2**30, capacity_label="1 GiB")
    assert fig.data[0].customdata[-1][0] == 73_728 * 4096
    assert fig.layout.xaxis.type == "log"
