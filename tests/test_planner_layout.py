"""The planner's layouts and plans against published and hand-computed figures.

Every expected number below is either from a published source or computed by hand in the
comment beside it; none is copied from the code's output.
"""

from __future__ import annotations

from kvviz.planner.catalog import resolve_config
from kvviz.planner.formula import Term, formula_latex, formula_text
from kvviz.planner.layout import attention_variant, kv_layout
from kvviz.planner.plan import plan
from kvviz.units import fmt_bytes_binary


def bpt(name: str, dtype: str) -> int:
    return plan(resolve_config(name), dtype=dtype, context=1).bytes_per_token


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
    p = plan(resolve_config("DeepSeek-V3"), dtype="bf16", context=4096)
    assert p.bytes_per_token == 70_272
    assert p.total_bytes == 70_272 * 4096
    assert all(row.kind == "mla" and row.elements_per_token == 576 for row in p.layers)
    ref = p.mla_reference
    # full K/V: 128 heads x (128 nope + 64 rope) keys + 128 heads x 128 values = 40,960 values per layer
    assert ref.elements_per_token_per_layer == 40_960
    assert ref.bytes_per_token == 61 * 40_960 * 2  # 4,997,120
    # DeepSeek-V2: 60 layers x 576 x 2 = 69,120
    assert bpt("DeepSeek-V2", "bf16") == 69_120


def test_mistral_sliding_window_caps_at_4096():
    spec = resolve_config("Mistral-7B-v0.1")
    per_token = 2 * 32 * 8 * 128 * 2  # 131,072
    at_4k = plan(spec, context=4096).total_bytes
    at_32k = plan(spec, context=32768)
    assert at_4k == per_token * 4096
    assert at_32k.total_bytes == per_token * 4096  # capped
    assert at_32k.bytes_per_token == per_token  # uncapped per-token figure
    assert at_32k.total_bytes_transformers == per_token * 4095  # DynamicCache keeps W - 1
    # v0.3 dropped the window: grows with the context
    assert plan(resolve_config("Mistral-7B-v0.3"), context=32768).total_bytes == per_token * 32768


def test_gemma2_9b_hybrid():
    spec = resolve_config("Gemma-2-9B")
    layout = kv_layout(spec.config)
    assert [layer.window for layer in layout[:4]] == [4096, None, 4096, None]
    assert sum(layer.kind == "sliding" for layer in layout) == 21
    # head_dim is read (256), not derived (3584 / 16 = 224)
    assert {layer.head_dim for layer in layout} == {256}
    per_layer = 2 * 8 * 256 * 2  # 8,192 bytes per token per layer in bf16
    p = plan(spec, dtype="bf16", context=8192)
    assert p.bytes_per_token == 42 * per_layer  # 344,064
    assert p.total_bytes == 21 * per_layer * 8192 + 21 * per_layer * 4096


def test_gemma3_layer_patterns():
    small = kv_layout(resolve_config("Gemma-3-270M").config)  # explicit layer_types
    assert [i for i, layer in enumerate(small) if layer.window is None] == [5, 11, 17]
    assert {layer.window for layer in small if layer.window} == {512}
    assert {(layer.kv_heads, layer.head_dim) for layer in small} == {(1, 256)}  # MQA
    big = resolve_config("Gemma-3-27B")  # nested text_config, sliding_window_pattern 6
    layout = kv_layout(big.config)
    assert len(layout) == 62
    assert [i for i, layer in enumerate(layout) if layer.window is None] == [5, 11, 17, 23, 29, 35, 41, 47, 53, 59]
    # at 32k tokens, bf16: 10 global layers x 32,768 + 52 local layers x 1,024 positions, 2 x 16 x 128 x 2 bytes each
    assert plan(big, context=32768).total_bytes == (10 * 32768 + 52 * 1024) * 2 * 16 * 128 * 2


def test_qwen2_window_off_and_on():
    spec = resolve_config("Qwen2.5-7B")
    assert all(layer.window is None for layer in kv_layout(spec.config))  # use_sliding_window false
    assert bpt("Qwen2.5-7B", "bf16") == 2 * 28 * 4 * 128 * 2  # 57,344
    on = dict(spec.config, use_sliding_window=True, sliding_window=4096, max_window_layers=20)
    windows = [layer.window for layer in kv_layout(on)]
    assert windows[:20] == [None] * 20 and windows[20:] == [4096] * 8


def test_phi3_mha_and_published_window():
    layout = kv_layout(resolve_config("Phi-3-mini-4k").config)
    assert {(layer.kv_heads, layer.head_dim, layer.window) for layer in layout} == {(32, 96, 2047)}


def test_multi_query():
    cfg = {"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 8, "num_key_value_heads": 1}
    a = attention_variant(cfg)
    assert (a.scheme, a.heads, a.kv_heads, a.sliding_layers) == ("mqa", 8, 1, 0)
    assert plan(cfg, dtype="fp32", context=1, parameters=0).bytes_per_token == 2 * 2 * 1 * 8 * 4


def test_quantized_dtypes_and_scale_overhead():
    spec = resolve_config("Llama-3.1-8B")
    # int8: 128 values -> 128 bytes + 2 groups of 64 x 4 bytes (fp16 scale + zero-point) = 136 per head vector
    assert plan(spec, dtype="int8", context=1).bytes_per_token == 2 * 32 * 8 * 136
    # int4: 64 bytes + 8 = 72 per head vector
    assert plan(spec, dtype="int4", context=1).bytes_per_token == 2 * 32 * 8 * 72
    # fp8: 1 byte per value, plus one fp32 scale per K and V tensor per layer (8 x 32 layers = 256 bytes total)
    p = plan(spec, dtype="fp8", context=1000, batch=2)
    assert p.bytes_per_token == 65_536
    assert p.total_bytes == 65_536 * 1000 * 2 + 256
    assert plan(spec, dtype="fp32", context=1).bytes_per_token == 262_144


def test_formula_has_the_numbers():
    p = plan(resolve_config("Llama-2-7B"), dtype="fp16", context=4096, batch=2)
    f = p.formula
    assert (f.batch, f.context, f.dtype.name) == (2, 4096, "fp16")
    assert f.total == p.total_bytes == 524_288 * 4096 * 2
    assert f.terms == (Term(32, "full", (("K", 32, 128), ("V", 32, 128)), None),)
    text = formula_text(f)
    for number in ("32", "128", "4,096", f"{524_288 * 4096 * 2:,}", fmt_bytes_binary(p.total_bytes)):
        assert number in text, number
    assert "4{,}294{,}967{,}296" in formula_latex(f)  # 4 GiB, LaTeX thousands separators


def test_formula_groups_identical_layers():
    # Gemma-2-9B: 21 sliding layers (window 4,096) and 21 global ones, two terms of 21 layers each
    f = plan(resolve_config("Gemma-2-9B"), context=8192).formula
    assert [(term.layers, term.kind, term.window) for term in f.terms] == [(21, "sliding", 4096), (21, "full", None)]
    assert "min(8,192, 4,096)" in formula_text(f)
    mla = plan(resolve_config("DeepSeek-V3"), context=16).formula
    assert mla.terms == (Term(61, "mla", (("latent", 1, 512), ("rope_key", 1, 64)), None),)


