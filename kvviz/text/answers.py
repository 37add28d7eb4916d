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
from kvviz.units import fmt_bytes, fmt_bytes_as, fmt_flops, fmt_flops_as


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


# Headlines whose meaning changed carry a new key (a stale translation then shows as missing, not wrong).
HEADLINES = {
    ("attention", "decode"): "answers.attention.decode_skipped",
    ("attention", "decode_windowed"): "answers.attention.decode_windowed_skipped",
    ("mlp", "prefill"): "answers.mlp.prefill_not_yet",
    ("mlp", "decode"): "answers.mlp.decode_positions",
}


def _flops_like(*values: int) -> list[str]:
    """FLOP figures of one sentence, in order, in one unit: the unit of the smallest non-zero one."""
    ref = min((v for v in values if v), default=0)
    return [fmt_flops_as(v, ref) for v in values]


def _bytes_like(*values: int) -> list[str]:
    """Byte figures of one sentence, in order, in one unit: the unit of the smallest non-zero one."""
    ref = min((v for v in values if v), default=0)
    return [fmt_bytes_as(v, ref) for v in values]


def _fields(a: Answer) -> dict[str, str | float | int]:
    """Every template field of one answer, formatted once; the figures one sentence compares share a unit."""
    e = a.evidence
    if a.key == "attention":
        kv_c, kv_r = _flops_like(e["kv_proj_cached"], e["kv_proj_recompute"])
        q_c, q_r = _flops_like(e["q_proj_cached"], e["q_proj_recompute"])
        att_c, att_r, att_n = _flops_like(e["scores_attn_v_cached"], e["scores_attn_v_recompute"],
                                          e["scores_attn_v_recompute_needed"])
        attn_c, attn_r, total_c, total_r = _flops_like(e["attn_cached"], e["attn_recompute"], e["total_cached"],
                                                       e["total_recompute"])
        reused, run_reused = _bytes_like(e["reused_kv_bytes"], e["run_reused_kv_bytes"])
        return {
            "context": e["context_length"],
            "earlier": e["earlier_tokens"],
            "kv_proj_cached": kv_c,
            "kv_proj_recompute": kv_r,
            "ratio": times(e["kv_proj_recompute"], e["kv_proj_cached"]),
            "q_proj_cached": q_c,
            "q_proj_recompute": q_r,
            "att_cached": att_c,
            "att_recompute": att_r,
            "att_needed": att_n,
            "attn_cached": attn_c,
            "attn_recompute": attn_r,
            "attn_ratio": times(e["attn_recompute"], e["attn_cached"]),
            "total_cached": total_c,
            "total_recompute": total_r,
            "total_ratio": times(e["total_recompute"], e["total_cached"]),
            "reused_kv_bytes": reused,
            "reused_kv_elements": f"{e['reused_kv_elements']:,}",
            "run_reused_kv_bytes": run_reused,
        }
    if a.key == "mlp":
        per_token, mlp_c, mlp_r = _flops_like(e["mlp_per_token"], e["mlp_cached"], e["mlp_recompute"])
        run_c, run_r = _flops_like(e["run_mlp_cached"], e["run_mlp_recompute"])
        return {
            "per_token": per_token,
            "per_token_block": fmt_flops(e["mlp_per_token_block"]),
            "blocks": e["blocks"],
            "matrices": t(f"answers.count.{e['mlp_matrices']}"),
            "hidden_size": e["hidden_size"],
            "intermediate_size": e["intermediate_size"],
            "positions_cached": e["positions_cached"],
            "positions_recompute": e["positions_recompute"],
            "positions_cached_n": positions(e["positions_cached"]),
            "positions_recompute_n": positions(e["positions_recompute"]),
            "mlp_cached": mlp_c,
            "mlp_recompute": mlp_r,
            "mlp_ratio": times(e["mlp_recompute"], e["mlp_cached"]),
            "run_mlp_cached": run_c,
            "run_mlp_recompute": run_r,
            "share": e["mlp_share_cached"],
        }
    ran = e["mode_that_ran"]
    b_c, b_r = _bytes_like(e["bytes_cached"], e["bytes_recompute"])
    all_c, all_r = _bytes_like(e["all_blocks_cached"], e["all_blocks_recompute"])
    return {
        "shape_cached": shape(e["shape_cached"]),
        "shape_recompute": shape(e["shape_recompute"]),
        "bytes_cached": b_c,
        "bytes_recompute": b_r,
        "hidden_size": e["hidden_size"],
        "dtype_bytes": e["dtype_bytes"],
        "bytes_per_token": fmt_bytes(e["bytes_per_token"]),
        "blocks": e["blocks"],
        "all_blocks_cached": all_c,
        "all_blocks_recompute": all_r,
        "mode": t(f"answers.mode.{ran}"),
        "shape_ran": shape(e[f"shape_{ran}"]),
        "bytes_ran": fmt_bytes(e[f"bytes_{ran}"]),
    }


def headline(a: Answer) -> str:
    """The answer in one sentence, result first, with the run's figures."""
    return t(headline_key(a), **_fields(a))


def headline_key(a: Answer) -> str:
    return HEADLINES.get((a.key, a.case)) or f"answers.{a.key}.{a.case}"


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


__all__ = ["QUESTION_KEYS", "explain_text", "headline", "headline_key", "lines", "question", "run_summary", "times"]
