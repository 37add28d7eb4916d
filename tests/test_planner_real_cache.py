"""The planner against real caches: transformers' DynamicCache on tiny models, and the built-in model's trace."""

from __future__ import annotations

import inspect

import pytest

from kvviz.planner.catalog import resolve_config
from kvviz.planner.layout import cache_bytes_for, kv_layout
from kvviz.planner.plan import plan

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


SMALL = {"vocab_size": 97, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 4, "num_attention_heads": 4,
             "num_key_value_heads": 2, "max_position_embeddings": 64}


def _tiny_configs():
    tf = pytest.importorskip("transformers")
    return {
        "llama (GQA)": tf.LlamaConfig(**SMALL),
        "mistral (sliding 4)": tf.MistralConfig(**SMALL, sliding_window=4),
        "gemma2 (alternating)": tf.Gemma2Config(**SMALL, head_dim=16, sliding_window=4),
        "gemma3 (layer_types)": tf.Gemma3TextConfig(
            **SMALL, head_dim=16, sliding_window=4,
            layer_types=["sliding_attention", "full_attention", "sliding_attention", "full_attention"]),
        "qwen2 (window on top layers)": tf.Qwen2Config(
            **SMALL, use_sliding_window=True, sliding_window=4, max_window_layers=2),
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
    p = plan(config, dtype="fp32", context=context, batch=2)
    assert p.total_bytes_transformers == real
    if which == "llama (GQA)":
        assert real == 2 * 4 * 2 * 8 * 4 * context * 2  # K,V x layers x kv heads x head_dim x 4 B x tokens x batch
    if which == "mistral (sliding 4)":
        assert real == 2 * 4 * 2 * 8 * 4 * 3 * 2  # each layer keeps window - 1 = 3 positions
        assert p.total_bytes == 2 * 4 * 2 * 8 * 4 * 4 * 2  # the math: 4 positions


def test_cache_bytes_for_matches_dynamic_cache():
    context, real, config = _run_dynamic_cache(_tiny_configs()["gemma2 (alternating)"])
    windows = [layer.window for layer in kv_layout(config)]
    assert windows == [4, None, 4, None]
    assert cache_bytes_for(windows, 2, 16, 4, context, batch=2) == real
    assert (cache_bytes_for(windows, 2, 16, 4, context, batch=2, convention="window")
            == 2 * 2 * 16 * 4 * (4 + 10) * 2 * 2)


@pytest.mark.slow
def test_builtin_model_trace_matches_planner(builtin):
    """The planner's figure for the built-in model equals the bytes of its real cache in a trace."""
    import kvviz

    tr = kvviz.trace(builtin, "Lionel Messi is a", max_new_tokens=3)
    info = builtin.info
    catalog = plan(resolve_config("SmolLM2-135M"), dtype="fp32", context=1)
    assert catalog.bytes_per_token == 2 * 30 * 3 * 64 * 4  # 46,080: 30 layers, 3 kv heads of 64, fp32
    assert len(tr.steps) == 3
    for step in tr.steps:
        expected = cache_bytes_for(info.layer_windows, info.num_key_value_heads, info.head_dim,
                                       info.dtype_bytes, step.context_length)
        assert step.cache_bytes == expected
        assert step.cache_bytes == catalog.bytes_per_token * step.context_length
        from_config = plan(builtin.model.config.to_dict(), dtype="fp32", context=step.context_length)
        assert from_config.total_bytes_transformers == step.cache_bytes
