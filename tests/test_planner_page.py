"""The planner page runs in Streamlit's AppTest: no exceptions, figures present, bad uploads explained."""

from __future__ import annotations

import json
import re
import string

import pytest

from kvviz.charts import planner as charts
from kvviz.planner.catalog import resolve_config
from kvviz.planner.configs import ConfigError, parse_config_text
from kvviz.planner.describe import split_note
from kvviz.planner.fit import DEFAULT_RESERVE, Sharding
from kvviz.planner.formula import formula_text
from kvviz.planner.plan import context_curve, plan
from kvviz.text import t

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def _app():
    from kvviz.ui.pages import plan as planner_page

    planner_page.render()


def _run(**state) -> AppTest:
    at = AppTest.from_function(_app, default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _figures(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _plain(markdown: str) -> str:
    """What an md_escape'd string reads as: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _all_escaped(markdown: str) -> bool:
    """True when every ASCII punctuation character is backslash-escaped: the text cannot be markup."""
    i = 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2
            continue
        if markdown[i] in string.punctuation:
            return False
        i += 1
    return True


def _markdown_texts(at) -> list[str]:
    return [str(e.value) for kind in ("error", "warning", "info", "caption", "markdown") for e in at.get(kind)]


def _upload(at, name: str, config) -> None:
    body = config if isinstance(config, bytes) else json.dumps(config).encode()
    at.file_uploader(key="planner_upload").set_value((name, body, "application/json"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]


TINY = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
        "num_key_value_heads": 1, "intermediate_size": 128, "vocab_size": 100}
EVIL_FILE = "<b>x</b>%{y}[l](http://e).json"
EVIL_NAME = "<b>x</b>%{y}[l](http://e)"


def test_page_renders_with_figures():
    at = _run()
    figs = _figures(at)
    assert len(figs) == 3  # cache vs context, weights + cache bars, attention variants
    curve = figs[0]
    assert curve["layout"]["xaxis"]["type"] == "log"
    assert "GiB" in curve["layout"]["yaxis"]["title"]["text"]
    names = [trace["name"] for trace in curve["data"]]
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
    # default formula model Llama-3.1-8B, 32,768 tokens x batch 16, bf16:
    # 131,072 x 32,768 x 16 = 68,719,476,736 = 64 GiB
    code = [c.value for c in at.code]
    expected = plan(resolve_config("Llama-3.1-8B"), context=32768, batch=16)
    assert expected.total_bytes == 68_719_476_736
    assert code == [formula_text(expected.formula)]
    assert "68,719,476,736" in code[0] and "64.00 GiB (68.72 GB)" in code[0]
    assert "68{,}719{,}476{,}736" in at.latex[0].value
    text = " ".join(_plain(str(c.value)) for c in at.caption)
    assert "GiB" in text and "GB" in text and "nvidia-smi" in text


def test_bad_upload_shows_error_and_page_stays_usable():
    at = _run()
    at.file_uploader(key="planner_upload").set_value(("config.json", b"{definitely not json", "application/json"))
    at.run()
    assert not at.exception
    (err,) = [_plain(e.value) for e in at.error]
    with pytest.raises(ConfigError) as expected:
        parse_config_text(b"{definitely not json", t("planner.ui.upload_label", name="'config.json'"))
    assert expected.value.key == "planner.error.not_json" and err == str(expected.value)
    assert len(_figures(at)) == 3  # the rest of the page still renders
    at.file_uploader(key="planner_upload").set_value(
        ("tokenizer.json", json.dumps({"version": "1.0", "model": {}}).encode(), "application/json"))
    at.run()
    assert not at.exception
    assert any("num_hidden_layers" in _plain(e.value) for e in at.error)


def test_good_upload_is_planned():
    cfg = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
           "num_key_value_heads": 1, "intermediate_size": 128, "vocab_size": 100}
    at = _run()
    at.file_uploader(key="planner_upload").set_value(("my-model.json", json.dumps(cfg).encode(), "application/json"))
    at.run()
    assert not at.exception and not at.error
    names = [trace["name"] for trace in _figures(at)[0]["data"]]
    assert "my-model (uploaded)" in names


def test_loaded_model_from_session():
    cfg = {"_name_or_path": "HuggingFaceTB/SmolLM2-135M", **resolve_config("SmolLM2-135M").config}
    at = _run(loaded_model_config=cfg)
    names = [trace["name"] for trace in _figures(at)[0]["data"]]
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
    warned = " ".join(_plain(w.value) for w in at.warning)
    # Mistral-7B-v0.1 (32,768) and Gemma-2-9B (8,192) were not built for 131,072 tokens; Llama-3.1-8B was
    assert "Mistral-7B-v0.1" in warned and "Gemma-2-9B" in warned and "Llama-3.1-8B" not in warned


def test_chart_functions_are_pure():
    contexts = charts.log_contexts(128, 4096)
    assert contexts[0] == 128 and contexts[-1] == 4096 and 1024 in contexts
    sizes = context_curve(resolve_config("GPT-2"), "fp32", contexts)
    fig = charts.cache_vs_context([("GPT-2", contexts, sizes)], capacity_bytes=2**30, capacity_label="1 GiB")
    assert fig.data[0].customdata[-1][0] == 73_728 * 4096
    assert fig.layout.xaxis.type == "log"


# --------------------------------------------------------------------------- user text is text, never markup


def test_uploaded_file_name_is_text_in_markdown_and_charts():
    # a sliding window (caption naming the model) and a short max_position_embeddings (warning naming it)
    cfg = {**TINY, "sliding_window": 64, "max_position_embeddings": 512}
    at = _run()
    _upload(at, EVIL_FILE, cfg)
    assert not at.error
    named = [text for text in _markdown_texts(at) if "http://e" in _plain(text)]
    assert len(named) >= 2  # the warning and the sliding-window caption
    for text in named:
        assert _all_escaped(text), text
        assert f"{EVIL_NAME} (uploaded)" in _plain(text)
    for text in _markdown_texts(at):
        assert "<b>" not in text and "](http" not in text
    figs = _figures(at)
    dumped = json.dumps(figs)
    assert "<b>x" not in dumped and "\\u003cb\\u003ex" not in dumped  # neither raw nor as a JSON escape
    shown = "&lt;b&gt;x&lt;/b&gt;%{y}[l](http://e) (uploaded)"
    curve = figs[0]["data"][-1]
    assert curve["name"] == shown and set(curve["text"]) == {shown}
    assert shown in figs[1]["data"][0]["y"]  # the weights + cache bars
    for fig in figs:
        for trace in fig["data"]:
            template = trace.get("hovertemplate", "")
            assert "http://e" not in template and "&lt;b" not in template and "%{y}[l]" not in template, template


def test_config_values_and_name_or_path_are_text():
    at = _run()
    # a config value quoted in the error message, in a file whose name is markup too
    _upload(at, EVIL_FILE, {**TINY, "num_key_value_heads": "[click](http://evil)"})
    (err,) = [e.value for e in at.error]
    assert _all_escaped(err)
    assert "'[click](http://evil)'" in _plain(err) and EVIL_FILE in _plain(err)
    assert len(_figures(at)) == 3  # the page stays usable
    # a model named by its _name_or_path (the file is just config.json)
    _upload(at, "config.json", {**TINY, "_name_or_path": "org/<img src=x onerror=alert(1)>*b*", "sliding_window": 64})
    assert not at.error
    captions = [c.value for c in at.caption if "onerror" in _plain(c.value)]
    assert captions and all(_all_escaped(c) for c in captions)
    dumped = json.dumps(_figures(at))
    assert "<img" not in dumped and "\\u003cimg" not in dumped
    assert "&lt;img src=x onerror=alert(1)&gt;*b* (uploaded)" in dumped


def test_loaded_model_error_is_text():
    at = _run(loaded_model_config={**TINY, "num_attention_heads": "<b>4</b>[l](http://e)"})
    (warning,) = [w.value for w in at.warning if "http://e" in _plain(w.value)]
    assert _all_escaped(warning) and "<b>4</b>[l](http://e)" in _plain(warning)


# --------------------------------------------------------------------------- bad values: an error, never a traceback


MLA = {"model_type": "deepseek_v3", "num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 4,
       "kv_lora_rank": 16, "q_lora_rank": 24, "qk_rope_head_dim": 8, "qk_nope_head_dim": 8, "v_head_dim": 8,
       "intermediate_size": 64, "moe_intermediate_size": 16, "n_routed_experts": 4, "n_shared_experts": 1,
       "first_k_dense_replace": 1, "vocab_size": 97, "max_position_embeddings": 64}


@pytest.mark.parametrize(
    "config, field",
    [
        ({k: v for k, v in TINY.items() if k != "vocab_size"}, "vocab_size"),  # was names.index(None), no model ticked
        ({**TINY, "max_position_embeddings": "abc"}, "max_position_embeddings"),  # was int('abc') on the page
        ({**TINY, "max_position_embeddings": -5}, "max_position_embeddings"),
        ({**TINY, "num_local_experts": "2"}, "num_local_experts"),  # was "2" * mlp
        ({**MLA, "first_k_dense_replace": "1"}, "first_k_dense_replace"),  # was i < "1"
    ],
)
def test_bad_values_show_an_error_and_the_page_stays_usable(config, field):
    at = _run()
    at.multiselect(key="planner_models").set_value([])  # only the upload: nothing else to fall back on
    at.run()
    _upload(at, "bad.json", config)
    assert any(field in _plain(e.value) for e in at.error), [e.value for e in at.error]
    assert len(_figures(at)) == 1  # the variants chart still renders
    at.multiselect(key="planner_models").set_value(["Llama-3.1-8B"])
    at.run()
    assert not at.exception and len(_figures(at)) == 3


def test_good_mla_upload_alone():
    at = _run()
    at.multiselect(key="planner_models").set_value([])
    at.run()
    _upload(at, "tiny-mla.json", MLA)
    assert not at.error and len(_figures(at)) == 3
    assert any(trace["name"] == "tiny-mla (uploaded)" for trace in _figures(at)[0]["data"])


def test_a100_40gb_caption_names_the_variants():
    at = _run()
    at.selectbox(key="planner_acc").set_value("A100 40 GB")
    at.run()
    text = " ".join(_plain(str(c.value)) for c in at.caption)
    assert "A100-SXM4-40GB" in text and "A100-PCIE-40GB" in text and "40,960 MiB" in text and "40,536 MiB" in text


# --------------------------------------------------------------------------- tables, tensor parallelism, reserve


def _columns(df) -> dict:
    return json.loads(df.proto.columns)


def test_on_screen_tables_are_short_with_formats_widths_and_units():
    at = _run()
    summary, details, fit, per_device = (at.dataframe[i] for i in range(4))
    for df in (summary, fit):
        cols = {k: v for k, v in _columns(df).items() if k != "_index"}
        assert len(cols) <= 6
        for key, c in cols.items():
            assert isinstance(c.get("width"), int), key  # explicit pixel widths
            assert len(c["label"]) <= 22, c["label"]  # short headers
        assert sum(c["width"] for c in cols.values()) <= 820  # fits the page at 1280 px: no hidden columns
    cols = _columns(summary)
    assert [cols[k]["label"] for k in ("cache_gib", "cache_gb", "weights_gib")] == [
        t("planner.col.cache_gib"), t("planner.col.cache_gb"), t("planner.col.weights_gib")]
    assert {cols[k]["type_config"]["format"]
            for k in ("cache_gib", "cache_gb", "weights_gib", "per_token_kib")} == {"%,.2f"}
    cols = _columns(fit)
    assert cols["largest_batch"]["type_config"]["format"] == cols["largest_context"]["type_config"]["format"] == "%,d"
    assert cols["free_gib"]["type_config"]["format"] == "%,.2f"
    # the numbers are numbers (the format draws them), not pre-cut strings
    v = summary.value
    assert list(v["cache_gib"]) == [64.0, 8.0, 94.5, 36_842_766_336 / 2**30]
    assert list(fit.value["largest_context"]) == [29_043, 32_768, 8_192, 0]
    # the rest moved into expanders
    assert [_plain(e.label) for e in at.expander][:2] == [t("planner.ui.details"),
                                                         t("planner.ui.per_device", where="H100 80 GB")]
    assert _columns(details)["bytes_per_token"]["type_config"]["format"] == "%,d"
    assert "source" in details.value.columns and "attention" in details.value.columns
    assert "kv_heads" in per_device.value.columns


def test_reserve_default_is_shown_and_equals_the_cli():
    at = _run()
    assert at.slider(key="planner_reserve").value == DEFAULT_RESERVE == 0.10
    captions = [_plain(c.value) for c in at.caption]
    assert any(c.startswith("H100 80 GB: ") and "(10%; default 10%" in c and "85,520,809,984" in c for c in captions)
    # Llama-3.1-8B at 32k on an H100: largest batch 14, as the CLI says by default
    assert at.dataframe[2].value["largest_batch"][0] == 14


def test_how_many_h100s_for_llama3_70b():
    at = _run()
    at.multiselect(key="planner_models").set_value(["Llama-3.1-70B", "DeepSeek-V3"])
    at.run()
    fit = at.dataframe[2].value
    assert list(fit["fits"]) == [False, False] and list(fit["smallest_n"]) == [8, 64]
    assert list(fit["largest_batch"]) == [0, 0]
    at.number_input(key="planner_gpus").set_value(8)
    at.run()
    assert not at.exception
    fit = at.dataframe[2].value
    assert bool(fit["fits"][0]) and fit["largest_batch"][0] == 44 and fit["largest_context"][0] == 90_530
    # 59,330,302,361 bytes free per device: 76,968,728,985 usable - 141,107,412,992 / 8
    assert fit["free_gib"][0] == 59_330_302_361 / 2**30
    per_device = at.dataframe[3].value
    assert per_device["kv_heads"][0] == 1 and per_device["weights_gib"][0] == 17_638_426_624 / 2**30
    # the cached step's floor per device: its weights + its cache share, read once at the H100's 3.35 TB/s
    weights, cache = 17_638_426_624, per_device["cache_gib"][0] * 2**30
    assert abs(per_device["floor_ms"][0] - (weights + cache) / 3.35e12 * 1e3) < 1e-6
    assert abs(per_device["cache_share"][0] - 100 * cache / (weights + cache)) < 1e-6
    assert _columns(at.dataframe[2])["fits"]["label"] == t("planner.col.fits_on", n="8")
    captions = " ".join(_plain(str(c.value)) for c in at.caption)
    assert t("planner.ui.weights_share", n=8) in captions
    # the latent is not split: said for the model it concerns
    assert t("planner.ui.model_note", name="DeepSeek-V3", text=split_note(Sharding(8, None, None, "mla"))) in captions
    bars = _figures(at)[1]
    assert bars["layout"]["title"]["text"] == t("planner.chart.bars_title_tp", n=8, accelerator="H100 80 GB")
    assert bars["data"][0]["customdata"][0][0] == 17_638_426_624  # weights per device
    assert bars["data"][1]["customdata"][0][0] == 21_474_836_480  # cache per device: 20 GiB
    at.number_input(key="planner_gpus").set_value(16)
    at.run()
    captions = " ".join(_plain(str(c.value)) for c in at.caption)
    assert t("planner.ui.model_note", name="Llama-3.1-70B",
             text=split_note(Sharding(16, 8, 1, "replicated"))) in captions


def test_context_input_has_a_wide_column():
    at = _run()
    at.number_input(key="planner_context").set_value(1_000_000)
    at.run()
    assert not at.exception
    assert at.subheader[0].value == t("planner.ui.summary_title", context="1,000,000", batch=16)
    # a top-level column of its own (a third of the page, ~270 px at 1280 px wide), never nested in a narrow one:
    # the 7-digit value was cut ("l00000(") when context shared half of a 2/5 column with batch
    (col,) = [c for c in at.columns
              if any(getattr(ch, "label", None) == t("planner.ui.context") for ch in c.children.values())]
    assert col.proto.weight >= 0.3
