"""Trace files on the built-in model: size (compact attention vs the version-1 lists), read time, peak memory.

    HF_HUB_OFFLINE=1 python benchmarks/bench_trace_file.py [--prompt-words 1000]

Two runs the app can make: the issue's case (7-token prompt + 64 tokens, every layer's attention,
5.38 MB in version 1) and a long prompt recording one layer (the largest attention the app saves).
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's kvviz

import kvviz
from kvviz import trace_read


def v1_size(tr) -> int:
    """The same trace as version 1 wrote it: attention as lists rounded to 5 decimals."""
    d = tr.to_dict()
    for s, sd in zip(tr.steps, d["steps"]):
        sd["attention"] = {str(k): np.round(v.astype(np.float64), 5).tolist() for k, v in s.attention.items()}
    return len(json.dumps(d))


def measure(name: str, tr) -> None:
    text = tr.to_json()
    tracemalloc.start()
    t0 = time.perf_counter()
    back = kvviz.Trace.from_json(text.encode())
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert back.to_json() == text
    print(f"{name:<44} v1 {v1_size(tr) / 1e6:7.2f} MB | v2 {len(text) / 1e6:7.2f} MB "
          f"({v1_size(tr) / len(text):4.1f}x smaller) | read {seconds:5.2f} s, peak {peak / 2**20:6.1f} MiB "
          f"(limit {trace_read.MAX_TRACE_BYTES / 2**20:.0f} MiB)")


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--new-tokens", type=int, default=64, help="the issue's case: 64")
    ap.add_argument("--prompt-words", type=int, default=1000, help="2,040 is the app's cap (a slow prefill)")
    args = ap.parse_args()
    loaded = kvviz.load_model()
    tr = kvviz.trace(loaded, "Lionel Messi is a", args.new_tokens, attention_layers="all", compare=False)
    measure(f"7 + {len(tr.steps)} tokens, all 30 layers", tr)
    prompt = " ".join(["cache"] * args.prompt_words)  # one token a word
    tr = kvviz.trace(loaded, prompt, 2, attention_layers=[15], compare=False)
    measure(f"{len(tr.prompt_token_ids)} + 2 tokens, layer 15", tr)


if __name__ == "__main__":
    main()
