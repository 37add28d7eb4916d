"""Why 2 replicas on 2 cores serve less than twice one: decode steps of the built-in model, one
process alone, then two processes side by side (as two replicas run them), one torch thread each.

    HF_HUB_OFFLINE=1 python benchmarks/bench_forward_pair.py [--seconds 15]

Printed: CPU ms per decode step alone and side by side, and the pair's steps/s over one's. The
cache grows as it goes (a few hundred positions), the same in both runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker(seconds: float) -> dict:
    sys.path.insert(0, str(ROOT))
    import torch

    from kvviz.engine.models import load_model, use_threads

    use_threads(1)
    model = load_model(None).model
    with torch.no_grad():
        cache = model(torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8]]), use_cache=True).past_key_values
        print("ready", flush=True)
        sys.stdin.readline()  # start together
        t0, c0, n = time.perf_counter(), time.process_time(), 0
        while time.perf_counter() - t0 < seconds:
            step = torch.tensor([[9]])  # [batch 1, 1 new token]
            cache = model(step, past_key_values=cache, use_cache=True).past_key_values
            n += 1
    return {"steps": n, "wall_s": time.perf_counter() - t0, "cpu_ms_per_step": (time.process_time() - c0) / n * 1000}


def run(procs: int, seconds: float) -> list[dict]:
    ps = [subprocess.Popen([sys.executable, __file__, "--worker", str(seconds)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(procs)]
    for p in ps:
        while p.stdout.readline().strip() != "ready":
            pass
    for p in ps:
        p.stdin.write("go\n")
        p.stdin.flush()
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in ps]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--worker", type=float, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker is not None:
        print(json.dumps(worker(a.worker)))
        return
    alone, pair = run(1, a.seconds), run(2, a.seconds)
    rate = lambda rs: sum(r["steps"] / r["wall_s"] for r in rs)  # noqa: E731
    print(f"alone: {alone[0]['cpu_ms_per_step']:.1f} ms CPU per decode step, {rate(alone):.2f} steps/s")
    each = ", ".join(f"{r['cpu_ms_per_step']:.1f}" for r in pair)
    print(f"side by side: {each} ms CPU per step, "
          f"{rate(pair):.2f} steps/s together = {rate(pair) / rate(alone):.2f}x one")


if __name__ == "__main__":
    main()
