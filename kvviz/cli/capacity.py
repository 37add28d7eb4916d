"""`python -m kvviz capacity`: KV-cache bytes of a published or local model config, from the shell.

Prints a table with every size in both GiB (2**30 bytes) and GB (10**9 bytes), or the plan as
JSON. Numbers from kvviz.planner, words from kvviz.text, bytes written by kvviz.units.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from typing import Any

from kvviz.errors import KvvizError
from kvviz.planner import describe
from kvviz.planner.catalog import get_accelerator, load_accelerators, load_catalog, resolve_config
from kvviz.planner.dtypes import DTYPES, WEIGHT_DTYPES
from kvviz.planner.fit import DEFAULT_RESERVE, MAX_GPUS, TP_CANDIDATES, Fit, fit, smallest_gpus
from kvviz.planner.formula import formula_text
from kvviz.planner.layout import attention_variant
from kvviz.planner.plan import Plan, plan
from kvviz.text import t
from kvviz.units import fmt_bytes_binary as fmt


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `capacity` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser("capacity", help=t("planner.cli.help"), description=t("planner.cli.description"))
    p.add_argument("--config", help=t("planner.cli.arg.config"))
    p.add_argument("--dtype", default="bf16", choices=list(DTYPES), help=t("planner.cli.arg.dtype"))
    p.add_argument("--context", type=int, default=4096, help=t("planner.cli.arg.context"))
    p.add_argument("--batch", type=int, default=1, help=t("planner.cli.arg.batch"))
    p.add_argument("--weights-dtype", default="bf16", choices=list(WEIGHT_DTYPES),
                   help=t("planner.cli.arg.weights_dtype"))
    p.add_argument("--gpu", help=t("planner.cli.arg.gpu"))
    p.add_argument("--gpus", type=int, default=1, metavar="N", help=t("planner.cli.arg.gpus"))
    p.add_argument("--reserve", type=float, default=DEFAULT_RESERVE,
                   help=t("planner.cli.arg.reserve", default=f"{DEFAULT_RESERVE:g}"))
    p.add_argument("--json", action="store_true", help=t("planner.cli.arg.json"))
    p.add_argument("--list", action="store_true", help=t("planner.cli.arg.list"))
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KvvizError as e:
        print(t("planner.cli.error", message=e), file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _check_args(args: argparse.Namespace) -> None:
    """Argument errors before any config is read."""
    if not args.config:
        raise KvvizError(t("planner.cli.no_config"))
    if args.context < 1:
        raise KvvizError(t("planner.cli.bad_context", got=args.context))
    if args.batch < 1:
        raise KvvizError(t("planner.cli.bad_batch", got=args.batch))
    if args.gpus < 1 or args.gpus > MAX_GPUS:
        raise KvvizError(t("planner.cli.bad_gpus", limit=f"{MAX_GPUS:,}", got=args.gpus))
    if args.gpus != 1 and not args.gpu:
        raise KvvizError(t("planner.cli.gpus_need_gpu"))
    if not 0 <= args.reserve < 1:  # NaN fails both comparisons
        raise KvvizError(t("planner.cli.bad_reserve", got=args.reserve))


def _run(args: argparse.Namespace) -> int:
    if getattr(args, "list", False):
        print(t("planner.cli.models"))
        for spec in load_catalog():
            print(f"  {spec.name:18s} {describe.attention_label(attention_variant(spec.config))}")
        print(t("planner.cli.accelerators"))
        for a in load_accelerators():
            print(f"  {a.name:18s} {fmt(a.memory_bytes)}")
        return 0
    _check_args(args)
    spec = resolve_config(args.config)
    result = plan(spec, dtype=args.dtype, context=args.context, batch=args.batch, weights_dtype=args.weights_dtype)
    fitted = smallest = acc = None
    if args.gpu:
        acc = get_accelerator(args.gpu)
        kw = {"dtype": args.dtype, "context": args.context, "batch": args.batch,
              "weights_dtype": args.weights_dtype, "reserve_fraction": args.reserve}
        smallest = smallest_gpus(spec, acc.memory_bytes, **kw)
        fitted = fit(spec, acc.memory_bytes, gpus=args.gpus, **kw)
    if args.json:
        data = result.as_dict()
        data["formula"] = formula_text(result.formula)
        if fitted is not None:
            data["fit"] = {"accelerator": acc.name, "memory_basis": acc.memory_basis, **asdict(fitted),
                           "kv_heads_per_device": fitted.kv_heads_per_device, "kv_split": fitted.kv_split,
                           "smallest_gpus": smallest.gpus if smallest else None,
                           "smallest_gpus_tried": list(TP_CANDIDATES)}
        print(json.dumps(data, indent=2, allow_nan=False))
    else:
        print(format_table(result, spec.source, spec.parameters_source))
        if fitted is not None:
            print(format_fit(fitted, acc.name, acc.memory_basis, smallest.gpus if smallest else None))
    return 0


def format_table(r: Plan, source: str = "", parameters_source: str = "") -> str:
    """A readable report of a plan: units named on every size."""
    lines = [
        f"{r.model}: {describe.attention_label(r.attention)}",
        t("planner.cli.source", source=source) if source else "",
        t("planner.cli.dtype", dtype=r.dtype, note=describe.dtype_note(r.dtype)),
        t("planner.cli.per_token", bytes=f"{r.bytes_per_token:,}", size=fmt(r.bytes_per_token)),
        t("planner.cli.total", context=f"{r.context:,}", batch=r.batch, bytes=f"{r.total_bytes:,}",
          size=fmt(r.total_bytes)),
    ]
    if r.total_bytes_transformers != r.total_bytes:
        lines.append(t("planner.cli.total_transformers", bytes=f"{r.total_bytes_transformers:,}",
                       size=fmt(r.total_bytes_transformers)))
    source_note = parameters_source if r.parameters_source == "published" and parameters_source \
        else t(f"planner.params.{r.parameters_source}")
    lines.append(t("planner.cli.weights", parameters=f"{r.parameters:,}", dtype=r.weights_dtype,
                   bytes=f"{r.weights_bytes:,}", size=fmt(r.weights_bytes), source=source_note))
    ref = r.mla_reference
    if ref:
        lines.append(t("planner.cli.mla_reference", bytes=f"{ref.bytes_per_token:,}",
                       ratio=f"{ref.ratio_to_latent:.1f}", total=f"{ref.total_bytes:,}", size=fmt(ref.total_bytes)))
    lines.append(t("planner.cli.formula", formula=formula_text(r.formula)))
    lines.append(t("planner.cli.layers_title"))
    lines.append(t("planner.cli.layers_header"))
    for first, last, row in _runs(r):
        w = f"{row.window:,}" if row.window else "-"
        span = f"{first}" if first == last else f"{first}-{last}"
        lines.append(f"    {span:>7}  {row.kind:<7}  {row.kv_heads:>8}  {row.head_dim:>8}  {w:>6}  "
                     f"{row.bytes_per_token:>12,}  {row.positions:>10,}  {row.bytes:>12,}")
    for w in r.warnings:
        lines.append(t("planner.cli.warning", text=describe.warning_text(w)))
    if r.notes:
        lines.append(t("planner.cli.note", text=r.notes))
    return "\n".join(x for x in lines if x)


def format_fit(f: Fit, accelerator: str, memory_basis: str, smallest: int | None) -> str:
    """What fits on the accelerator(s), per device."""
    n = f.gpus
    where = accelerator if n == 1 else t("planner.cli.where_tp", n=n, accelerator=accelerator)
    lines = [
        t("planner.cli.on", where=where, basis=memory_basis),
        t("planner.cli.reserve", used=f"{f.reserve_fraction:.0%}", default=f"{DEFAULT_RESERVE:.0%}"),
    ]
    if n != 1:
        lines.append(t("planner.cli.per_device", weights=fmt(f.weights_per_device_bytes),
                       cache=fmt(f.cache_per_device_bytes), note=describe.split_note(f.sharding)))
    if not f.weights_fit:
        lines.append(t("planner.cli.weights_do_not_fit_one" if n == 1 else "planner.cli.weights_do_not_fit", n=n))
    else:
        lines.append(t("planner.cli.free", size=fmt(f.free_for_cache_bytes)))
        lines.append(t("planner.cli.largest_batch", context=f"{f.context:,}", n=_count(f.largest_batch)))
        lines.append(t("planner.cli.largest_context", batch=f.batch, n=_count(f.largest_context),
                       limited_by=describe.limited_by(f.context_limited_by)))
    if smallest is None:
        lines.append(t("planner.cli.no_smallest", context=f"{f.context:,}", batch=f.batch,
                       top=f"{TP_CANDIDATES[-1]:,}", accelerator=accelerator))
    else:
        lines.append(t("planner.cli.smallest", context=f"{f.context:,}", batch=f.batch, n=smallest,
                       accelerator=accelerator))
    lines.append(t("planner.cli.assumption", text=describe.tp_assumption()))
    return "\n".join(lines)


def _count(n: int | None) -> str:
    """A count for the table; None (no limit could be computed) as 'no limit', never a crash."""
    return t("planner.cli.no_limit") if n is None else f"{n:,}"


def _runs(r: Plan):
    """Group consecutive layers that differ only in their index: 80 identical rows say less than one."""
    out: list[tuple[int, int, Any]] = []
    for row in r.layers:
        if out and _same(out[-1][2], row):
            out[-1] = (out[-1][0], row.index, out[-1][2])
        else:
            out.append((row.index, row.index, row))
    return out


def _same(a, b) -> bool:
    keys = ("kind", "kv_heads", "head_dim", "window", "bytes_per_token", "positions", "bytes")
    return all(getattr(a, k) == getattr(b, k) for k in keys)
