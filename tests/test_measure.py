"""The cost model against PyTorch's own FLOP counter, on real forward passes.

Every step of a trace run with measure_flops=True carries the measurement of the mode that ran
(FlopCounterMode, grouped by module) beside the cost model computed from the config. They must
agree within 1% per group: at prefill and at decode steps before and past the sliding windows,
in both modes, on every tiny architecture and on the built-in model.
"""

import json

import pytest
from tiny_models import ARCHS, FUSED_QKV, tiny_loaded

from kvviz.analysis import ledger
from kvviz.engine.measure import FlopMeter, classify
from kvviz.engine.tracer import Tracer

LONG = "The cache grows by one position at every step of decoding here"  # 12 tokens > every window
SHORT = "The cache grows"  # 3 tokens: decoding crosses the windows (5 and 6)


def assert_agrees(step, mode, fused_qkv=False):
    model = step.flops[mode]
    measured = step.measured_flops
    assert measured is not None
    pairs = ledger.comparable(model, measured)
    expected = {"scores", "attn_v", "o_proj", "mlp", "lm_head", "total"}
    expected |= {"qkv_proj"} if fused_qkv else {"q_proj", "kv_proj"}
    assert expected <= set(pairs), (sorted(pairs), sorted(measured))
    for group, (predicted, counted) in pairs.items():
        assert counted > 0, group
        # The issue asks for 1%; the cost model counts exactly what runs, so it must be equal.
        assert predicted == counted, (step.index, mode, group, predicted, counted)
    assert measured["other"] == 0


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("use_cache", [True, False], ids=["cached", "recompute"])
@pytest.mark.parametrize("prompt", [SHORT, LONG], ids=["short", "long"])
def test_cost_model_matches_flop_counter(arch, use_cache, prompt):
    loaded = tiny_loaded(arch)
    tr = Tracer(loaded, prompt, 7, use_cache=use_cache, compare=False, measure_flops=True).run()
    assert len(tr.steps) >= 5  # prefill and several decode steps
    windows = [w for w in loaded.info.layer_windows if w]
    if windows:  # decode steps past the sliding window were measured
        assert tr.steps[-1].context_length > max(windows)
    for step in tr.steps:
        assert_agrees(step, tr.mode, fused_qkv=(arch in FUSED_QKV))


def test_gpt2_fused_qkv_is_reported_as_measured():
    tr = Tracer(tiny_loaded("gpt2"), SHORT, 2, compare=False, measure_flops=True).run()
    m = tr.steps[0].measured_flops
    assert "qkv_proj" in m and "q_proj" not in m and "kv_proj" not in m
    f = tr.steps[0].flops["cached"]
    assert m["qkv_proj"] == f["q_proj"] + f["kv_proj"]


def test_classify_module_paths():
    assert classify("OPTForCausalLM.model.decoder.layers.0.fc1") == "mlp"  # OPT: no mlp module
    assert classify("GPTNeoXForCausalLM.gpt_neox.layers.0.attention.query_key_value") == "qkv_proj"
    assert classify("GPTNeoXForCausalLM.gpt_neox.layers.0.attention.dense") == "o_proj"
    assert classify("MptForCausalLM.transformer.blocks.0.ffn.up_proj") == "mlp"
    assert classify("LlamaForCausalLM.model.layers.3.self_attn.q_proj") == "q_proj"
    assert classify("LlamaForCausalLM.model.layers.3.self_attn.v_proj") == "kv_proj"
    assert classify("LlamaForCausalLM.model.layers.3.self_attn.o_proj") == "o_proj"
    assert classify("LlamaForCausalLM.model.layers.3.self_attn") == "attention_core"
    assert classify("LlamaForCausalLM.model.layers.3.mlp.down_proj") == "mlp"
    assert classify("GPT2LMHeadModel.transformer.h.0.attn.c_attn") == "qkv_proj"
    assert classify("GPT2LMHeadModel.transformer.h.0.attn.c_proj") == "o_proj"
    assert classify("GPT2LMHeadModel.transformer.h.0.mlp.c_proj") == "mlp"
    assert classify("GPT2LMHeadModel.lm_head") == "lm_head"
    assert classify("Global") == "other"


def test_meter_on_a_bare_forward():
    import torch

    loaded = tiny_loaded("llama")
    meter = FlopMeter()
    with meter, torch.inference_mode():
        loaded.model(input_ids=torch.tensor([[1, 2, 3, 4]]), use_cache=False, logits_to_keep=1)
    g = meter.groups()
    expected = ledger.mode_flops(loaded.info, "recompute", "prefill", 4)
    assert {k: g[k] for k in ledger.COMPONENTS} == {k: expected[k] for k in ledger.COMPONENTS}
    assert g["total"] == expected["total"] + g["other"]


def test_builtin_model_matches_flop_counter(builtin):
    for use_cache in (True, False):
        tr = Tracer(builtin, "Lionel Messi is a", 4, use_cache=use_cache, compare=False, measure_flops=True).run()
        assert [s.phase for s in tr.steps] == ["prefill", "decode", "decode", "decode"]
        for step in tr.steps:
            assert_agrees(step, tr.mode)
            assert step.measured_flops["other"] == 0


def test_cli_trace_writes_cost_model_and_measurement(tmp_path, monkeypatch):
    import kvviz.engine.models
    from kvviz.__main__ import main

    monkeypatch.setattr(kvviz.engine.models, "load_model", lambda name=None, **kw: tiny_loaded("llama"))
    out = tmp_path / "t.json"
    rc = main(["trace", "--prompt", SHORT, "--max-new-tokens", "3", "--measure-flops", "--no-compare",
               "--json", str(out)])
    assert rc == 0
    data = json.loads(out.read_text())
    keys = set(ledger.COMPONENTS) | {"total"}
    for step in data["steps"]:
        assert set(step["flops"]) == {"cached", "recompute"}
        for mode in ("cached", "recompute"):
            assert keys <= set(step["flops"][mode])
        assert keys <= set(step["measured_flops"])
        for k in keys:
            assert step["measured_flops"][k] == step["flops"]["cached"][k]
