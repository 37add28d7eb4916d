"""`python -m kvviz capacity`: KV-cache bytes of a published or local model config, from the shell.

Prints a table with every size in both GiB (2**30 bytes) and GB (10**9 bytes), or the plan as JSON.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kvviz.planner import capacity as cap
from kvviz.errors import KvvizError


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `capacity` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "capacity",
        help="KV-cache memory of a model config at a context length and batch size",
        description=(
            "KV-cache memory for a model: a catalog name (e.g. Llama-3.1-8B, DeepSeek-V3; "
            "see --list) or a path to a config.json. Sizes are printed in GiB (2^30 bytes) and GB (10^9 bytes)."
        ),
    )
    p.add_argument("--config", help="catalog name (case-insensitive) or path to a config.json")
    p.add_argument("--dtype", default="bf16", choices=list(cap.DTYPES), help="cache element type (default bf16)")
    p.add_argument("--context", type=int, default=4096, help="context length in tokens (default 4096)")
    p.add_argument("--batch", type=int, default=1, help="sequences held at once (default 1)")
    p.add_argument("--weights-dtype", default="bf16", choices=list(cap.WEIGHT_DTYPES), help="weights element type (default bf16)")
    p.add_argument("--gpu", help="also fit on an accelerator, e.g. 'H100 80 GB' (see --list)")
    p.add_argument(
        "--gpus", type=int, default=1, metavar="N",
        help="number of accelerators, tensor parallel: weights and KV heads split evenly over N (default 1); "
             "the smallest N that fits is reported too",
    )
    p.add_argument(
        "--reserve", type=float, default=cap.DEFAULT_RESERVE,
        help=f"fraction of each accelerator's memory kept free for activations, CUDA context etc. "
             f"(default {cap.DEFAULT_RESERVE:g}, like vLLM's gpu_memory_utilization=0.9; the planner page uses the same)",
    )
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--list", action="store_true", help="list catalog models and accelerators, then exit")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KvvizError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "list", False):
        print("Models:")
        for spec in cap.load_catalog():
            print(f"  {spec.name:18s} {cap.attention_variant(spec.config)}")
        print("Accelerators:")
        for a in cap.load_accelerators():
            print(f"  {a.name:18s} {cap.fmt_bytes(a.memory_bytes)}")
        return 0
    if not args.config:
        raise KvvizError("Give --config NAME_OR_FILE (a catalog name or a config.json path); --list shows the names.")
    if args.context < 1:
        raise KvvizError(f"--context must be at least 1 token, got {args.context}.")
    if args.batch < 1:
        raise KvvizError(f"--batch must be at least 1 sequence, got {args.batch}.")
    if args.gpus < 1 or args.gpus > cap.MAX_GPUS:
        raise KvvizError(f"--gpus must be from 1 to {cap.MAX_GPUS:,} accelerators, got {args.gpus}.")
    if args.gpus != 1 and not args.gpu:
        raise KvvizError("--gpus needs --gpu ACCELERATOR (e.g. --gpu H100 --gpus 8); --list shows the names.")
    if not 0 <= args.reserve < 1:
        raise KvvizError(f"--reserve must be a fraction from 0 up to (not including) 1, got {args.reserve}.")
    spec = cap.resolve_config(args.config)
    result = cap.plan(spec, dtype=args.dtype, context=args.context, batch=args.batch, weights_dtype=args.weights_dtype)
    if args.gpu:
        acc = cap.get_accelerator(args.gpu)
        kw = dict(dtype=args.dtype, context=args.context, batch=args.batch,
                  weights_dtype=args.weights_dtype, reserve_fraction=args.reserve)
        smallest = cap.smallest_gpus(spec, acc.memory_bytes, **kw)
        result["fit"] = {
            "accelerator": acc.name,
            "memory_basis": acc.memory_basis,
            **cap.fit(spec, acc.memory_bytes, gpus=args.gpus, **kw),
            "smallest_gpus": smallest["gpus"] if smallest else None,
            "smallest_gpus_tried": list(cap.TP_CANDIDATES),
            "tensor_parallel_assumption": cap.TP_ASSUMPTION,
        }
    if args.json:
        print(cap.as_json(result))
    else:
        print(format_table(result))
    return 0


def format_table(r: dict) -> str:
    """A readable report: units named on every size."""
    lines = [
        f"{r['model']}: {r['attention']}",
        f"  source: {r['source']}" if r.get("source") else "",
        f"  cache dtype {r['dtype']}: {r['dtype_note']}",
        f"  bytes per token (no window capping): {r['bytes_per_token']:,} bytes = {cap.fmt_bytes(r['bytes_per_token'])}",
        f"  cache at context {r['context']:,} x batch {r['batch']}: {r['total_bytes']:,} bytes = {cap.fmt_bytes(r['total_bytes'])}",
    ]
    if r["total_bytes_transformers"] != r["total_bytes"]:
        lines.append(
            f"  as stored by transformers' DynamicCache (sliding layers keep window - 1 positions): "
            f"{r['total_bytes_transformers']:,} bytes = {cap.fmt_bytes(r['total_bytes_transformers'])}"
        )
    lines.append(
        f"  weights: {r['parameters']:,} parameters x {r['weights_dtype']} = {r['weights_bytes']:,} bytes = "
        f"{cap.fmt_bytes(r['weights_bytes'])} ({r['parameters_source']})"
    )
    ref = r.get("mla_reference_full_kv")
    if ref:
        lines.append(
            f"  an implementation caching full K/V instead of the latent: {ref['bytes_per_token']:,} bytes per token "
            f"({ref['ratio_to_latent']:.1f}x), {ref['total_bytes']:,} bytes = {cap.fmt_bytes(ref['total_bytes'])} at this context"
        )
    lines.append(f"  formula: {r['formula']}")
    fit = r.get("fit")
    if fit:
        n = fit.get("gpus", 1)
        where = fit["accelerator"] if n == 1 else f"{n} x {fit['accelerator']} (tensor parallel; figures per device)"
        lines.append(f"  on {where} ({fit['memory_basis']}):")
        lines.append(
            f"    reserve used: {fit['reserve_fraction']:.0%} of memory kept free for activations, CUDA context etc. "
            f"(--reserve; default {cap.DEFAULT_RESERVE:.0%}, like vLLM's gpu_memory_utilization=0.9)"
        )
        if n != 1:
            lines.append(
                f"    per device: weights {cap.fmt_bytes(fit['weights_per_device_bytes'])}, "
                f"cache {cap.fmt_bytes(fit['cache_per_device_bytes'])}. {fit.get('kv_split_note', '')}"
            )
        if not fit["weights_fit"]:
            lines.append(f"    the weights alone do not fit{' on one device' if n == 1 else f' on {n} devices'}.")
        else:
            lines.append(f"    free for the cache beside the weights: {cap.fmt_bytes(fit['free_for_cache_bytes'])}")
            lines.append(f"    largest batch at context {fit['context']:,}: {_count(fit.get('largest_batch'))}")
            lines.append(
                f"    largest context at batch {fit['batch']}: {_count(fit.get('largest_context'))} tokens "
                f"(limited by {fit.get('context_limited_by') or '-'})"
            )
        if "smallest_gpus" in fit:
            tried = fit.get("smallest_gpus_tried") or []
            if fit["smallest_gpus"] is None:
                lines.append(
                    f"    context {fit['context']:,} x batch {fit['batch']} does not fit on up to "
                    f"{max(tried) if tried else '?':,} x {fit['accelerator']}."
                )
            else:
                lines.append(
                    f"    smallest number of {fit['accelerator']} (tensor parallel, N = 1, 2, 4, 8, ...) for context "
                    f"{fit['context']:,} x batch {fit['batch']}: {fit['smallest_gpus']} (--gpus N shows the details)"
                )
            lines.append(f"    assumption: {fit.get('tensor_parallel_assumption', cap.TP_ASSUMPTION)}")
    lines.append("  per layer (identical neighbouring layers on one row):")
    lines.append("    layers   kind     kv_heads  head_dim  window   bytes/token   positions   bytes each")
    for first, last, row in _runs(r["layers"]):
        w = f"{row['window']:,}" if row["window"] else "-"
        span = f"{first}" if first == last else f"{first}-{last}"
        lines.append(
            f"    {span:>7}  {row['kind']:<7}  {row['kv_heads']:>8}  {row['head_dim']:>8}  {w:>6}  "
            f"{row['bytes_per_token']:>12,}  {row['positions']:>10,}  {row['bytes']:>12,}"
        )
    for w in r.get("warnings", []):
        lines.append(f"  warning: {w}")
    if r.get("notes"):
        lines.append(f"  note: {r['notes']}")
    return "\n".join(x for x in lines if x)


def _count(n: int | None) -> str:
    """A count for the table; None (no limit could be computed) as 'no limit', never a crash."""
    return "no limit" if n is None else f"{n:,}"


def _runs(layers: list[dict]):
    """Group consecutive layers that differ only in their index: 80 identical rows say less than one."""
    keys = ("kind", "kv_heads", "head_dim", "window", "bytes_per_token", "positions", "bytes")
    out: list[tuple[int, int, dict]] = []
    for row in layers:
        if out and all(out[-1][2][k] == row[k] for k in keys):
            out[-1] = (out[-1][0], row["index"], out[-1][2])
        else:
            out.append((row["index"], row["index"], row))
    return out
