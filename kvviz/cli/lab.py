"""`python -m kvviz lab`: several cache policies on one prompt, side by side, with their quality cost."""

from __future__ import annotations

import argparse
from typing import Any

from kvviz.errors import KvvizError
from kvviz.units import fmt_bytes


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `lab` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "lab",
        help="run one prompt under several cache policies and compare them step by step",
        description=(
            "Policies: full, window:W, sinks:S:R, h2o:H:R, knorm:B, int8|int4|int2[:gG][:rR]. "
            "forced: every policy is fed the full cache's greedy tokens (agreement and KL per step); "
            "free: each policy writes its own text (where it first diverges)."
        ),
    )
    p.add_argument("--model", default=None, help="hub id or local folder (default: built-in SmolLM2-135M)")
    p.add_argument("--prompt", required=True)
    p.add_argument("--max-new-tokens", type=int, default=16)
    p.add_argument("--policy", action="append", required=True, metavar="SPEC", help="repeat for each policy")
    p.add_argument("--mode", choices=["forced", "free"], default="forced")
    p.add_argument("--json", metavar="FILE", help="write the run as JSON (schema kvviz.lab/1)")
    p.set_defaults(func=cmd_lab)
    return p


def cmd_lab(args) -> int:
    from kvviz.analysis.lab import tokens_per_second
    from kvviz.engine.lab import run_lab
    from kvviz.engine.models import load_model

    if not args.prompt.strip():
        raise KvvizError("The prompt is empty: type some text to start from.")
    loaded = load_model(args.model)
    run = run_lab(loaded, args.prompt, args.max_new_tokens, args.policy, args.mode)
    print(f"{run.model.name}: prompt {len(run.prompt_token_ids)} tokens, {args.max_new_tokens} steps, mode {run.mode}")
    print(f"{'policy':<16} {'agreement':>9} {'mean KL':>9} {'peak bytes':>12} {'first diff':>10} {'tok/s':>7}  text")
    for p in run.policies:
        s = p.summary
        agree = "-" if s["agreement"] is None else f"{s['agreement']:.3f}"
        kl = "-" if s["mean_kl"] is None else f"{s['mean_kl']:.4f}"
        first = "-" if s["first_divergence"] is None else str(s["first_divergence"])
        text = "".join(st.token_text for st in p.steps)
        print(f"{p.spec:<16} {agree:>9} {kl:>9} {fmt_bytes(s['peak_cache_bytes']):>12} {first:>10} "
              f"{tokens_per_second(p):>7.1f}  {text[:60]!r}")
    if args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(run.to_json())
        except OSError as e:
            raise KvvizError(f"Could not write {args.json}: {e.strerror}.") from None
        print(f"wrote {args.json}")
    return 0
