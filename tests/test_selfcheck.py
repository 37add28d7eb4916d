"""The load-time probe: cost model vs FlopCounterMode and the real cache, on every model kvviz loads."""

import dataclasses
import json

import pytest
from tiny_models import ARCHS, _configs, tiny_loaded, tiny_model

from kvviz.engine import selfcheck
from kvviz.engine.models import model_info
from kvviz.engine.tracer import Tracer
from kvviz.trace_data import Trace

KEYS = {
    f"flops.{mode}.{phase}.{group}"
    for mode, phase in (("cached", "prefill"), ("cached", "decode"), ("recompute", "decode"))
    for group in ("scores", "attn_v", "o_proj", "mlp", "lm_head", "total", "other")
} | {"cache_bytes.prefill", "cache_bytes.decode"}


@pytest.mark.parametrize("arch", ARCHS)
def test_every_tiny_arch_is_verified(arch):
    loaded = tiny_loaded(arch)
    check = loaded.selfcheck
    assert loaded.verified and loaded.info.verified
    assert check.failed == [] and check.unverified == [] and check.worst_rel == 0.0
    assert KEYS <= set(check.checks)
    fused = "flops.cached.prefill.qkv_proj" in check.checks
    assert fused != ("flops.cached.prefill.q_proj" in check.checks)
    for key, (predicted, measured) in check.checks.items():
        assert predicted == measured, key
        if not key.endswith(".other"):
            assert measured > 0, key
    # cached decode feeds one position; recompute decode the whole four
    mlp = {k: check.checks[f"flops.{k}.mlp"][1] for k in ("cached.prefill", "cached.decode", "recompute.decode")}
    assert mlp["cached.prefill"] == 3 * mlp["cached.decode"] and mlp["recompute.decode"] == 4 * mlp["cached.decode"]
    assert check.checks["cache_bytes.decode"][1] * 3 == check.checks["cache_bytes.prefill"][1] * 4
    assert loaded.info.verify_worst_rel == 0.0 and loaded.info.verify_ms > 0


def test_a_wrong_size_is_caught_and_flagged():
    loaded = tiny_loaded("llama")
    wrong = dataclasses.replace(loaded.info, intermediate_size=100)
    check = selfcheck.run_selfcheck(loaded.model, wrong)
    assert not check.verified
    assert "flops.cached.prefill.mlp" in check.failed and "flops.recompute.decode.mlp" in check.failed
    assert not any(k.startswith(("cache_bytes", "flops.cached.prefill.q_proj")) for k in check.failed)
    assert set(check.unverified) == {"mlp", "total"}
    assert check.worst_rel == pytest.approx(28 / 128)  # (128 - 100) / 128 on the MLP

    kv = dataclasses.replace(loaded.info, num_key_value_heads=4)
    check = selfcheck.run_selfcheck(loaded.model, kv)
    assert {"cache_bytes.prefill", "cache_bytes.decode", "flops.cached.decode.kv_proj"} <= set(check.failed)
    assert {"cache_bytes", "kv_proj", "total"} <= set(check.unverified)


def test_fused_groups_flag_the_components_they_cover():
    loaded = tiny_loaded("phi3")
    wrong = dataclasses.replace(loaded.info, num_key_value_heads=1)
    check = selfcheck.run_selfcheck(loaded.model, wrong)
    assert "flops.cached.prefill.qkv_proj" in check.failed
    assert {"q_proj", "kv_proj", "total", "cache_bytes"} <= set(check.unverified)


def test_a_probe_that_cannot_run_verifies_nothing_but_does_not_raise():
    model = tiny_model(_configs()["llama"])
    info = model_info(model, "broken")

    def refuse(*a, **k):
        raise RuntimeError("no forward today")

    model.forward = refuse
    check = selfcheck.run_selfcheck(model, info)
    assert not check.verified and check.failed == ["probe"] and check.unverified == ["all"]


def test_the_verdict_travels_in_the_trace_json():
    loaded = tiny_loaded("gpt_bigcode")
    tr = Tracer(loaded, "The cache grows", 2, compare=False).run()
    data = json.loads(tr.to_json())
    assert data["model"]["verified"] is True
    assert data["model"]["verify_worst_rel"] == 0.0
    assert data["model"]["verify_failed"] == [] and data["model"]["unverified"] == []
    assert data["model"]["dims_source"] == "modules"
    back = Trace.from_json(tr.to_json())
    assert back.model.verified and back.model.mlp_matrices == 2


def test_old_trace_json_still_loads_as_unverified():
    tr = Tracer(tiny_loaded("llama"), "The cache grows", 2, compare=False).run()
    data = json.loads(tr.to_json())
    for key in ("dims_source", "mlp_matrices", "bias_parameters", "config_mismatch", "verified",
                "verify_worst_rel", "verify_failed", "unverified", "verify_ms"):
        del data["model"][key]
    old = Trace.from_dict(data)
    assert old.model.verified is False and old.model.verify_worst_rel is None
    assert old.model.dims_source == "config" and old.model.mlp_matrices == 0
    from kvviz.analysis import ledger

    assert ledger.mlp_flops_per_token(old.model) == ledger.mlp_flops_per_token(tr.model)  # from mlp_kind


def test_builtin_model_is_verified_on_load(builtin):
    info = builtin.info
    assert builtin.verified and info.verified and info.verify_failed == [] and info.verify_worst_rel == 0.0
    assert (info.num_key_value_heads, info.head_dim, info.intermediate_size, info.mlp_matrices) == (3, 64, 1536, 3)
    assert info.dims_source == "modules" and info.config_mismatch == []
    assert builtin.selfcheck.checks["cache_bytes.decode"] == (4 * 46_080, 4 * 46_080)
    assert 0 < info.verify_ms


def test_what_the_counter_cannot_see_is_not_called_verified():
    """On CPU, torch's FLOP counter has no formula for the fused sdpa kernel: attention goes unmeasured."""
    import torch
    from transformers import AutoModelForCausalLM

    config = _configs()["llama"]
    config._attn_implementation = "sdpa"
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="sdpa").float().eval()
    check = selfcheck.run_selfcheck(model, model_info(model, "tiny-llama-sdpa"))
    assert not check.verified
    assert check.checks["flops.cached.decode.scores"][1] == 0  # predicted, never measured
    assert set(check.unverified) == {"scores", "attn_v", "total"}
    assert "cache_bytes.decode" not in check.failed and "flops.cached.decode.mlp" not in check.failed


def test_a_model_folder_is_checked_on_load(tmp_path):
    """load_model on a folder runs the probe too (the path a visitor's own model takes)."""
    from tiny_models import tokenizer

    from kvviz.engine.models import load_model

    tiny_loaded("phi3").model.save_pretrained(tmp_path)
    tokenizer().save_pretrained(tmp_path)
    loaded = load_model(str(tmp_path), progress=lambda s: None)
    assert loaded.verified and loaded.selfcheck.failed == []
    assert loaded.info.mlp_matrices == 3 and loaded.info.num_key_value_heads == 2
    assert loaded.load_seconds * 1000 >= loaded.info.verify_ms > 0
