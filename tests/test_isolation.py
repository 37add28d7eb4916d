"""Two visitors on one shared model: each run gets exactly what it gets alone.

The app keeps one model per process (st.cache_resource) and one Tracer per visitor; visitors'
forward passes run at the same time in different threads. Nothing one run records may come
from another run's forward pass (issue 9: attention hooks on the shared model leaked).
"""

from __future__ import annotations

import threading

import numpy as np
from tiny_models import tiny_loaded

from kvviz.engine.tracer import Tracer

# Different lengths, so that a leaked matrix would also have the wrong shape.
PROMPT_A = "The cache grows by one"
PROMPT_B = "A much longer prompt, so that its attention squares are larger than the other visitor's: " * 3
STEPS = 40
TRIALS = 3


def _run(loaded, prompt: str, steps: int):
    """Every recorded field whose value must not depend on what else runs (times do; their shapes do not)."""
    tracer = Tracer(loaded, prompt, steps, compare=True, attention_layers="all")
    tracer.run()
    out = []
    for s in tracer.trace.steps:
        out.append({
            "token": s.token_id,
            "other_token": s.other_token_id,
            "top_k": [(c.token_id, c.prob) for c in s.top_k],
            "logit_diff": s.max_abs_logit_diff,
            "cache": [(c.key_shape, c.value_shape, c.bytes) for c in s.cache_layers],
            "cache_bytes": s.cache_bytes,
            "hidden": (s.hidden_shape, s.hidden_bytes),
            "attention": {k: np.asarray(v) for k, v in s.attention.items()},
            "times": (type(s.time_ms), type(s.other_time_ms)),
        })
    return out


def _differences(alone: list[dict], together: list[dict]) -> list[str]:
    bad = []
    assert len(alone) == len(together)
    for i, (a, b) in enumerate(zip(alone, together)):
        for key in ("token", "other_token", "top_k", "cache", "cache_bytes", "hidden", "times"):
            if a[key] != b[key]:
                bad.append(f"step {i} {key}: {a[key]!r} alone, {b[key]!r} together")
        if (a["logit_diff"] is None) != (b["logit_diff"] is None) or abs(a["logit_diff"] - b["logit_diff"]) > 1e-5:
            bad.append(f"step {i} logit diff: {a['logit_diff']} alone, {b['logit_diff']} together")
        if a["attention"].keys() != b["attention"].keys():
            bad.append(f"step {i} attention layers: {sorted(a['attention'])} alone, {sorted(b['attention'])} together")
            continue
        for layer, wa in a["attention"].items():
            wb = b["attention"][layer]
            if wa.shape != wb.shape:
                bad.append(f"step {i} layer {layer} attention: expected {wa.shape}, got {wb.shape}")
            elif not np.allclose(wa, wb, atol=1e-6, rtol=0):
                bad.append(f"step {i} layer {layer} attention values differ by {np.abs(wa - wb).max():.2e}")
    return bad


def test_concurrent_tracers_on_one_model_are_isolated():
    loaded = tiny_loaded("llama")  # one shared model, as st.cache_resource gives every visitor
    alone = {p: _run(loaded, p, STEPS) for p in (PROMPT_A, PROMPT_B)}
    assert alone[PROMPT_A][0]["attention"][0].shape != alone[PROMPT_B][0]["attention"][0].shape
    for trial in range(TRIALS):
        results = _together(loaded, (PROMPT_A, PROMPT_B))
        for prompt in (PROMPT_A, PROMPT_B):
            bad = _differences(alone[prompt], results[prompt])
            assert not bad, f"trial {trial}, prompt {prompt[:20]!r}: {len(bad)} differences, e.g. {bad[:3]}"


def _together(loaded, prompts) -> dict[str, list]:
    """Each prompt traced in its own thread, all starting at once on the one shared model."""
    results: dict[str, list] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(prompts))

    def visitor(prompt):
        try:
            barrier.wait()
            results[prompt] = _run(loaded, prompt, STEPS)
        except BaseException as e:  # noqa: BLE001 - reported by the calling thread
            errors.append(e)

    threads = [threading.Thread(target=visitor, args=(p,)) for p in prompts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results
