"""What the KV cache buys in time: ms per decode step with and without it, against the memory floor.

    HF_HUB_OFFLINE=1 python benchmarks/speed.py                       # built-in model, this CPU
    python benchmarks/speed.py --device cuda --model Llama-3.1-8B \\
        --contexts 1024,8192,32768 --out kvviz/assets/speed/llama-3.1-8b-h200.json
    ... --modes compiled --sdpa-gqa      # the compiled step without transformers' K/V head copies

--model is `builtin` (kvviz.load_model(), fp32) or a name from kvviz/assets/model_configs.json, built
with random weights from its published config (no download; bf16 by default on a GPU).
Everything is measured in one process, side by side; ratios are printed, nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CATALOG = ROOT / "kvviz" / "assets" / "model_configs.json"


def _catalog_config(name: str) -> dict:
    models = json.loads(CATALOG.read_text(encoding="utf-8"))["models"]
    for m in models:
        if name.lower() in [m["name"].lower()] + [a.lower() for a in m.get("aliases", [])]:
            return m
    raise SystemExit(f"no model {name!r} in {CATALOG.name}; names: {', '.join(m['name'] for m in models)}")


def load(args):
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.model == "builtin":
        import kvviz

        loaded = kvviz.load_model(attn_implementation="sdpa")
        model = loaded.model.to(args.device)
        if args.dtype:
            model = model.to(getattr(torch, args.dtype))
        return model, loaded.name, {"source": "built-in (kvviz.load_model)"}
    from kvviz.engine.speed import build_random_model

    entry = _catalog_config(args.model)
    dtype = args.dtype or ("bfloat16" if args.device.startswith("cuda") else "float32")
    t0 = time.perf_counter()
    model = build_random_model(entry["config"], dtype=dtype, device=args.device)
    print(f"built {entry['name']} with random weights in {time.perf_counter() - t0:.1f} s", flush=True)
    return model, entry["name"], {"source": "published config, random weights (from_config)",
                                  "config_source": entry.get("source", "")}


def table(result: dict) -> str:
    """The side-by-side table: ms per step, ratios to the floor and to the cached step."""
    hw = result["hardware"]
    over = result.get("overhead", {})
    first = result["points"][0] if result["points"] else {}
    head = (f"{result['model']['name']} on {hw.get('gpu') or hw['cpu']}, {result['model']['dtype']}, "
            f"read bandwidth {result['bandwidth']['read_bytes_per_s'] / 1e9:,.1f} GB/s, "
            f"weights read per step {result['model']['weight_bytes_read_per_step'] / 1e9:,.3f} GB")
    ops = (f"host cost of one tiny op {over.get('tiny_op_us', float('nan')):.1f} us; an eager step dispatches "
           f"{first.get('eager_step_aten_ops', '?')} aten ops")
    cols = (f"{'context':>8} {'cache MB':>9} {'floor ms':>9} {'cached':>9} {'compiled':>9} {'pipelined':>9}"
            f" {'recompute':>10} {'cached/fl':>9} {'compil/fl':>9} {'pipel/fl':>9} {'recomp/cached':>13}")
    rows = [head, ops, cols]

    def f(x, w, p=2):
        return f"{x:>{w}.{p}f}" if isinstance(x, (int, float)) else f"{'-':>{w}}"

    def ratio(a, b):
        return a / b if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else None

    for p in result["points"]:
        fl = p["floor_ms"]
        rows.append(
            f"{p['context']:>8} {p['cache_bytes'] / 1e6:>9.1f} {f(fl, 9)} {f(p.get('cached_ms'), 9)}"
            f" {f(p.get('compiled_ms'), 9)} {f(p.get('compiled_pipelined_ms'), 9)} {f(p.get('recompute_ms'), 10)}"
            f" {f(ratio(p.get('cached_ms'), fl), 9)} {f(ratio(p.get('compiled_ms'), fl), 9)}"
            f" {f(ratio(p.get('compiled_pipelined_ms'), fl), 9)}"
            f" {f(ratio(p.get('recompute_ms'), p.get('cached_ms')), 13)}")
        for mode, err in p.get("errors", {}).items():
            rows.append(f"{'':>8} {mode}: {err}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="builtin")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default=None, help="float32 / bfloat16 / float16 (default: fp32 on CPU, bf16 on GPU)")
    ap.add_argument("--contexts", default="16,128,512,1024", help="comma-separated token counts")
    ap.add_argument("--modes", default="cached,recompute,compiled", help="compiled runs on CUDA only")
    ap.add_argument("--compile-contexts", default=None, help="contexts for the compiled mode (default: all)")
    ap.add_argument("--steps", type=int, default=8, help="timed decode steps per context (median taken)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--probe-mb", type=int, default=None, help="bandwidth probe size (default 256 CPU, 4096 GPU)")
    ap.add_argument("--budget-s", type=float, default=30.0, help="time cap for recompute repeats per context")
    ap.add_argument("--threads", type=int, default=None, help="torch threads on the CPU (default: torch's)")
    ap.add_argument("--coordinate-descent", action="store_true",
                    help="compiled mode: inductor's coordinate_descent_tuning (longer compiles, tuned kernels)")
    ap.add_argument("--sdpa-gqa", action="store_true",
                    help="set TRANSFORMERS_SDPA_FORCE_GQA=1: grouped-query attention inside SDPA even with a mask "
                         "(a StaticCache always has one), instead of repeating each K/V head first")
    ap.add_argument("--out", default=None, help="write the JSON here (rewritten after each context)")
    args = ap.parse_args(argv)

    from kvviz.engine import speed

    contexts = [int(x) for x in args.contexts.split(",") if x.strip()]
    compile_contexts = [int(x) for x in args.compile_contexts.split(",")] if args.compile_contexts else None
    model, name, source = load(args)
    command = "python benchmarks/speed.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    probe = (args.probe_mb or (4096 if args.device.startswith("cuda") else 256)) * 2**20

    def save(result):
        result["model"].update(source)
        if args.out:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        p = result["points"][-1]
        print(f"  context {p['context']}: " + ", ".join(
            f"{k} {v:.2f}" for k, v in p.items() if k.endswith("_ms") or k == "compile_s"), flush=True)

    if args.sdpa_gqa:
        os.environ["TRANSFORMERS_SDPA_FORCE_GQA"] = "1"  # read by transformers at each attention call
    if args.coordinate_descent:
        import torch._inductor.config as inductor_config

        inductor_config.coordinate_descent_tuning = True
    t0 = time.perf_counter()
    result = speed.run(
        model, contexts, name=name, device=args.device, modes=tuple(args.modes.split(",")), steps=args.steps,
        warmup=args.warmup, probe_bytes=probe, budget_s=args.budget_s, command=command, on_point=save,
        compile_contexts=compile_contexts)
    result["settings"]["coordinate_descent_tuning"] = bool(args.coordinate_descent)
    result["wall_s"] = time.perf_counter() - t0
    if args.out:
        save(result)
        print(f"wrote {args.out}")
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
