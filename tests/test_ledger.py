"""The cost model's arithmetic, the cache-size formula against real caches, and the three-way split."""

import pytest
from tiny_models import ARCHS, tiny_loaded

from kvviz import units
from kvviz.analysis import ledger
from kvviz.engine.tracer import Tracer
from kvviz.trace_data import ModelInfo

LONG = "The cache grows by one position at every step of decoding here"  # longer than every tiny window
SHORT = "The cache grows"  # shorter: decoding crosses the windows


def smollm2_info(**over) -> ModelInfo:
    """The built-in model's shape, typed in from MODELS.md (no model load)."""
    base = {
        "name": "SmolLM2-135M", "architecture": "LlamaForCausalLM", "num_layers": 30, "num_attention_heads": 9,
        "num_key_value_heads": 3, "head_dim": 64, "hidden_size": 576, "vocab_size": 49152, "dtype": "float32",
        "intermediate_size": 1536, "mlp_kind": "gated", "layer_windows": [None] * 30, "tie_word_embeddings": True,
        "weight_bytes": 538_000_000,
    }
    base.update(over)
    return ModelInfo(**base)


def test_hand_computed_smollm2():
    info = smollm2_info()
    L = 30
    pre = ledger.step_flops(info, "prefill", 7)
    assert pre["cached"] == pre["recompute"]
    p = pre["cached"]
    assert p["q_proj"] == L * 2 * 7 * 576 * 576
    assert p["kv_proj"] == L * 2 * (2 * 7 * 576 * 192)
    assert p["scores"] == L * 9 * 2 * 7 * 7 * 64  # the full 7 x 7 square, K repeated to 9 heads
    assert p["scores_needed"] == L * 9 * 2 * 64 * 28  # 1 + 2 + ... + 7 keys under the causal mask
    assert p["attn_v"] == p["scores"]
    assert p["o_proj"] == p["q_proj"]
    assert p["mlp"] == L * 7 * 3 * 2 * 576 * 1536
    assert p["lm_head"] == 2 * 576 * 49152  # one position: logits_to_keep=1
    assert p["total"] == sum(p[c] for c in ledger.COMPONENTS)
    assert p["total_needed"] == p["total"] - 2 * (p["scores"] - p["scores_needed"])

    dec = ledger.step_flops(info, "decode", 20)
    c, r = dec["cached"], dec["recompute"]
    assert c["q_proj"] == L * 2 * 576 * 576 and r["q_proj"] == 20 * c["q_proj"]
    assert c["scores"] == L * 9 * 2 * 20 * 64 == c["scores_needed"]  # one row, no masked waste
    assert r["scores"] == L * 9 * 2 * 20 * 20 * 64
    assert c["lm_head"] == r["lm_head"]


def test_visible_keys_matches_brute_force():
    for window in (None, 1, 2, 5, 9):
        for first in range(12):
            for last in range(first, 20):
                brute = sum(p + 1 if window is None else min(p + 1, window) for p in range(first, last))
                assert ledger.visible_keys(window, first, last) == brute, (window, first, last)


def test_sliding_layers_differ_per_layer():
    info = smollm2_info(num_layers=2, layer_windows=[4, None])
    per = ledger.layers_flops(info, "cached", "decode", 10)
    assert per[0]["scores"] == 9 * 2 * 4 * 64  # W - 1 cached + the new one
    assert per[1]["scores"] == 9 * 2 * 10 * 64
    rec = ledger.layers_flops(info, "recompute", "decode", 10)
    assert rec[0]["scores"] == rec[1]["scores"] == 9 * 2 * 10 * 10 * 64  # masked, not skipped
    assert rec[0]["scores_needed"] == 9 * 2 * 64 * (1 + 2 + 3 + 4 * 7)
    assert per[0]["mlp"] == per[1]["mlp"]
    total = ledger.mode_flops(info, "cached", "decode", 10)
    assert total["scores"] == per[0]["scores"] + per[1]["scores"]


def test_plain_mlp_and_mqa():
    info = smollm2_info(num_layers=1, num_key_value_heads=1, mlp_kind="plain", intermediate_size=2304)
    f = ledger.mode_flops(info, "cached", "decode", 5)
    assert f["mlp"] == 2 * 2 * 576 * 2304
    assert f["kv_proj"] == 2 * 2 * 576 * 64


def test_cache_formula_smollm2():
    info = smollm2_info()
    assert ledger.kv_bytes_per_token(info) == 46_080  # MODELS.md: 2 x 30 x 3 x 64 x 4
    assert ledger.cache_bytes(info, 7) == 7 * 46_080
    hybrid = smollm2_info(num_layers=3, layer_windows=[4, 4, None])
    per_layer = 2 * 3 * 64 * 4
    assert ledger.cache_bytes(hybrid, 2) == 3 * 2 * per_layer
    assert ledger.cache_bytes(hybrid, 10) == (3 + 3 + 10) * per_layer  # sliding layers keep W - 1


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("prompt", [SHORT, LONG])
def test_cache_formula_equals_real_cache_every_step(arch, prompt):
    loaded = tiny_loaded(arch)
    info = loaded.info
    tracer = Tracer(loaded, prompt, 8, compare=False)
    per_layer = ledger.kv_bytes_per_token_layer(info)
    while not tracer.done:
        step = tracer.step()
        real = sum(l.keys.nbytes + l.values.nbytes for l in tracer.primary.cache.layers)
        assert real == step.cache_bytes == ledger.cache_bytes(info, step.context_length)
        for layer, window in zip(step.cache_layers, info.layer_windows):
            assert layer.bytes == ledger.stored_positions(window, step.context_length) * per_layer
        # what block 0 received, in both the trace and the cost model
        assert step.hidden_bytes == ledger.mode_bytes(
            info, "cached", step.phase, step.context_length)["hidden_per_block"]
    assert len(tracer.trace.steps) >= 6


@pytest.mark.parametrize("arch", ARCHS)
def test_three_way_split_is_consistent(arch):
    loaded = tiny_loaded(arch)
    info = loaded.info
    tr = Tracer(loaded, SHORT, 8, compare=False).run()
    run = ledger.split_trace(tr)
    assert len(run.steps) == len(tr.steps)
    cum_c = cum_r = 0
    for i, (sp, step) in enumerate(zip(run.steps, tr.steps)):
        f = step.flops
        assert set(ledger.COMPONENTS) | {"total"} <= set(f["cached"]) and set(f) == {"cached", "recompute"}
        # recompute = cached + recomputed, per component and in total
        for c in ledger.COMPONENTS + ("total",):
            assert f["recompute"][c] == sp.fresh[c] + sp.recomputed[c]
            assert sp.recomputed[c] >= 0
        assert sp.recomputed["lm_head"] == 0
        # reused K/V = what the cache held before this step
        held_before = tr.steps[i - 1].cache_bytes if i else 0
        assert sp.reused_kv_bytes == held_before
        assert sp.reused_kv_elements * info.dtype_bytes == held_before
        if step.phase == "prefill":
            assert sp.recomputed["total"] == 0 and sp.reused_kv_bytes == 0
        else:
            assert sp.recomputed["kv_proj"] >= sp.reused_kv_proj_flops > 0
        cum_c += f["cached"]["total"]
        cum_r += f["recompute"]["total"]
        assert (sp.cum_cached, sp.cum_recompute) == (cum_c, cum_r)
        assert sp.ratio == pytest.approx(cum_c / cum_r)
    assert run.cached_total == cum_c and run.recompute_total == cum_r
    assert 0 < run.ratio < 1
    assert sum(run.shares("cached").values()) == pytest.approx(1.0)


def test_step_bytes():
    info = smollm2_info()
    b = ledger.step_bytes(info, "decode", 10)
    c, r = b["cached"], b["recompute"]
    assert c["kv_written"] == 46_080 and c["kv_read"] == 9 * 46_080
    assert c["kv_copied"] == 10 * 46_080  # torch.cat rebuilds each layer's tensor
    assert r["kv_written"] == r["kv_read"] == 0 and r["kv_computed"] == 10 * 46_080
    assert c["hidden_per_block"] == 576 * 4 and r["hidden_per_block"] == 10 * 576 * 4
    assert c["hidden_total"] == 30 * 576 * 4
    assert c["weights"] == r["weights"] == info.weight_bytes
    assert c["cache_after"] == 10 * 46_080


def test_trace_json_keeps_the_cost_model():
    loaded = tiny_loaded("llama")
    tr = Tracer(loaded, SHORT, 3, compare=False).run()
    back = type(tr).from_json(tr.to_json())
    assert [s.flops for s in back.steps] == [s.flops for s in tr.steps]
    for s in back.steps:
        for mode in ("cached", "recompute"):
            assert all(isinstance(s.flops[mode][k], int) for k in ledger.COMPONENTS + ("total",))


def test_formatting():
    assert units.fmt_flops(17_565_880_320) == "17.6 GFLOP"
    assert units.fmt_flops(950) == "950 FLOP"
    assert units.fmt_bytes(2304) == "2,304 bytes"
    assert units.fmt_bytes(3_041_280) == "3.04 MB"
