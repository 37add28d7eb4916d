"""The built-in catalog (models with published counts, accelerators) and finding a model by name or path."""

from __future__ import annotations

import json

import pytest

from kvviz.errors import KvvizError
from kvviz.planner.catalog import DATA_DIR, catalog_names, load_catalog, resolve_config
from kvviz.planner.fit import validate_config
from kvviz.planner.params import count_parameters
from kvviz.planner.plan import plan
from kvviz.text import t


def _error(fn, *args) -> str:
    with pytest.raises(KvvizError) as e:
        fn(*args)
    return str(e.value)


# --------------------------------------------------------------------------- catalog


def test_catalog_has_the_required_models_with_sources():
    names = set(catalog_names())
    required = {
        "GPT-2", "GPT-2 medium", "GPT-2 large", "GPT-2 XL", "Llama-2-7B", "Llama-2-13B", "Llama-2-70B",
        "Llama-3.1-8B", "Llama-3.1-70B", "Llama-3.1-405B", "Mistral-7B-v0.1", "Mixtral-8x7B", "Qwen2.5-0.5B",
        "Qwen2.5-7B", "Qwen2.5-72B", "Gemma-2-9B", "Gemma-3-270M", "Gemma-3-27B", "Phi-3-mini-4k",
        "DeepSeek-V2", "DeepSeek-V3",
    }
    assert required <= names
    for spec in load_catalog():
        assert spec.source.startswith("https://huggingface.co/") and spec.source.endswith("config.json")
        assert spec.parameters and spec.parameters_source
        validate_config(spec.config, spec.name)


def test_catalog_parameter_counts_agree_with_the_config():
    # The dense counts are the checkpoints' published tensor counts; recomputing them from the
    # config checks both the catalog's shapes and count_parameters.
    for spec in load_catalog():
        assert count_parameters(spec.config) == spec.parameters, spec.name
    published = {  # tensor counts as published for these checkpoints
        "GPT-2": 124_439_808, "Llama-2-7B": 6_738_415_616, "Llama-3.1-8B": 8_030_261_248,
        "Mistral-7B-v0.1": 7_241_732_096, "Mixtral-8x7B": 46_702_792_704, "Qwen2.5-7B": 7_615_616_512,
        "Gemma-2-9B": 9_241_705_984, "Phi-3-mini-4k": 3_821_079_552,
    }
    for name, n in published.items():
        assert resolve_config(name).parameters == n
    # DeepSeek papers: 236B (V2) and 671B (V3) total parameters
    assert round(resolve_config("DeepSeek-V2").parameters / 1e9) == 236
    assert round(resolve_config("DeepSeek-V3").parameters / 1e9) == 671


def test_resolve_names_case_insensitive_and_aliases():
    assert resolve_config("llama-2-7b").name == "Llama-2-7B"
    assert resolve_config("meta-llama/Llama-2-7b-hf").name == "Llama-2-7B"
    assert resolve_config("GPT2").name == "GPT-2"
    names = ", ".join(catalog_names())
    assert _error(resolve_config, "llama-9-1b") == t("planner.error.unknown_model", name="llama-9-1b", names=names)


def test_resolve_full_hub_ids_match_aliases():
    # the alias is the whole hub id; comparing only the last segment ("gemma-3-27b-pt") missed it
    assert resolve_config("google/gemma-3-27b-pt").name == "Gemma-3-27B"
    assert resolve_config("GOOGLE/Gemma-3-27B-PT").name == "Gemma-3-27B"
    assert resolve_config("openai-community/gpt2").name == "GPT-2"


TINY = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
        "num_key_value_heads": 1, "intermediate_size": 128, "vocab_size": 100}


def test_resolve_local_paths_before_the_catalog(tmp_path, monkeypatch):
    # a local folder named like a catalog model is that folder's config, not the catalog's GPT-2
    folder = tmp_path / "models" / "gpt2"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(TINY))
    monkeypatch.chdir(tmp_path)
    for where in ("./models/gpt2/config.json", "./models/gpt2", "models/gpt2", str(folder),
                  str(folder / "config.json")):
        spec = resolve_config(where)
        assert spec.name == "gpt2" and spec.source.endswith("config.json"), where
        assert plan(spec, dtype="fp32", context=1).bytes_per_token == 2 * 2 * 1 * 16 * 4, where
    (tmp_path / "gpt2").mkdir()  # a folder without config.json is not a config: the name is the catalog's
    assert resolve_config("gpt2").name == "GPT-2"
    names = ", ".join(catalog_names())
    assert _error(resolve_config, "./elsewhere/gpt2") == t("planner.error.no_file", path="./elsewhere/gpt2",
                                                           names=names)
    assert _error(resolve_config, "./gpt2") == t("planner.error.no_config_in_folder", path="./gpt2")


def test_data_files_are_found_through_one_constant():
    assert (DATA_DIR / "model_configs.json").is_file() and (DATA_DIR / "accelerators.json").is_file()


def test_weights_bytes():
    p = plan(resolve_config("Llama-2-7B"), weights_dtype="fp16")
    assert p.weights_bytes == 6_738_415_616 * 2
    assert plan(resolve_config("Llama-2-7B"), weights_dtype="int4").weights_bytes == 6_738_415_616 // 2


