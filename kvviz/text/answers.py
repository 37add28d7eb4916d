"""Sentences for the three answers: kvviz.analysis.answers gives numbers and keys, this gives words.

    from kvviz.text import answers as say
    for a in answers(trace):
        say.question(a.key), say.headline(a), say.lines(a)
    say.explain_text(trace)     # the CLI's block of text
    say.run_summary(trace)      # one line with the run's totals

Every figure is formatted by kvviz.units; every word comes from the catalog (text/<lang>/answers.py).
"""

from __future__ import annotations

from kvviz.analysis.answers import QUESTION_KEYS, Answer, answers
from kvviz.analysis.answers import run_summary as _run_summary
from kvviz.text import t
from kvviz.trace_data import Trace
from kvviz.units import fmt_bytes, fmt_flops


def question(key: str) -> str:
    return t(f"answers.question.{key}")


def times(a: float, b: float) -> str:
    """a / b as '14×' or '2.5×' ('n/a' when b is 0)."""
    if not b:
        return t("answers.ratio_unknown")
    r = a / b
    return t("answers.ratio", x=f"{r:.0f}" if r >= 10 else f"{r:.1f}")


def shape(dims: list[int]) -> str:
    return "[" + ", ".join(str(x) for x in dims) + "]"


def positions(n: int) -> str:
    return t("answers.positions.one" if n == 1 else "answers.positions.many", n=n)


def _fields(a: Answer) -> dict[str, str | float | int]:
    """Every template field of one answer, formatted once."""
    e = a.evidence
    if a.key == "attention":
        return {
            "context": e["context_length"],
            "earlier": e["earlier_tokens"],
            "kv_proj_cached": fmt_flops(e["kv_proj_cached"]),
            "kv_proj_recompute": fmt_flops(e["kv_proj_recompute"]),
            "ratio": times(e["kv_proj_recompute"], e["kv_proj_cached"]),
            "q_proj_cached": fmt_flops(e["q_proj_cached"]),
            "q_proj_recompute": fmt_flops(e["q_proj_recompute"]),
            "att_cached": fmt_flops(e["scores_attn_v_cached"]),
            "att_recompute": fmt_flops(e["scores_attn_v_recompute"]),
            "att_needed": fmt_flops(e["scores_attn_v_recompute_needed"]),
            "reused_kv_bytes": fmt_bytes(e["reused_kv_bytes"]),
            "reused_kv_elements": f"{e['reused_kv_elements']:,}",
            "run_reused_kv_bytes": fmt_bytes(e["run_reused_kv_bytes"]),
        }
    if a.key == "mlp":
        return {
            "per_token": fmt_flops(e["mlp_per_token"]),
            "per_token_block": fmt_flops(e["mlp_per_token_block"]),
            "blocks": e["blocks"],
            "matrices": t(f"answers.count.{e['mlp_matrices']}"),
            "hidden_size": e["hidden_size"],
            "intermediate_size": e["intermediate_size"],
            "positions_cached": e["positions_cached"],
            "positions_recompute": e["positions_recompute"],
            "positions_cached_n": positions(e["positions_cached"]),
            "positions_recompute_n": positions(e["positions_recompute"]),
            "mlp_cached": fmt_flops(e["mlp_cached"]),
            "mlp_recompute": fmt_flops(e["mlp_recompute"]),
            "run_mlp_cached": fmt_flops(e["run_mlp_cached"]),
            "run_mlp_recompute": fmt_flops(e["run_mlp_recompute"]),
            "share": e["mlp_share_cached"],
        }
    ran = e["mode_that_ran"]
    return {
        "shape_cached": shape(e["shape_cached"]),
        "shape_recompute": shape(e["shape_recompute"]),
        "bytes_cached": fmt_bytes(e["bytes_cached"]),
        "bytes_recompute": fmt_bytes(e["bytes_recompute"]),
        "hidden_size": e["hidden_size"],
        "dtype_bytes": e["dtype_bytes"],
        "bytes_per_token": fmt_bytes(e["bytes_per_token"]),
        "blocks": e["blocks"],
        "all_blocks_cached": fmt_bytes(e["all_blocks_cached"]),
        "all_blocks_recompute": fmt_bytes(e["all_blocks_recompute"]),
        "mode": t(f"answers.mode.{ran}"),
        "shape_ran": shape(e[f"shape_{ran}"]),
        "bytes_ran": fmt_bytes(e[f"bytes_{ran}"]),
    }


def headline(a: Answer) -> str:
    """The answer in one sentence, with the run's figures."""
    return t(f"answers.{a.key}.{a.case}", **_fields(a))


def lines(a: Answer) -> list[str]:
    """The evidence as short lines, in the answer's order."""
    f = _fields(a)
    return [t(f"answers.{a.key}.line.{line}", **f) for line in a.lines]


def run_summary(trace: Trace) -> str:
    """One line with the run's totals: cached vs recompute FLOPs and their ratio."""
    s = _run_summary(trace)
    return t("answers.run_summary", steps=s.steps, cached=fmt_flops(s.cached_flops),
             recompute=fmt_flops(s.recompute_flops), ratio=times(s.recompute_flops, s.cached_flops))


def explain_text(trace: Trace) -> str:
    """The three questions, answers and evidence, then the run's totals: the CLI's output."""
    out = []
    for i, a in enumerate(answers(trace), 1):
        out.append(f"{i}. {question(a.key)}")
        out.append(f"   {headline(a)}")
        out.extend(f"   - {line}" for line in lines(a))
        out.append("")
    out.append(run_summary(trace))
    return "\n".join(out)


__all__ = ["QUESTION_KEYS", "explain_text", "headline", "lines", "question", "run_summary", "times"]
