"""What the load-time self-check costs on the built-in model, measured side by side (no assertions).

    HF_HUB_OFFLINE=1 python benchmarks/bench_selfcheck.py [--repeats 5] [--threads 1]

Prints, from one process:
- load_model() wall time (the probe included; it is also the first forward pass, which a
  plain load paid for with a warm-up pass before the probe existed) and the probe's share;
- the probe warm (median of repeats) next to the same three forward passes without
  FlopCounterMode, and next to one plain 4-token pass (the old warm-up): the ratios are
  what the probe adds to a load.
Timings on a shared 2-core machine are noisy: read the ratios, which come from one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _plain_passes(model) -> float:
    """The probe's three passes without the FLOP counter, in ms."""
    import torch
    from transformers import DynamicCache

    from kvviz.engine.models import cache_keyword

    kw = cache_keyword(model)
    cache = DynamicCache(config=model.config)
    t0 = time.perf_counter()
    with torch.inference_mode():
        model(input_ids=torch.tensor([[1, 2, 3]]), output_hidden_states=True, logits_to_keep=1,
              **{kw: cache, "use_cache": True})
        model(input_ids=torch.tensor([[4]]), output_hidden_states=True, logits_to_keep=1,
              **{kw: cache, "use_cache": True})
        model(input_ids=torch.tensor([[1, 2, 3, 4]]), output_hidden_states=True, logits_to_keep=1, use_cache=False)
    return (time.perf_counter() - t0) * 1000


def _one_pass(model) -> float:
    import torch

    t0 = time.perf_counter()
    with torch.inference_mode():
        model(input_ids=torch.tensor([[0, 1, 2, 3]]), use_cache=False)
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    from kvviz.engine import selfcheck
    from kvviz.engine.models import load_model, use_threads

    use_threads(args.threads)
    t0 = time.perf_counter()
    loaded = load_model(progress=lambda s: None)
    load_ms = (time.perf_counter() - t0) * 1000
    info = loaded.info
    print(f"load_model: {load_ms:,.0f} ms, of which the probe (first forward passes) {info.verify_ms:,.0f} ms "
          f"({info.verify_ms / load_ms:.0%}); verified={info.verified}, worst_rel={info.verify_worst_rel}")
    probe, plain, one = [], [], []
    for _ in range(args.repeats):  # interleaved, so that a busy moment hits all three alike
        probe.append(selfcheck.run_selfcheck(loaded.model, info).ms)
        plain.append(_plain_passes(loaded.model))
        one.append(_one_pass(loaded.model))
    p, q, o = (statistics.median(x) for x in (probe, plain, one))
    print(f"warm, median of {args.repeats}: probe {p:,.0f} ms | same 3 passes without the counter {q:,.0f} ms "
          f"| one plain 4-token pass (the old warm-up) {o:,.0f} ms")
    print(f"ratios: probe / uncounted passes = {p / q:.1f}x; probe / old warm-up = {p / o:.1f}x; "
          f"probe / load_model = {p / load_ms:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
