"""`python -m kvviz lab`: several cache policies on one prompt, side by side, with their quality cost."""

from __future__ import annotations

import argparse
from typing import Any

from kvviz.cli.table import cell
from kvviz.errors import KvvizError
from kvviz.text import t
from kvviz.units import fmt_bytes


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `lab` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser("lab", help=t("cli.lab.help"), description=t("cli.lab.description"))
    p.add_argument("--model", default=None, help=t("cli.model_help"))
    p.add_argument("--prompt", required=True)
    p.add_argument("--max-new-tokens", type=int, default=16)
    p.add_argument("--policy", action="append", required=True, metavar="SPEC", help=t("cli.lab.policy_help"))
    p.add_argument("--mode", choices=["forced", "free"], default="forced")
    p.add_argument("--json", metavar="FILE", help=t("cli.lab.json_help"))
    p.set_defaults(func=cmd_lab)
    return p


def cmd_lab(args) -> int:
    from kvviz.analysis.lab import tokens_per_second
    from kvviz.engine.lab import run_lab
    from kvviz.engine.models import load_model

    if not args.prompt.strip():
        raise KvvizError(key="errors.prompt_empty")
    loaded = load_model(args.model)
    run = run_lab(loaded, args.prompt, args.max_new_tokens, args.policy, args.mode)
    print(t("cli.lab.run", model=run.model.name, tokens=len(run.prompt_token_ids), steps=args.max_new_tokens,
            mode=t(f"lab.mode.{run.mode}")))
    print(_header())
    for p in run.policies:
        s = p.summary
        agree = "-" if s["agreement"] is None else f"{s['agreement']:.3f}"
        kl = "-" if s["mean_kl"] is None else f"{s['mean_kl']:.4f}"
        first = "-" if s["first_divergence"] is None else str(s["first_divergence"])
        text = "".join(st.token_text for st in p.steps)
        print(f"{p.spec:<16} {agree:>9} {kl:>9} {cell(fmt_bytes(s['peak_cache_bytes']), 12, '>')} {first:>10} "
              f"{tokens_per_second(p):>7.1f}  {text[:60]!r}")
    if args.json:
        from kvviz.cli.main import write_text

        write_text(args.json, run.to_json())
    return 0


def _header() -> str:
    """The lab table's header line in the current language, columns as wide as the rows'."""
    def col(name: str, columns: int, align: str = ">") -> str:
        return cell(t(f"cli.lab.col.{name}"), columns, align)

    return (f"{col('policy', 16, '<')} {col('agreement', 9)} {col('kl', 9)} {col('peak', 12)} "
            f"{col('first_diff', 10)} {col('speed', 7)}  {t('cli.lab.col.text')}")
