"""The cache seam: policies behind one protocol, checked against references the tests build themselves."""

from __future__ import annotations

import pytest
import torch
from policy_runs import PROMPT
from policy_runs import run_logits as _run
from tiny_models import tiny_loaded

from kvviz import KvvizError
from kvviz.cache.full import FullCache
from kvviz.cache.specs import policy_from_spec
from kvviz.cache.window import WindowCache
from kvviz.engine.tracer import Tracer


def _window_mask(total: int, prompt: int, window: int) -> torch.Tensor:
    """Additive (1, 1, T, T) mask written from the semantics, not from the policy's code:
    prompt rows attend causally to the whole prompt; a decode row at position p attends to the
    `window` positions before it plus itself."""
    allowed = torch.zeros(total, total, dtype=torch.bool)
    for p in range(total):
        first = 0 if p < prompt else max(0, p - window)
        allowed[p, first : p + 1] = True
    mask = torch.full((total, total), torch.finfo(torch.float32).min)
    return mask.masked_fill(allowed, 0.0)[None, None]


def _reference_logits(loaded, ids: list[int], prompt: int, window: int) -> torch.Tensor:
    """One forward pass over every fed token with the equivalent mask: logits of rows prompt-1 .. end."""
    x = torch.tensor([ids])  # (1, T)
    with torch.inference_mode():
        out = loaded.model(input_ids=x, attention_mask=_window_mask(len(ids), prompt, window),
                           position_ids=torch.arange(len(ids))[None], use_cache=False)
    return out.logits[0, prompt - 1 :].float()  # (T - prompt + 1, vocab)


@pytest.mark.parametrize("arch", ["llama", "qwen2", "gpt2"])  # rotary and learned absolute positions
@pytest.mark.parametrize("window", [1, 4])
def test_window_logits_equal_one_masked_forward_pass(arch, window):
    loaded = tiny_loaded(arch)
    steps = 10
    tracer, logits = _run(loaded, steps, policy=f"window:{window}")
    prompt = len(tracer.trace.prompt_token_ids)
    assert prompt > window  # the window really evicts
    fed = tracer.ids[:-1]  # the last chosen token is never fed
    ref = _reference_logits(loaded, fed, prompt, window)
    assert ref.shape == logits.shape
    assert torch.allclose(logits, ref, atol=1e-4, rtol=0), float((logits - ref).abs().max())
    # and it is not the full cache in disguise
    _, full = _run(loaded, steps)
    assert (full - logits).abs().max() > 1e-3


@pytest.mark.parametrize("window", [1, 3])
def test_window_holds_the_most_recent_positions_with_true_bytes(window):
    loaded = tiny_loaded("llama")
    info = loaded.info
    tracer, _ = _run(loaded, 6, policy=f"window:{window}")
    assert tracer.trace.settings["cache_policy"] == f"window:{window}"
    for step in tracer.trace.steps:
        seen = step.context_length  # tokens fed so far
        held = min(seen, window)
        shape = [1, info.num_key_value_heads, held, info.head_dim]
        for layer in step.cache_layers:
            assert layer.key_shape == shape == layer.value_shape
            assert layer.held == [[[seen - held, seen]]] * info.num_key_value_heads
            assert layer.bytes == 2 * 4 * info.num_key_value_heads * held * info.head_dim
        assert step.cache_bytes == sum(c.bytes for c in step.cache_layers)
        assert step.flops == {}  # the cost model describes the full cache only


def test_policy_bytes_are_the_real_tensors_bytes():
    loaded = tiny_loaded("qwen2")
    for spec in ("full", "window:3"):
        policy = policy_from_spec(spec)
        tracer = Tracer(loaded, PROMPT, 4, compare=False, policy=policy)
        while not tracer.done:
            tracer.step()
            cache = tracer.primary.cache
            real = [layer.keys.nbytes + layer.values.nbytes for layer in cache.layers]
            assert [c.bytes for c in tracer.trace.steps[-1].cache_layers] == real


@pytest.mark.parametrize("arch", ["llama", "gemma3", "mistral"])
def test_full_policy_reports_the_transformers_rule(arch):
    loaded = tiny_loaded(arch)
    default = Tracer(loaded, PROMPT, 8, compare=False).run()
    explicit = Tracer(loaded, PROMPT, 8, compare=False, policy="full").run()
    assert default.generated_ids == explicit.generated_ids
    for step in default.steps:
        for layer, window in zip(step.cache_layers, loaded.info.layer_windows):
            held = step.context_length if window is None else min(step.context_length, window - 1)
            assert layer.key_shape[2] == held
            assert layer.held == [[[step.context_length - held, step.context_length]]] * layer.key_shape[1]


def test_policy_attention_rows_cover_held_plus_new():
    loaded = tiny_loaded("llama")
    tracer, _ = _run(loaded, 5, policy="window:3", attention_layers="all")
    prompt = len(tracer.trace.prompt_token_ids)
    assert tracer.trace.steps[0].attention[0].shape == (4, prompt, prompt)  # the prompt in one causal pass
    for step in tracer.trace.steps[1:]:
        assert step.attention[1].shape == (4, 1, 3 + 1)  # the 3 held positions and the new token
        assert abs(step.attention[1].sum(-1) - 1).max() < 1e-5


@pytest.mark.parametrize("spec, cls", [("full", FullCache), (None, FullCache), ("window:16", WindowCache),
                                       (" window:2 ", WindowCache)])
def test_specs(spec, cls):
    assert isinstance(policy_from_spec(spec), cls)
    assert policy_from_spec("window:16").spec == "window:16"


@pytest.mark.parametrize(
    "spec", ["window", "window:0", "window:-1", "window:x", "full:3", "h2o", "", "window:9999999999", 3]
)
def test_bad_specs_get_clear_errors(spec):
    with pytest.raises(KvvizError) as e:
        policy_from_spec(spec)
    assert e.value.text_key in ("errors.policy.unknown", "errors.policy.not_text", "errors.policy.window")


def test_window_refuses_sliding_models_and_recompute():
    with pytest.raises(KvvizError) as e:
        Tracer(tiny_loaded("gemma3"), PROMPT, 2, policy="window:4")
    assert e.value.text_key == "errors.policy.sliding" and e.value.text_fields["spec"] == "window:4"
    with pytest.raises(KvvizError) as e:
        Tracer(tiny_loaded("llama"), PROMPT, 2, policy="window:4", use_cache=False)
    assert e.value.text_key == "errors.policy.needs_cache"


def test_window_on_the_builtin_model(builtin):
    tracer, logits = _run(builtin, 6, policy="window:4")
    prompt = len(tracer.trace.prompt_token_ids)
    ref = _reference_logits(builtin, tracer.ids[:-1], prompt, 4)
    assert torch.allclose(logits, ref, atol=1e-3, rtol=0), float((logits - ref).abs().max())
    assert tracer.trace.steps[-1].cache_bytes == 46080 * 4  # 30 layers x 2 x 3 heads x 64 x 4 bytes x 4 positions
