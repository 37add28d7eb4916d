"""The cost model checks itself on every model kvviz loads.

A short probe runs the model the way the tracer does (logits_to_keep=1, hidden states out):
    cached:    prefill of PROBE_TOKENS positions into a DynamicCache, then one decode step
    recompute: the decode step's whole sequence (PROBE_TOKENS + 1 positions) without a cache
A recompute prefill is the cached prefill's very call without the cache argument, so it is
not run again: FlopCounterMode makes a pass 3-4x slower, and the probe runs on every load.
Each pass runs under torch's FlopCounterMode (measure.FlopMeter); its groups are compared
with the ledger's figures for the same step (ledger.comparable), and the real cache's bytes
after each cached pass with ledger.cache_bytes. The verdict goes into ModelInfo, so into
every Trace: `verified`, the worst relative difference, the checks that failed (stable keys
"flops.<mode>.<phase>.<group>", "cache_bytes.<phase>", "probe") and the figures they make
unverified (components, "total", "cache_bytes"). A model that fails stays usable.

The probe stays short of any sliding window of 4 positions or more; the sliding rule is
checked against the real cache in the tests (tests/test_ledger.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import torch

from kvviz.engine.measure import FlopMeter

PROBE_TOKENS = 3  # prefill length; the decode step makes it 4
# Figures each measured group vouches for (a fused group covers the components it fuses).
_COVERS = {
    "qkv_proj": ("q_proj", "kv_proj"),
    "attention": ("scores", "attn_v"),
    "other": ("total",),
}


_FUSED_INTO = {"q_proj": "qkv_proj", "kv_proj": "qkv_proj", "scores": "attention", "attn_v": "attention"}


@dataclass
class SelfCheck:
    """The probe's verdict. checks: key -> (cost model, measured).

    worst_rel: the largest |cost model - measured| / max(both) over the checks (1.0 when a
    component went unmeasured or the probe could not run). unverified: "all" when the probe
    could not run.
    """

    verified: bool
    worst_rel: float
    failed: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    checks: dict[str, tuple[int, int]] = field(default_factory=dict)
    ms: float = 0.0


def _rel(predicted: int, measured: int) -> float:
    if predicted == measured:
        return 0.0
    return abs(predicted - measured) / max(abs(measured), abs(predicted), 1)


def _probe(model, info) -> dict[str, tuple[int, int]]:
    """Run the three passes; return every comparison as key -> (cost model, measured)."""
    from transformers import DynamicCache

    from kvviz.analysis import ledger
    from kvviz.engine.models import cache_keyword

    ids = [i % info.vocab_size for i in range(1, PROBE_TOKENS + 2)]  # (PROBE_TOKENS + 1,) token ids
    checks: dict[str, tuple[int, int]] = {}
    cache = DynamicCache(config=model.config)
    passes = [  # (mode, phase, fed ids, cache or None)
        ("cached", "prefill", ids[:PROBE_TOKENS], cache),
        ("cached", "decode", ids[PROBE_TOKENS:], cache),
        ("recompute", "decode", ids, None),
    ]
    kw = cache_keyword(model)
    for mode, phase, fed, kv in passes:
        context = PROBE_TOKENS if phase == "prefill" else PROBE_TOKENS + 1
        extra = {kw: kv, "use_cache": True} if kv is not None else {"use_cache": False}
        meter = FlopMeter()
        with meter, torch.inference_mode():
            model(input_ids=torch.tensor([fed]), output_hidden_states=True, logits_to_keep=1, **extra)
        predicted = ledger.step_flops(info, phase, context)[mode]
        measured = meter.groups()
        pairs = ledger.comparable(predicted, measured)
        for group, pair in pairs.items():
            checks[f"flops.{mode}.{phase}.{group}"] = pair
        for c in ledger.COMPONENTS:  # a component the counter did not see at all is not verified
            if not ({c, _FUSED_INTO.get(c)} & set(pairs)):
                checks[f"flops.{mode}.{phase}.{c}"] = (predicted[c], 0)
        checks[f"flops.{mode}.{phase}.other"] = (0, measured.get("other", 0))
        if kv is not None:
            real = sum(layer.keys.numel() * layer.keys.element_size()
                       + layer.values.numel() * layer.values.element_size()
                       for layer in kv.layers)
            checks[f"cache_bytes.{phase}"] = (ledger.cache_bytes(info, context), real)
    return checks


def run_selfcheck(model, info) -> SelfCheck:
    """Probe `model` and judge the cost model described by `info` against it."""
    t0 = time.perf_counter()
    try:
        checks = _probe(model, info)
    except Exception:
        return SelfCheck(False, 1.0, ["probe"], ["all"], {}, (time.perf_counter() - t0) * 1000)
    worst, failed, unverified = 0.0, [], []
    for key, (predicted, measured) in checks.items():
        rel = _rel(predicted, measured)
        worst = max(worst, rel)
        if rel > 0:
            failed.append(key)
            group = key.rsplit(".", 1)[-1]
            figures = ("cache_bytes",) if key.startswith("cache_bytes") else _COVERS.get(group, (group,))
            unverified += [f for f in figures if f not in unverified]
            if "total" not in unverified and not key.startswith("cache_bytes"):
                unverified.append("total")
    ms = (time.perf_counter() - t0) * 1000
    return SelfCheck(not failed, worst, failed, unverified, checks, ms)


def verdict_fields(check: SelfCheck) -> dict:
    """The ModelInfo fields that carry a verdict (what a Trace's JSON holds)."""
    return {
        "verified": check.verified,
        "verify_worst_rel": float(check.worst_rel),
        "verify_failed": list(check.failed),
        "unverified": list(check.unverified),
        "verify_ms": round(check.ms, 1),
    }


def attach(loaded):
    """Run the probe on a LoadedModel and store the verdict in it and its ModelInfo (returns it)."""
    check = run_selfcheck(loaded.model, loaded.info)
    loaded.selfcheck = check
    loaded.info = replace(loaded.info, **verdict_fields(check))
    return loaded
