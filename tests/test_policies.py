"""The cache lab's policies (issue 11), checked against references the tests build themselves."""

from __future__ import annotations

import pytest
import torch
from policy_runs import PROMPT
from policy_runs import run_logits as _run
from tiny_models import tiny_loaded

from kvviz import KvvizError
from kvviz.cache.h2o import H2OCache
from kvviz.cache.knorm import KnormCache
from kvviz.cache.quantized import QuantizedCache
from kvviz.cache.sinks import SinksCache
from kvviz.cache.specs import policy_from_spec
from kvviz.engine.tracer import Tracer


def _sinks_mask(total: int, prompt: int, sinks: int, recent: int) -> torch.Tensor:
    """Written from the semantics: prompt rows attend causally; a decode row at position p attends
    to positions 0 .. S - 1, the R positions before it, and itself."""
    allowed = torch.zeros(total, total, dtype=torch.bool)
    for p in range(total):
        if p < prompt:
            allowed[p, : p + 1] = True
        else:
            allowed[p, : min(sinks, p)] = True
            allowed[p, max(0, p - recent) : p + 1] = True
    mask = torch.full((total, total), torch.finfo(torch.float32).min)
    return mask.masked_fill(allowed, 0.0)[None, None]


def _reference(loaded, ids, prompt, sinks, recent):
    with torch.inference_mode():
        out = loaded.model(input_ids=torch.tensor([ids]), attention_mask=_sinks_mask(len(ids), prompt, sinks, recent),
                           position_ids=torch.arange(len(ids))[None], use_cache=False)
    return out.logits[0, prompt - 1 :].float()  # (T - prompt + 1, vocab)


@pytest.mark.parametrize("arch", ["llama", "qwen2", "gpt2"])
@pytest.mark.parametrize("sinks, recent", [(2, 3), (1, 1), (4, 2)])
def test_sinks_logits_equal_one_masked_forward_pass(arch, sinks, recent):
    loaded = tiny_loaded(arch)
    tracer, logits = _run(loaded, 10, policy=f"sinks:{sinks}:{recent}")
    prompt = len(tracer.trace.prompt_token_ids)
    assert prompt > sinks + recent
    ref = _reference(loaded, tracer.ids[:-1], prompt, sinks, recent)
    assert torch.allclose(logits, ref, atol=1e-4, rtol=0), float((logits - ref).abs().max())
    _, window = _run(loaded, 10, policy=f"window:{sinks + recent}")
    assert (window - logits).abs().max() > 1e-3  # the sinks change something
    for step in tracer.trace.steps:
        c = step.context_length
        want = [[0, sinks], [c - recent, c]] if c > sinks + recent else [[0, c]]
        assert all(layer.held == [want] * layer.key_shape[1] for layer in step.cache_layers)


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
@pytest.mark.parametrize("recent", [1, 4])
def test_zero_sinks_and_zero_heavy_hitters_are_the_window(arch, recent):
    loaded = tiny_loaded(arch)
    window, wl = _run(loaded, 8, policy=f"window:{recent}")
    for spec in (f"sinks:0:{recent}", f"h2o:0:{recent}"):
        other, ol = _run(loaded, 8, policy=spec)
        assert torch.equal(wl, ol), spec
        assert other.trace.generated_ids == window.trace.generated_ids
        for a, b in zip(other.trace.steps, window.trace.steps):
            assert [c.held for c in a.cache_layers] == [c.held for c in b.cache_layers]
            assert a.cache_bytes == b.cache_bytes


def _h2o_reference_held(trace, heavy: int, recent: int, kv_heads: int):
    """H2O replayed from the recorded attention weights: per layer and K/V head, the positions held."""
    out = []
    for layer in sorted(trace.steps[0].attention):
        held = [list(range(0)) for _ in range(kv_heads)]
        score = [dict() for _ in range(kv_heads)]
        for step in trace.steps:
            w = torch.as_tensor(step.attention[layer])  # (q_heads, q, k over held + new)
            group = w.shape[0] // kv_heads
            new = list(range(step.context_length - step.input_length, step.context_length))
            per_head = []
            for h in range(kv_heads):
                keys = held[h] + new
                col = w[h * group : (h + 1) * group].sum(dim=(0, 1))  # (k,)
                for pos, s in zip(keys, col.tolist()):
                    score[h][pos] = score[h].get(pos, 0.0) + s
                if len(keys) > heavy + recent:
                    old = keys[: len(keys) - recent]
                    top = sorted(old, key=lambda p: -score[h][p])[:heavy]
                    keys = sorted(top) + keys[len(keys) - recent :]
                per_head.append(keys)
            held = per_head
            out.append(held)
        yield layer, out
        out = []


def test_h2o_keeps_the_heavy_hitters_replayed_from_the_attention():
    loaded = tiny_loaded("llama")
    tracer, _ = _run(loaded, 8, policy="h2o:3:2", attention_layers="all")
    kv = loaded.info.num_key_value_heads
    for layer, per_step in _h2o_reference_held(tracer.trace, 3, 2, kv):
        for step, want in zip(tracer.trace.steps, per_step):
            got = [[p for a, b in head for p in range(a, b)] for head in step.cache_layers[layer].held]
            assert got == want, (layer, step.index)


@pytest.mark.parametrize("spec", ["h2o:40:40", "sinks:4:40", "knorm:80", "int8:g8:r64"])
def test_a_budget_above_the_context_is_the_full_cache(spec):
    loaded = tiny_loaded("llama")
    _, full = _run(loaded, 6)
    _, other = _run(loaded, 6, policy=spec)
    assert torch.allclose(full, other, atol=1e-5, rtol=0)


def test_quantization_error_grows_as_bits_fall():
    loaded = tiny_loaded("llama")
    _, full = _run(loaded, 10)
    errs = [float((_run(loaded, 10, policy=f"int{b}:g8:r2")[1] - full).abs().max()) for b in (8, 4, 2)]
    assert 0 < errs[0] < errs[1] < errs[2], errs


def _quant_bytes(c_steps, batch, heads, dim, bits, group, residual):
    """Bytes one layer holds after each step, from the KIVI layout alone."""
    q, out = 0, []
    for c in c_steps:
        n = max(0, (c - q - residual) // group * group)
        q += n
        keys = batch * heads * dim * (q * bits // 8) + 2 * 2 * batch * heads * dim * (q // group)
        values = batch * heads * q * (dim * bits // 8) + 2 * 2 * batch * heads * q * (dim // group)
        out.append(keys + values + 2 * 4 * batch * heads * (c - q) * dim)
    return out


SPECS = ["full", "window:3", "sinks:2:3", "h2o:2:3", "knorm:4", "int8:g8:r4", "int4:g16:r0", "int2:g8:r8"]


@pytest.mark.parametrize("spec", SPECS)
def test_held_bytes_are_the_real_tensors_bytes_at_every_step(spec):
    loaded = tiny_loaded("llama")
    info = loaded.info
    b, h, d = 1, info.num_key_value_heads, info.head_dim
    tracer = Tracer(loaded, PROMPT, 14, compare=False, policy=spec)
    policy = tracer.policy
    while not tracer.done:
        step = tracer.step()
        for layer, held in zip(tracer.primary.cache.layers, step.cache_layers):
            stored = layer.stored() if hasattr(layer, "stored") else [layer.keys, layer.values]
            for t in stored:  # own storage: no view keeps a larger buffer alive
                assert t.untyped_storage().nbytes() == t.nbytes
            assert held.bytes == sum(t.nbytes for t in stored)
            if isinstance(policy, QuantizedCache):
                c = step.context_length
                want = _quant_bytes([s.context_length for s in tracer.trace.steps], b, h, d,
                                    policy.bits, policy.group, policy.residual)[-1]
                assert held.bytes == want
                assert held.key_shape == [b, h, c, d]
            else:
                n = sum(stop - start for start, stop in held.held[0])
                assert held.bytes == 2 * 4 * b * h * n * d
        assert step.cache_bytes == sum(c.bytes for c in step.cache_layers)


def test_quantized_bytes_against_fp32():
    loaded = tiny_loaded("llama")
    steps = {}
    for spec in ("full", "int8:g8:r0", "int4:g8:r0"):
        tracer, _ = _run(loaded, 8, policy=spec)
        steps[spec] = tracer.trace.steps[-1]
    c = steps["full"].context_length
    assert c % 8 == 0
    full = steps["full"].cache_bytes
    # codes: 1 byte (int8) or half a byte (int4) per number; plus fp16 scale + zero per group of 8
    for spec, code in (("int8:g8:r0", 1.0), ("int4:g8:r0", 0.5)):
        assert steps[spec].cache_bytes == pytest.approx(full * (code + 4 / 8) / 4)


@pytest.mark.parametrize("spec, cls", [("sinks:4:12", SinksCache), ("h2o:8:8", H2OCache), ("knorm:16", KnormCache),
                                       ("int4:g32:r32", QuantizedCache), ("int8", QuantizedCache),
                                       ("int4:r16", QuantizedCache)])
def test_lab_specs(spec, cls):
    p = policy_from_spec(spec)
    assert isinstance(p, cls)
    assert policy_from_spec(p.spec).spec == p.spec
    assert policy_from_spec("int8").spec == "int8:g32:r32"


@pytest.mark.parametrize("spec", ["sinks:4", "sinks:0:0", "h2o:0:0", "h2o:a:b", "knorm:0", "knorm", "int3",
                                  "int4:g0", "int4:x8", "int4:g8:g8", "int4:g8:r8:r8", "sinks:1:99999999999"])
def test_bad_lab_specs_get_clear_errors(spec):
    with pytest.raises(KvvizError):
        policy_from_spec(spec)


def test_quantized_group_must_divide_the_head():
    with pytest.raises(KvvizError) as e:
        Tracer(tiny_loaded("llama"), PROMPT, 2, policy="int4:g32:r8")  # head_dim 16
    assert e.value.text_key == "errors.policy.group"
    assert (e.value.text_fields["group"], e.value.text_fields["head_dim"]) == (32, 16)


def test_policies_refuse_sliding_models():
    for spec in ("sinks:2:2", "h2o:2:2", "knorm:4", "int8:g8:r8"):
        with pytest.raises(KvvizError) as e:
            Tracer(tiny_loaded("mistral"), PROMPT, 2, policy=spec)
        assert e.value.text_key == "errors.policy.sliding", spec
