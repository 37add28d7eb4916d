"""The capacity planner against published and hand-computed figures, and against real caches.

Every expected number below is either from a published source or computed by hand in the
comment beside it; none is copied from the code's output.
"""

from __future__ import annotations

import inspect
import json

import pytest

from kvviz.planner import capacity as cap
from kvviz.cli import capacity as capacity_cli
from kvviz.__main__ import main as kvviz_main
from kvviz.errors import KvvizError


def bpt(name: str, dtype: str) -> int:
    return cap.plan(cap.resolve_config(name), dtype=dtype, context=1)["bytes_per_token"]


# --------------------------------------------------------------------------- published / hand figures


def test_llama2_7b_fp16_bytes_per_token():
    # 2 (K,V) x 32 layers x 32 kv heads x 128 head_dim x 2 bytes = 524,288 (the figure in most KV-cache write-ups)
    assert bpt("Llama-2-7B", "fp16") == 524_288


def test_llama3_8b_bf16_bytes_per_token():
    # GQA: 2 x 32 layers x 8 kv heads x 128 x 2 bytes = 131,072 -- not 524,288 as with the 32 query heads
    assert bpt("Llama-3-8B", "bf16") == 131_072
    assert bpt("Llama-3.1-8B", "bf16") == 131_072


def test_gpt2_small_fp32_bytes_per_token():
    # 2 x 12 layers x 12 heads x 64 (768 / 12, derived since GPT-2 has no head_dim) x 4 bytes = 73,728
    assert bpt("gpt2", "fp32") == 73_728


def test_llama2_70b_and_405b():
    # 2 x 80 x 8 x 128 x 2 = 327,680 ; 405B: 2 x 126 x 8 x 128 x 2 = 516,096
    assert bpt("Llama-2-70B", "fp16") == 327_680
    assert bpt("Llama-3.1-405B", "bf16") == 516_096


def test_deepseek_v3_mla():
    # MLA: 61 layers x (512 latent + 64 rotary) x 2 bytes = 70,272 bytes per token
    p = cap.plan(cap.resolve_config("DeepSeek-V3"), dtype="bf16", context=4096)
    assert p["bytes_per_token"] == 70_272
    assert p["total_bytes"] == 70_272 * 4096
    assert all(row["kind"] == "mla" and row["elements_per_token"] == 576 for row in p["layers"])
    ref = p["mla_reference_full_kv"]
    # full K/V: 128 heads x (128 nope + 64 rope) keys + 128 heads x 128 values = 40,960 values per layer
    assert ref["elements_per_token_per_layer"] == 40_960
    assert ref["bytes_per_token"] == 61 * 40_960 * 2  # 4,997,120
    # DeepSeek-V2: 60 layers x 576 x 2 = 69,120
    assert bpt("DeepSeek-V2", "bf16") == 69_120


def test_mistral_sliding_window_caps_at_4096():
    spec = cap.resolve_config("Mistral-7B-v0.1")
    per_token = 2 * 32 * 8 * 128 * 2  # 131,072
    at_4k = cap.plan(spec, context=4096)["total_bytes"]
    at_32k = cap.plan(spec, context=32768)
    assert at_4k == per_token * 4096
    assert at_32k["total_bytes"] == per_token * 4096  # capped
    assert at_32k["bytes_per_token"] == per_token  # uncapped per-token figure
    assert at_32k["total_bytes_transformers"] == per_token * 4095  # DynamicCache keeps W - 1
    # v0.3 dropped the window: grows with the context
    assert cap.plan(cap.resolve_config("Mistral-7B-v0.3"), context=32768)["total_bytes"] == per_token * 32768


def test_gemma2_9b_hybrid():
    spec = cap.resolve_config("Gemma-2-9B")
    layout = cap.kv_layout(spec.config)
    assert [layer.window for layer in layout[:4]] == [4096, None, 4096, None]
    assert sum(layer.kind == "sliding" for layer in layout) == 21
    # head_dim is read (256), not derived (3584 / 16 = 224)
    assert {layer.head_dim for layer in layout} == {256}
    per_layer = 2 * 8 * 256 * 2  # 8,192 bytes per token per layer in bf16
    p = cap.plan(spec, dtype="bf16", context=8192)
    assert p["bytes_per_token"] == 42 * per_layer  # 344,064
    assert p["total_bytes"] == 21 * per_layer * 8192 + 21 * per_layer * 4096


def test_gemma3_layer_patterns():
    small = cap.kv_layout(cap.resolve_config("Gemma-3-270M").config)  # explicit layer_types
    assert [i for i, layer in enumerate(small) if layer.window is None] == [5, 11, 17]
    assert {layer.window for layer in small if layer.window} == {512}
    assert {(layer.kv_heads, layer.head_dim) for layer in small} == {(1, 256)}  # MQA
    big = cap.resolve_config("Gemma-3-27B")  # nested text_config, sliding_window_pattern 6
    layout = cap.kv_layout(big.config)
    assert len(layout) == 62
    assert [i for i, layer in enumerate(layout) if layer.window is None] == [5, 11, 17, 23, 29, 35, 41, 47, 53, 59]
    # at 32k tokens, bf16: 10 global layers x 32,768 + 52 local layers x 1,024 positions, 2 x 16 x 128 x 2 bytes each
    assert cap.plan(big, context=32768)["total_bytes"] == (10 * 32768 + 52 * 1024) * 2 * 16 * 128 * 2


def test_qwen2_window_off_and_on():
    spec = cap.resolve_config("Qwen2.5-7B")
    assert all(layer.window is None for layer in cap.kv_layout(spec.config))  # use_sliding_window false
    assert bpt("Qwen2.5-7B", "bf16") == 2 * 28 * 4 * 128 * 2  # 57,344
    on = dict(spec.config, use_sliding_window=True, sliding_window=4096, max_window_layers=20)
    windows = [layer.window for layer in cap.kv_layout(on)]
    assert windows[:20] == [None] * 20 and windows[20:] == [4096] * 8


def test_phi3_mha_and_published_window():
    layout = cap.kv_layout(cap.resolve_config("Phi-3-mini-4k").config)
    assert {(layer.kv_heads, layer.head_dim, layer.window) for layer in layout} == {(32, 96, 2047)}


def test_multi_query():
    cfg = {"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 8, "num_key_value_heads": 1}
    assert cap.attention_variant(cfg) == "MQA"
    assert cap.plan(cfg, dtype="fp32", context=1, parameters=0)["bytes_per_token"] == 2 * 2 * 1 * 8 * 4


def test_quantized_dtypes_and_scale_overhead():
    spec = cap.resolve_config("Llama-3.1-8B")
    # int8: 128 values -> 128 bytes + 2 groups of 64 x 4 bytes (fp16 scale + zero-point) = 136 per head vector
    assert cap.plan(spec, dtype="int8", context=1)["bytes_per_token"] == 2 * 32 * 8 * 136
    # int4: 64 bytes + 8 = 72 per head vector
    assert cap.plan(spec, dtype="int4", context=1)["bytes_per_token"] == 2 * 32 * 8 * 72
    # fp8: 1 byte per value, plus one fp32 scale per K and V tensor per layer (8 x 32 layers = 256 bytes total)
    p = cap.plan(spec, dtype="fp8", context=1000, batch=2)
    assert p["bytes_per_token"] == 65_536
    assert p["total_bytes"] == 65_536 * 1000 * 2 + 256
    assert cap.plan(spec, dtype="fp32", context=1)["bytes_per_token"] == 262_144


def test_formula_has_the_numbers():
    p = cap.plan(cap.resolve_config("Llama-2-7B"), dtype="fp16", context=4096, batch=2)
    assert "32 full layers x 2 (K,V) x 32 kv_heads x 128 head_dim x 4,096 positions" in p["formula"]
    assert f"{524_288 * 4096 * 2:,} bytes" in p["formula"]
    assert "GiB" in p["formula"] and "GB" in p["formula"]


def test_units_are_named():
    assert cap.fmt_bytes(80 * 2**30) == "80.00 GiB (85.90 GB)"
    assert cap.fmt_bytes(524_288) == "512.00 KiB (524.29 kB)"


# --------------------------------------------------------------------------- catalog


def test_catalog_has_the_required_models_with_sources():
    names = set(cap.catalog_names())
    required = {
        "GPT-2", "GPT-2 medium", "GPT-2 large", "GPT-2 XL", "Llama-2-7B", "Llama-2-13B", "Llama-2-70B",
        "Llama-3.1-8B", "Llama-3.1-70B", "Llama-3.1-405B", "Mistral-7B-v0.1", "Mixtral-8x7B", "Qwen2.5-0.5B",
        "Qwen2.5-7B", "Qwen2.5-72B", "Gemma-2-9B", "Gemma-3-270M", "Gemma-3-27B", "Phi-3-mini-4k",
        "DeepSeek-V2", "DeepSeek-V3",
    }
    assert required <= names
    for spec in cap.load_catalog():
        assert spec.source.startswith("https://huggingface.co/") and spec.source.endswith("config.json")
        assert spec.parameters and spec.parameters_source
        cap.validate_config(spec.config, spec.name)


def test_catalog_parameter_counts_agree_with_the_config():
    # The dense counts are the checkpoints' published tensor counts; recomputing them from the
    # config checks both the catalog's shapes and count_parameters.
    for spec in cap.load_catalog():
        assert cap.count_parameters(spec.config) == spec.parameters, spec.name
    published = {  # tensor counts as published for these checkpoints
        "GPT-2": 124_439_808, "Llama-2-7B": 6_738_415_616, "Llama-3.1-8B": 8_030_261_248,
        "Mistral-7B-v0.1": 7_241_732_096, "Mixtral-8x7B": 46_702_792_704, "Qwen2.5-7B": 7_615_616_512,
        "Gemma-2-9B": 9_241_705_984, "Phi-3-mini-4k": 3_821_079_552,
    }
    for name, n in published.items():
        assert cap.resolve_config(name).parameters == n
    # DeepSeek papers: 236B (V2) and 671B (V3) total parameters
    assert round(cap.resolve_config("DeepSeek-V2").parameters / 1e9) == 236
    assert round(cap.resolve_config("DeepSeek-V3").parameters / 1e9) == 671


def test_resolve_names_case_insensitive_and_aliases():
    assert cap.resolve_config("llama-2-7b").name == "Llama-2-7B"
    assert cap.resolve_config("meta-llama/Llama-2-7b-hf").name == "Llama-2-7B"
    assert cap.resolve_config("GPT2").name == "GPT-2"
    with pytest.raises(KvvizError, match="Unknown model"):
        cap.resolve_config("llama-9-1b")


def test_resolve_full_hub_ids_match_aliases():
    # the alias is the whole hub id; comparing only the last segment ("gemma-3-27b-pt") missed it
    assert cap.resolve_config("google/gemma-3-27b-pt").name == "Gemma-3-27B"
    assert cap.resolve_config("GOOGLE/Gemma-3-27B-PT").name == "Gemma-3-27B"
    assert cap.resolve_config("openai-community/gpt2").name == "GPT-2"


TINY = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
        "num_key_value_heads": 1, "intermediate_size": 128, "vocab_size": 100}


def test_resolve_local_paths_before_the_catalog(tmp_path, monkeypatch):
    # a local folder named like a catalog model is that folder's config, not the catalog's GPT-2
    folder = tmp_path / "models" / "gpt2"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(TINY))
    monkeypatch.chdir(tmp_path)
    for where in ("./models/gpt2/config.json", "./models/gpt2", "models/gpt2", str(folder), str(folder / "config.json")):
        spec = cap.resolve_config(where)
        assert spec.name == "gpt2" and spec.source.endswith("config.json"), where
        assert cap.plan(spec, dtype="fp32", context=1)["bytes_per_token"] == 2 * 2 * 1 * 16 * 4, where
    (tmp_path / "gpt2").mkdir()  # a folder without config.json is not a config: the name is the catalog's
    assert cap.resolve_config("gpt2").name == "GPT-2"
    with pytest.raises(KvvizError, match="No file"):
        cap.resolve_config("./elsewhere/gpt2")
    with pytest.raises(KvvizError, match="no config.json"):
        cap.resolve_config("./gpt2")


def test_weights_bytes():
    p = cap.plan(cap.resolve_config("Llama-2-7B"), weights_dtype="fp16")
    assert p["weights_bytes"] == 6_738_415_616 * 2
    assert cap.plan(cap.resolve_config("Llama-2-7B"), weights_dtype="int4")["weights_bytes"] == 6_738_415_616 // 2


# --------------------------------------------------------------------------- bad configs


def _cfg(**changes) -> bytes:
    """A small valid Llama-style config.json with some fields changed (None removes a field)."""
    cfg = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
           "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100, "max_position_embeddings": 256}
    cfg.update(changes)
    return json.dumps({k: v for k, v in cfg.items() if v is not None}).encode()


def _mla(**changes) -> bytes:
    """A small valid DeepSeek-V3-style (MLA + MoE) config.json with some fields changed."""
    cfg = {"model_type": "deepseek_v3", "num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 4,
           "kv_lora_rank": 16, "q_lora_rank": 24, "qk_rope_head_dim": 8, "qk_nope_head_dim": 8, "v_head_dim": 8,
           "intermediate_size": 64, "moe_intermediate_size": 16, "n_routed_experts": 4, "n_shared_experts": 1,
           "first_k_dense_replace": 1, "vocab_size": 97, "max_position_embeddings": 64}
    cfg.update(changes)
    return json.dumps({k: v for k, v in cfg.items() if v is not None}).encode()


def test_small_configs_are_valid():
    for content in (_cfg(), _mla(), _cfg(num_local_experts=2), _mla(first_k_dense_replace=0, n_shared_experts=0)):
        cap.validate_config(json.loads(content))
    # first_k_dense_replace counts dense layers: 1 dense + 1 MoE layer differs from 0 dense + 2 MoE
    assert cap.count_parameters(json.loads(_mla())) != cap.count_parameters(json.loads(_mla(first_k_dense_replace=0)))


def test_validate_runs_the_whole_plan():
    # validate_config passing means plan and fit cannot fail on the config
    bad = json.loads(_cfg(vocab_size=None))
    with pytest.raises(KvvizError, match="vocab_size"):
        cap.validate_config(bad, "upload")
    cap.validate_config(bad, "loaded", parameters=1000)  # a known parameter count needs no vocab_size
    cap.fit(cap.ModelSpec("x", bad, parameters=1000), 2**30)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x80\x81 not text", "not a text file"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2, 3]", "expected a JSON object"),
        (b'{"architectures": ["BertModel"], "vocab_size": 30522}', "number of layers"),  # a foreign JSON
        (b'{"num_hidden_layers": 4, "hidden_size": 64}', "attention heads"),
        (b'{"num_hidden_layers": -4, "hidden_size": 64, "num_attention_heads": 4}', "must be positive"),
        (b'{"num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 3}', "evenly"),
        (b'{"num_hidden_layers": 4.5, "hidden_size": 64, "num_attention_heads": 4}', "whole number"),
        (b'{"num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": "8"}', "whole number"),
        (b'{"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "layer_types": ["full_attention"]}', "layer_types"),
        (b'{"num_hidden_layers": 1, "hidden_size": 64, "num_attention_heads": 4, "layer_types": ["mamba"]}', "does not model"),
        (b'{"num_hidden_layers": 1, "hidden_size": 64, "num_attention_heads": 4, "sliding_window": 0}', "must be positive"),
        # every numeric field is read through one checker, including those only the weights or the fit use
        (_cfg(max_position_embeddings="abc"), "max_position_embeddings must be a whole number"),
        (_cfg(max_position_embeddings=-5), "max_position_embeddings must be positive"),
        (_cfg(max_position_embeddings=None, n_positions=0), "n_positions must be positive"),
        (_cfg(num_local_experts="2"), "num_local_experts must be a whole number"),  # was "2" * mlp: a huge string
        (_cfg(num_local_experts=2.5), "num_local_experts must be a whole number"),
        (_cfg(vocab_size=None), "vocab_size"),  # the parameter count is part of validation
        (_cfg(vocab_size=True), "vocab_size must be a whole number"),
        (_cfg(intermediate_size="128"), "intermediate_size must be a whole number"),
        (_cfg(tie_word_embeddings="false"), "tie_word_embeddings must be true or false"),
        (_cfg(use_sliding_window="no", sliding_window=8), "use_sliding_window must be true or false"),
        (_cfg(max_window_layers=-1, sliding_window=8), "max_window_layers must be at least 0"),
        (_mla(first_k_dense_replace="1"), "first_k_dense_replace must be a whole number"),
        (_mla(first_k_dense_replace=-1), "first_k_dense_replace must be at least 0"),
        (_mla(n_shared_experts="1"), "n_shared_experts must be a whole number"),
        (_mla(moe_intermediate_size=None), "moe_intermediate_size"),
    ],
)
def test_bad_config_files(tmp_path, content, message):
    path = tmp_path / "config.json"
    path.write_bytes(content)
    with pytest.raises(KvvizError, match=message):
        cap.resolve_config(str(path))
    with pytest.raises(KvvizError, match=message):
        cap.parse_config_text(content)


def test_good_config_file_and_folder(tmp_path):
    cfg = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
           "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    for where in (str(tmp_path / "config.json"), str(tmp_path)):
        spec = cap.resolve_config(where)
        assert cap.plan(spec, dtype="fp32", context=1)["bytes_per_token"] == 2 * 2 * 2 * 16 * 4


def test_missing_file_is_clear():
    with pytest.raises(KvvizError, match="No file"):
        cap.resolve_config("/nonexistent/config.json")


# --------------------------------------------------------------------------- accelerators and fit


def test_a100_40gb_entry_names_both_variants_and_the_driver_difference():
    acc = cap.get_accelerator("A100 40 GB")
    assert acc.memory_bytes == 40_960 * 2**20 == 42_949_672_960
    for needle in ("A100-SXM4-40GB", "A100-PCIE-40GB", "40,960 MiB", "40,536 MiB", "driver"):
        assert needle in acc.memory_basis, needle
    raw = next(a for a in cap._accelerators_raw() if a["name"] == "A100 40 GB")
    assert raw["nvidia_smi_total_mib"] == 40_960 and raw["nvidia_smi_total_mib_older_drivers"] == 40_536


def test_fit_rejects_nonpositive_context_and_batch():
    spec = cap.resolve_config("gpt2")
    for kw in ({"context": 0}, {"batch": 0}, {"context": -1}):
        with pytest.raises(KvvizError):
            cap.fit(spec, 2**30, **kw)


def test_accelerators():
    accs = {a.name: a for a in cap.load_accelerators()}
    assert len(accs) == 7
    assert accs["A100 80 GB"].memory_bytes == 81_920 * 2**20  # nvidia-smi total: 80 GiB
    assert accs["H100 80 GB"].memory_bytes == 81_559 * 2**20
    assert accs["H200 141 GB"].memory_bytes == 143_771 * 2**20
    assert cap.get_accelerator("h100").name == "H100 80 GB"


def test_fit_llama3_8b_on_h100():
    spec = cap.resolve_config("Llama-3.1-8B")
    mem = 81_559 * 2**20
    f = cap.fit(spec, mem, dtype="bf16", context=32768, batch=16, weights_dtype="bf16", reserve_fraction=0.0)
    free = mem - 8_030_261_248 * 2  # 69,460,287,488 bytes beside the weights
    assert f["free_for_cache_bytes"] == free
    assert f["largest_batch"] == free // (131_072 * 32768)  # 16 sequences of 4 GiB each -> 16
    assert f["largest_context"] == free // (131_072 * 16)  # 69,460,287,488 // 2,097,152 = 33,121 tokens
    assert f["context_limited_by"] == "memory"
    assert cap.fit(spec, mem, reserve_fraction=0.1)["usable_bytes"] == int(mem * 0.9)


def test_fit_default_reserve_is_ten_percent():
    # the page and the CLI share cap.DEFAULT_RESERVE: Llama-3.1-8B at 32k on an H100 gives 14 everywhere
    spec = cap.resolve_config("Llama-3.1-8B")
    mem = 81_559 * 2**20  # 85,520,809,984
    assert cap.DEFAULT_RESERVE == 0.10
    f = cap.fit(spec, mem, context=32768, batch=16)
    assert f["reserve_fraction"] == 0.10
    assert f["usable_bytes"] == 76_968_728_985  # int(85,520,809,984 x 0.9)
    assert f["free_for_cache_bytes"] == 76_968_728_985 - 16_060_522_496 == 60_908_206_489
    assert f["largest_batch"] == 60_908_206_489 // (131_072 * 32768) == 14
    assert not f["fits"]


# Llama-3.1-70B at 32,768 tokens x batch 16, bf16, on H100s (85,520,809,984 bytes; 10% reserve: 76,968,728,985 usable).
# Weights 70,553,706,496 x 2 = 141,107,412,992 bytes. KV: 80 layers x 2 x 128 x 2 B = 40,960 bytes per token per KV head;
# 8 KV heads -> 327,680 bytes per token, 160 GiB at 32,768 x 16.
H100 = 85_520_809_984
LLAMA70_CASES = [
    # gpus, weights/device, KV heads/device, cache/device at 32k x 16, free, largest batch
    (1, 141_107_412_992, 8, 171_798_691_840, 0, 0),  # weights alone exceed 76.97e9 usable
    (2, 70_553_706_496, 4, 85_899_345_920, 6_415_022_489, 1),  # 6,415,022,489 // (163,840 x 32,768)
    (4, 35_276_853_248, 2, 42_949_672_960, 41_691_875_737, 15),  # 41,691,875,737 // 2,684,354,560 = 15 < 16
    (8, 17_638_426_624, 1, 21_474_836_480, 59_330_302_361, 44),  # // 1,342,177,280 = 44 >= 16: fits
    (16, 8_819_213_312, 1, 21_474_836_480, 68_149_515_673, 50),  # 16 > 8 KV heads: one head per device, replicated
]


@pytest.mark.parametrize("gpus, weights, heads, cache, free, batch", LLAMA70_CASES)
def test_tensor_parallel_llama3_70b_on_h100s(gpus, weights, heads, cache, free, batch):
    f = cap.fit(cap.resolve_config("Llama-3.1-70B"), H100, context=32768, batch=16, gpus=gpus)
    assert f["gpus"] == gpus
    assert f["weights_per_device_bytes"] == weights
    assert f["kv_heads_per_device"] == heads
    assert f["cache_per_device_bytes"] == cache
    assert f["free_for_cache_bytes"] == free
    assert f["largest_batch"] == batch
    assert f["fits"] == (batch >= 16)
    assert f["weights_fit"] == (gpus > 1)
    assert f["kv_split"] == {1: "whole", 16: "replicated"}.get(gpus, "split")


def test_smallest_gpus_for_llama3_70b_at_32k_x_16():
    spec = cap.resolve_config("Llama-3.1-70B")
    assert cap.smallest_gpus(spec, H100, context=32768, batch=16)["gpus"] == 8
    # with no reserve 4 fit: (85,520,809,984 - 35,276,853,248) // 2,684,354,560 = 18 >= 16
    assert cap.smallest_gpus(spec, H100, context=32768, batch=16, reserve_fraction=0.0)["gpus"] == 4
    # batch 15 fits on 4 with the reserve (largest batch 15 above)
    assert cap.smallest_gpus(spec, H100, context=32768, batch=15)["gpus"] == 4
    # a cache no number of devices can hold: per-device KV stops shrinking at N = 8 (one head each)
    assert cap.smallest_gpus(spec, H100, context=131072, batch=1000) is None


def test_tensor_parallel_replication_and_uneven_heads():
    smol = cap.resolve_config("SmolLM2-135M")  # 30 layers, 3 KV heads of 64
    one_head = 30 * 2 * 64 * 2  # 7,680 bytes per token per KV head (bf16)
    for gpus, heads, split in ((1, 3, "whole"), (2, 2, "uneven"), (3, 1, "split"), (4, 1, "replicated"), (64, 1, "replicated")):
        f = cap.fit(smol, H100, context=1000, batch=1, gpus=gpus)
        assert (f["kv_heads_per_device"], f["kv_split"]) == (heads, split), gpus
        assert f["per_sequence_per_device_bytes"] == heads * one_head * 1000
    assert "busiest device" in cap.fit(smol, H100, gpus=2)["kv_split_note"]
    assert "one whole KV head" in cap.fit(smol, H100, gpus=4)["kv_split_note"]
    # MQA: one KV head is replicated on every device, the cache per device never shrinks
    gemma = cap.resolve_config("Gemma-3-270M")
    c1 = cap.fit(gemma, H100, context=4096, gpus=1)["cache_per_device_bytes"]
    assert cap.fit(gemma, H100, context=4096, gpus=8)["cache_per_device_bytes"] == c1


def test_tensor_parallel_mla_latent_is_replicated():
    ds = cap.resolve_config("DeepSeek-V3")
    whole = cap.plan(ds, context=32768, batch=16)["total_bytes"]  # 61 x 576 x 2 B x 32,768 x 16 = 36,842,766,336
    assert whole == 61 * 576 * 2 * 32768 * 16 == 36_842_766_336
    for gpus in (1, 8, 64):
        f = cap.fit(ds, H100, context=32768, batch=16, gpus=gpus)
        assert f["cache_per_device_bytes"] == whole and f["kv_split"] in ("whole", "replicated (MLA latent)")
    # weights 1,342,052,838,400 bytes: / 32 = 41,939,151,200 leaves 35,029,577,785 < 36.8e9; / 64 leaves 56.0e9
    assert cap.smallest_gpus(ds, H100, context=32768, batch=16)["gpus"] == 64


def test_tp_layout_and_bad_gpu_counts():
    layout = cap.kv_layout(cap.resolve_config("Llama-3.1-8B").config)
    assert [l.kv_heads for l in cap.tp_layout(layout, 4)][:2] == [2, 2]
    assert cap.tp_layout(layout, 4)[0].parts == (("K", 2, 128), ("V", 2, 128))
    assert cap.tp_layout(layout, 1) is layout
    spec = cap.resolve_config("gpt2")
    for bad in (0, -2, 1.5, True, cap.MAX_GPUS + 1):
        with pytest.raises(KvvizError):
            cap.fit(spec, 2**30, gpus=bad)
    assert "divisible" in cap.TP_ASSUMPTION or "divide" in cap.TP_ASSUMPTION
    assert "replicated" in cap.TP_ASSUMPTION


def test_fit_sliding_model_is_limited_by_max_positions():
    f = cap.fit(cap.resolve_config("Mistral-7B-v0.1"), 80 * 2**30, context=4096, batch=1)
    assert f["largest_context"] == 32768 and "max_position_embeddings" in f["context_limited_by"]


def test_fit_weights_do_not_fit():
    f = cap.fit(cap.resolve_config("Llama-3.1-405B"), 80 * 2**30)
    assert not f["weights_fit"] and f["largest_batch"] == 0


def test_variants_compared():
    got = {n: cap.plan(c, dtype="bf16", context=1, parameters=0)["bytes_per_token"] for n, c in cap.variant_configs().items()}
    assert list(got.values()) == [
        2 * 32 * 32 * 128 * 2,  # MHA 524,288
        2 * 32 * 8 * 128 * 2,  # GQA 131,072
        2 * 32 * 1 * 128 * 2,  # MQA 16,384
        32 * (512 + 64) * 2,  # MLA 36,864
    ]


# --------------------------------------------------------------------------- CLI


def _cli(argv):
    return kvviz_main(argv)  # the real entry point: `python -m kvviz capacity ...`


def test_capacity_cli_has_no_standalone_entry():
    assert not hasattr(capacity_cli, "main")


def test_cli_json(capsys):
    assert _cli(["capacity", "--config", "Llama-2-7B", "--dtype", "fp16", "--context", "4096", "--batch", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bytes_per_token"] == 524_288
    assert data["total_bytes"] == 524_288 * 4096 * 2
    assert data["weights_bytes"] == 6_738_415_616 * 2
    assert len(data["layers"]) == 32 and data["layers"][0]["bytes_per_token"] == 16_384


def test_cli_table_names_units(capsys):
    assert _cli(["capacity", "--config", "gemma-2-9b", "--context", "32768", "--gpu", "H100"]) == 0
    out = capsys.readouterr().out
    assert "GiB" in out and "GB" in out and "largest batch" in out and "sliding" in out


def test_cli_errors_exit_2_without_traceback(capsys, tmp_path):
    assert _cli(["capacity", "--config", "no-such-model"]) == 2
    bad = tmp_path / "config.json"
    bad.write_text("{oops")
    assert _cli(["capacity", "--config", str(bad)]) == 2
    assert _cli(["capacity", "--config", "gpt2", "--context", "-5"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("error:") == 3


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--context", "0", "--gpu", "H100"], "--context must be at least 1"),  # crashed on largest_batch None
        (["--context", "0"], "--context must be at least 1"),
        (["--batch", "0", "--gpu", "H100"], "--batch must be at least 1"),
        (["--batch", "-3"], "--batch must be at least 1"),
        (["--gpu", "H100", "--reserve", "1.5"], "--reserve"),
    ],
)
def test_cli_rejects_bad_numbers(capsys, argv, message):
    assert _cli(["capacity", "--config", "gpt2", *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err and captured.out == ""


def test_cli_default_reserve_matches_the_page(capsys):
    from kvviz.ui.pages import plan as planner_page

    assert planner_page.DEFAULT_RESERVE == cap.DEFAULT_RESERVE == 0.10
    assert _cli(["capacity", "--config", "Llama-3.1-8B", "--context", "32768", "--batch", "16", "--gpu", "H100", "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)["fit"]
    assert fit["reserve_fraction"] == 0.10 and fit["largest_batch"] == 14  # the page's answer too
    assert _cli(["capacity", "--config", "Llama-3.1-8B", "--context", "32768", "--gpu", "H100"]) == 0
    out = capsys.readouterr().out
    assert "reserve used: 10%" in out and "largest batch at context 32,768: 14" in out


def test_cli_gpus_answers_how_many_h100s(capsys):
    argv = ["capacity", "--config", "Llama-3.1-70B", "--context", "32768", "--batch", "16", "--gpu", "H100"]
    assert _cli(argv) == 0
    out = capsys.readouterr().out
    assert "the weights alone do not fit on one device" in out
    assert "batch 16: 8 (--gpus N" in out and "replicated" in out
    assert _cli([*argv, "--gpus", "4", "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)["fit"]
    assert fit["gpus"] == 4 and fit["largest_batch"] == 15 and not fit["fits"] and fit["smallest_gpus"] == 8
    assert fit["weights_per_device_bytes"] == 35_276_853_248 and fit["kv_heads_per_device"] == 2
    assert _cli([*argv, "--gpus", "16"]) == 0
    out = capsys.readouterr().out
    assert "16 x H100 80 GB" in out and "each device still holds one whole KV head" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--gpu", "H100", "--gpus", "0"], "--gpus must be from 1"),
        (["--gpus", "2"], "--gpus needs --gpu"),
    ],
)
def test_cli_rejects_bad_gpus(capsys, argv, message):
    assert _cli(["capacity", "--config", "gpt2", *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err


def test_cli_table_survives_a_missing_limit():
    r = cap.plan(cap.resolve_config("gpt2"), context=16)
    r["fit"] = {"accelerator": "X", "memory_basis": "test", "reserve_fraction": 0.0, "weights_fit": True,
                "free_for_cache_bytes": 2**30, "context": 16, "batch": 1, "largest_batch": None,
                "largest_context": None, "context_limited_by": None}
    assert "largest batch at context 16: no limit" in capacity_cli.format_table(r)


# --------------------------------------------------------------------------- real caches


def _run_dynamic_cache(cfg, prompt_len: int = 7, decode_steps: int = 3, batch: int = 2):
    """Prefill then decode with transformers' DynamicCache; return (context, real cache bytes, config dict)."""
    torch = pytest.importorskip("torch")
    from transformers import AutoModelForCausalLM, DynamicCache

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(cfg).eval()
    cache = DynamicCache(config=model.config)
    kw = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
    ids = torch.randint(0, cfg.vocab_size, (batch, prompt_len))
    with torch.no_grad():
        model(input_ids=ids, use_cache=True, **{kw: cache})
        for _ in range(decode_steps):
            model(input_ids=ids[:, :1], use_cache=True, **{kw: cache})
    real = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    return prompt_len + decode_steps, real, model.config.to_dict()


SMALL = dict(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=4, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=64)


def _tiny_configs():
    tf = pytest.importorskip("transformers")
    return {
        "llama (GQA)": tf.LlamaConfig(**SMALL),
        "mistral (sliding 4)": tf.MistralConfig(**SMALL, sliding_window=4),
        "gemma2 (alternating)": tf.Gemma2Config(**SMALL, head_dim=16, sliding_window=4),
        "gemma3 (layer_types)": tf.Gemma3TextConfig(
            **SMALL, head_dim=16, sliding_window=4,
            layer_types=["sliding_attention", "full_attention", "sliding_attention", "full_attention"]),
        "qwen2 (window on top layers)": tf.Qwen2Config(**SMALL, use_sliding_window=True, sliding_window=4, max_window_layers=2),
        "deepseek_v3 (MLA)": tf.DeepseekV3Config(
            vocab_size=97, hidden_size=32, intermediate_size=64, moe_intermediate_size=16, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=4, kv_lora_rank=16, q_lora_rank=24, qk_rope_head_dim=8,
            qk_nope_head_dim=8, v_head_dim=8, n_routed_experts=4, n_shared_experts=1, num_experts_per_tok=2,
            n_group=1, topk_group=1, first_k_dense_replace=1, max_position_embeddings=64),
    }


@pytest.mark.parametrize("which", ["llama (GQA)", "mistral (sliding 4)", "gemma2 (alternating)", "gemma3 (layer_types)",
                                   "qwen2 (window on top layers)", "deepseek_v3 (MLA)"])
def test_planner_equals_real_dynamic_cache(which):
    context, real, config = _run_dynamic_cache(_tiny_configs()[which])
    p = cap.plan(config, dtype="fp32", context=context, batch=2)
    assert p["total_bytes_transformers"] == real
    if which == "llama (GQA)":
        assert real == 2 * 4 * 2 * 8 * 4 * context * 2  # K,V x layers x kv heads x head_dim x 4 B x tokens x batch
    if which == "mistral (sliding 4)":
        assert real == 2 * 4 * 2 * 8 * 4 * 3 * 2  # each layer keeps window - 1 = 3 positions
        assert p["total_bytes"] == 2 * 4 * 2 * 8 * 4 * 4 * 2  # the math: 4 positions


def test_cache_bytes_for_matches_dynamic_cache():
    context, real, config = _run_dynamic_cache(_tiny_configs()["gemma2 (alternating)"])
    windows = [layer.window for layer in cap.kv_layout(config)]
    assert windows == [4, None, 4, None]
    assert cap.cache_bytes_for(windows, 2, 16, 4, context, batch=2) == real
    assert cap.cache_bytes_for(windows, 2, 16, 4, context, batch=2, convention="window") == 2 * 2 * 16 * 4 * (4 + 10) * 2 * 2


@pytest.mark.slow
def test_builtin_model_trace_matches_planner(builtin):
    """The planner's figure for the built-in model equals the bytes of its real cache in a trace."""
    import kvviz

    tr = kvviz.trace(builtin, "Lionel Messi is a", max_new_tokens=3)
    info = builtin.info
    catalog = cap.plan(cap.resolve_config("SmolLM2-135M"), dtype="fp32", context=1)
    assert catalog["bytes_per_token"] == 2 * 30 * 3 * 64 * 4  # 46,080: 30 layers, 3 kv heads of 64, fp32
    assert len(tr.steps) == 3
    for step in tr.steps:
        expected = cap.cache_bytes_for(info.layer_windows, info.num_key_value_heads, info.head_dim,
                                       info.dtype_bytes, step.context_length)
        assert step.cache_bytes == expected
        assert step.cache_bytes == catalog["bytes_per_token"] * step.context_length
        from_config = cap.plan(builtin.model.config.to_dict(), dtype="fp32", context=step.context_length)
        assert from_config["total_bytes_transformers"] == step.cache_bytes


def test_python_m_kvviz_capacity(capsys):
    main = pytest.importorskip("kvviz.__main__").main
    assert main(["capacity", "--config", "DeepSeek-V3", "--context", "4096", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bytes_per_token"] == 70_272 and data["total_bytes"] == 70_272 * 4096
