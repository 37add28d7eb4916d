"""The tracer on tiny models of every architecture family, and on the real built-in model."""

import json

import pytest
from tiny_models import ARCHS, tiny_loaded

import kvviz
from kvviz import KvvizError, Trace
from kvviz.engine.tracer import Sampling, Tracer
from kvviz.trace_rules import noun

PROMPT = "The cache grows by one"


def expected_seq(window, context):
    """What transformers' DynamicSlidingWindowLayer keeps: all positions, or the last window-1."""
    return context if window is None else min(context, window - 1)


@pytest.mark.parametrize("arch", ARCHS)
def test_every_step_shape_matches_config(arch):
    loaded = tiny_loaded(arch)
    info = loaded.info
    tr = kvviz.trace(loaded, PROMPT, 9)
    prompt_len = len(tr.prompt_token_ids)
    assert len(tr.steps) == 9 and tr.finish_reason == "max_new_tokens"
    for i, step in enumerate(tr.steps):
        context = prompt_len + i  # after the step the cache holds every token fed so far
        assert step.context_length == context
        assert step.input_length == (prompt_len if i == 0 else 1)
        assert step.hidden_shape == [1, step.input_length, info.hidden_size]
        assert len(step.cache_layers) == info.num_layers
        for layer, window in zip(step.cache_layers, info.layer_windows):
            shape = [1, info.num_key_value_heads, expected_seq(window, context), info.head_dim]
            assert layer.key_shape == shape and layer.value_shape == shape
            assert layer.bytes == 2 * 4 * shape[1] * shape[2] * shape[3]
        assert step.cache_bytes == sum(c.bytes for c in step.cache_layers)


def test_config_reading_is_not_gpt2_shaped():
    # MQA with head_dim != hidden/heads, and a hybrid sliding/global layout, come from the config.
    g3 = tiny_loaded("gemma3").info
    assert (g3.num_key_value_heads, g3.head_dim, g3.hidden_size // g3.num_attention_heads) == (1, 16, 16)
    assert g3.layer_windows == [5, 5, 5, 5, 5, None]
    g2 = tiny_loaded("gemma2").info
    assert g2.head_dim == 32 and g2.layer_windows == [6, None]
    assert tiny_loaded("gpt2").info.mlp_kind == "plain"
    assert tiny_loaded("llama").info.mlp_kind == "gated"


@pytest.mark.parametrize("arch", ARCHS)
def test_cached_and_recompute_agree(arch):
    loaded = tiny_loaded(arch)
    cached = kvviz.trace(loaded, PROMPT, 8, use_cache=True)
    recompute = kvviz.trace(loaded, PROMPT, 8, use_cache=False)
    assert cached.generated_ids == recompute.generated_ids
    assert all(s.cache_layers == [] and s.cache_bytes == 0 for s in recompute.steps)
    assert [s.input_length for s in recompute.steps] == [s.context_length for s in recompute.steps]
    for s in cached.steps + recompute.steps:
        assert s.other_token_id == s.token_id
        assert s.max_abs_logit_diff is not None and s.max_abs_logit_diff < 1e-4


def test_steppable_state_between_calls():
    t = Tracer(tiny_loaded("llama"), PROMPT, 3)
    first = t.step()
    assert first.phase == "prefill" and not t.done
    t.step(), t.step()
    assert t.done and t.step() is None and len(t.trace.steps) == 3


def test_sampling_is_seeded():
    loaded = tiny_loaded("llama")
    s = {"temperature": 1.2, "top_k": 50, "top_p": 0.9}
    a = kvviz.trace(loaded, PROMPT, 8, sampling=Sampling(seed=7, **s))
    b = kvviz.trace(loaded, PROMPT, 8, sampling=Sampling(seed=7, **s))
    c = kvviz.trace(loaded, PROMPT, 8, sampling=Sampling(seed=8, **s))
    greedy = kvviz.trace(loaded, PROMPT, 8)
    assert a.generated_ids == b.generated_ids  # the same seed draws the same tokens
    others = [kvviz.trace(loaded, PROMPT, 8, sampling=Sampling(seed=k, **s)).generated_ids for k in (8, 9, 10)]
    assert any(o != a.generated_ids for o in others + [c.generated_ids])  # the seed matters
    assert a.generated_ids != greedy.generated_ids  # random weights: sampling at T=1.2 leaves the argmax


def test_tiny_top_p_keeps_only_the_top_token():
    loaded = tiny_loaded("llama")
    a = kvviz.trace(loaded, PROMPT, 6, sampling=Sampling(temperature=1.5, top_p=1e-6, seed=4))
    assert a.generated_ids == kvviz.trace(loaded, PROMPT, 6).generated_ids


def test_mixture_of_experts_and_latent_attention_are_refused(tmp_path):
    from transformers import DeepseekV3Config, MixtralConfig

    MixtralConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
                  num_key_value_heads=2, num_local_experts=4).save_pretrained(tmp_path / "moe")
    with pytest.raises(KvvizError) as e:
        kvviz.load_model(str(tmp_path / "moe"))
    assert e.value.text_key == "errors.model.moe"
    DeepseekV3Config(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
                     n_routed_experts=0, kv_lora_rank=16, q_lora_rank=16).save_pretrained(tmp_path / "mla")
    with pytest.raises(KvvizError) as e:
        kvviz.load_model(str(tmp_path / "mla"))
    assert e.value.text_key in ("errors.model.mla", "errors.model.moe")


def test_sampling_numbers_must_be_finite():
    with pytest.raises(KvvizError) as e:
        Tracer(tiny_loaded("llama"), PROMPT, 2, sampling=Sampling(temperature=float("nan")))
    assert e.value.text_key == "errors.sampling.not_finite"


def test_top_k_one_is_greedy():
    loaded = tiny_loaded("qwen2")
    a = kvviz.trace(loaded, PROMPT, 6, sampling=Sampling(temperature=0.8, top_k=1, seed=3))
    assert a.generated_ids == kvviz.trace(loaded, PROMPT, 6).generated_ids


def test_attention_weights_recorded():
    loaded = tiny_loaded("llama")
    tr = kvviz.trace(loaded, PROMPT, 3, attention_layers=[1])
    p = len(tr.prompt_token_ids)
    pre = tr.steps[0].attention[1]  # [heads][q][k]
    assert len(pre) == 4 and len(pre[0]) == p and len(pre[0][0]) == p
    assert pre[0][0][1] == 0.0  # causal: the first token sees only itself
    dec = tr.steps[2].attention[1]
    assert len(dec[0]) == 1 and len(dec[0][0]) == p + 2
    assert abs(sum(dec[0][0]) - 1) < 1e-3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"prompt": "   ", "max_new_tokens": 4}, "errors.prompt_empty"),
        ({"prompt": "hi", "max_new_tokens": 0}, "errors.new_tokens"),
        ({"prompt": "hi", "max_new_tokens": -3}, "errors.new_tokens"),
        ({"prompt": "hi", "max_new_tokens": 500}, "errors.context_exceeded.model"),
        ({"prompt": "word " * 300, "max_new_tokens": 1}, "errors.prompt_too_long.model"),
        ({"prompt": "hi", "max_new_tokens": 2, "attention_layers": [9]}, "errors.no_layer"),
    ],
)
def test_bad_input_gets_clear_error(kwargs, message):
    with pytest.raises(KvvizError) as e:
        Tracer(tiny_loaded("llama"), **kwargs)
    assert e.value.text_key == message


def test_json_round_trip():
    tr = kvviz.trace(tiny_loaded("gemma3"), PROMPT, 4, attention_layers=[0])
    text = tr.to_json()
    back = Trace.from_json(text)
    assert back.to_json() == text
    data = json.loads(text)
    assert data["schema"] == kvviz.SCHEMA and data["mode"] == "cached"
    for key in ("name", "architecture", "num_layers", "num_attention_heads", "num_key_value_heads",
                "head_dim", "hidden_size", "vocab_size", "dtype"):
        assert key in data["model"]
    step = data["steps"][1]
    for key in ("phase", "input_length", "token_id", "token_text", "cache_layers", "cache_bytes", "time_ms"):
        assert key in step
    assert set(step["cache_layers"][0]) >= {"key_shape", "value_shape", "bytes"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", "errors.json.invalid"),
        ("[1, 2]", "errors.trace.not_object"),
        ('{"schema": "other/1"}', "errors.trace.schema"),
        ('{"schema": "kvviz.trace/1", "model": {}}', "errors.trace.missing_fields"),
        (b"\x80\x81", "errors.json.not_utf8"),
    ],
)
def test_corrupt_trace_files_rejected(text, message):
    with pytest.raises(KvvizError) as e:
        Trace.from_json(text)
    assert e.value.text_key == message


def test_tampered_trace_rejected():
    data = json.loads(kvviz.trace(tiny_loaded("llama"), PROMPT, 2).to_json())
    data["steps"][0]["cache_bytes"] = -5
    with pytest.raises(KvvizError) as e:
        Trace.from_dict(data)
    assert e.value.text_key == "errors.trace.int_range" and e.value.text_fields["what"] == noun("count")
    data = json.loads(kvviz.trace(tiny_loaded("llama"), PROMPT, 2).to_json())
    data["mode"] = "magic"
    with pytest.raises(KvvizError) as e:
        Trace.from_dict(data)
    assert e.value.text_key == "errors.trace.one_of" and e.value.text_fields["path"] == "trace.mode"


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda d: d["model"].update(num_key_value_heads=0), "int_positive"),
        (lambda d: d["model"].update(num_key_value_heads=3), "uneven_heads"),
        (lambda d: d["model"].update(layer_windows=[None]), "windows_per_layer"),
        (lambda d: d["steps"].reverse(), "out_of_order"),
        (lambda d: d["steps"][1].update(context_length=99), "context_length"),
        (lambda d: d["steps"][1].update(cache_layers=d["steps"][1]["cache_layers"][:1]), "cache_layers"),
        (lambda d: d["steps"][1]["flops"]["cached"].update(mlp="lots"), "int_range"),
        (lambda d: d["steps"][0].update(attention={"0": [[1, 2], [3]]}), "attention_lists"),
    ],
)
def test_impossible_traces_rejected(tamper, message):
    data = json.loads(kvviz.trace(tiny_loaded("llama"), PROMPT, 3, attention_layers=[0]).to_json())
    tamper(data)
    with pytest.raises(KvvizError) as e:
        Trace.from_dict(data)
    assert e.value.text_key == f"errors.trace.{message}"


def test_non_causal_and_missing_models(tmp_path):
    from transformers import DistilBertConfig

    DistilBertConfig(dim=32, n_layers=1, n_heads=2, hidden_dim=64).save_pretrained(tmp_path)
    def key_of(source: str) -> str:
        with pytest.raises(KvvizError) as e:
            kvviz.load_model(source)
        return e.value.text_key

    assert key_of(str(tmp_path)) == "errors.model.not_causal"
    assert key_of(str(tmp_path / "nope")) == "errors.model.no_folder"
    assert key_of("openai-community/gpt2-does-not-exist-here") in ("errors.model.offline", "errors.model.not_on_hub")
    (tmp_path / "empty").mkdir()
    assert key_of(str(tmp_path / "empty")) == "errors.model.no_config"


def test_local_folder_loads(tmp_path):
    loaded = tiny_loaded("qwen2")
    loaded.model.save_pretrained(tmp_path)
    loaded.tokenizer.save_pretrained(tmp_path)
    again = kvviz.load_model(str(tmp_path))
    assert again.info.num_key_value_heads == 2
    assert kvviz.trace(again, PROMPT, 3).generated_ids == kvviz.trace(loaded, PROMPT, 3).generated_ids


# --- the real built-in model -------------------------------------------------------------------


def test_builtin_messi_end_to_end(builtin):
    info = builtin.info
    assert (info.num_layers, info.num_attention_heads, info.num_key_value_heads, info.head_dim) == (30, 9, 3, 64)
    assert (info.hidden_size, info.vocab_size) == (576, 49152)
    cached = kvviz.trace(builtin, "Lionel Messi is a", 16, compare=False)
    assert cached.steps[0].cache_layers[0].key_shape == [1, 3, 7, 64]
    for i, step in enumerate(cached.steps):
        assert all(c.key_shape == [1, 3, 7 + i, 64] == c.value_shape for c in step.cache_layers)
        assert step.cache_bytes == 46080 * (7 + i)  # 2 x 30 layers x 3 heads x 64 x 4 bytes per token
    assert cached.steps[-1].cache_layers[29].key_shape == [1, 3, 22, 64]
    assert cached.generated_text.startswith(" legendary Italian footballer")
    recompute = kvviz.trace(builtin, "Lionel Messi is a", 16, use_cache=False)
    assert recompute.generated_ids == cached.generated_ids
    assert max(s.max_abs_logit_diff for s in recompute.steps) < 1e-3


def test_builtin_matches_generate(builtin):
    import torch

    ids = builtin.tokenizer("Lionel Messi is a", return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        out = builtin.model.generate(ids, max_new_tokens=8, do_sample=False)
    tr = kvviz.trace(builtin, "Lionel Messi is a", 8, compare=False)
    assert tr.generated_ids == out[0, ids.shape[1]:].tolist()


# --- caps: enforced by the engine, with the app's values as defaults ----------------------------


def test_attention_budget_matches_the_apps_choice_on_every_preset_shape(builtin):
    from kvviz.engine import caps

    info = builtin.info
    assert caps.attention_bytes(info, 1, 3, 1) == 9 * 9 * 4  # one layer, 9 heads, a 3 x 3 square
    assert caps.attention_bytes(info, 2, 3, 3) == 2 * 9 * (9 + 4 + 5) * 4  # then rows of 4 and 5 keys
    # The app records every layer up to 256 tokens, else one: both stay inside the default budget.
    for prompt in (1, 100, caps.ATTENTION_ALL_LAYERS_MAX_TOKENS - 1):
        total = caps.ATTENTION_ALL_LAYERS_MAX_TOKENS
        layers = caps.app_attention_layers(info, total)
        assert len(layers) == 30
        assert caps.attention_bytes(info, len(layers), prompt, total - prompt) <= caps.ATTENTION_BUDGET_BYTES
    assert caps.app_attention_layers(info, caps.ATTENTION_ALL_LAYERS_MAX_TOKENS + 1) == [15]
    assert caps.attention_bytes(info, 1, caps.APP_MAX_CONTEXT - 1, 1) <= caps.ATTENTION_BUDGET_BYTES


def test_caps_are_enforced_at_construction(builtin):
    from kvviz.engine import caps

    long_prompt = "word " * 2100
    with pytest.raises(KvvizError) as e:
        Tracer(builtin, long_prompt, 4)  # the model allows 8192; the engine's default cap is the app's
    assert e.value.text_key == "errors.prompt_too_long.run" and e.value.text_fields["limit"] == 2048
    Tracer(builtin, long_prompt, 4, max_context=None)  # a caller may lift it explicitly
    prompt = "word " * 600
    with pytest.raises(KvvizError) as e:
        Tracer(builtin, prompt, 8, attention_layers="all")  # 30 layers x 9 heads x 600² floats: ~3.9 GB
    f = e.value.text_fields
    assert e.value.text_key == "errors.caps.attention_many" and f["layers"] == 30 and f["need"] > f["limit"]
    tracer = Tracer(builtin, prompt, 8, attention_layers=caps.app_attention_layers(builtin.info, 608))
    with pytest.raises(KvvizError) as e:
        tracer.record_attention("all")  # later choices are bounded too
    assert e.value.text_key == "errors.caps.attention_many"
    Tracer(builtin, prompt, 8, attention_layers="all", attention_budget=None)
    with pytest.raises(KvvizError) as e:
        Tracer(builtin, "hi", 2, max_context=0)
    assert e.value.text_key == "errors.caps.context_limit" and e.value.text_fields["got"] == "0"
