"""The article's three questions, answered from a trace: numbers and keys from kvviz.analysis.answers,
sentences from kvviz.text.answers (checked for the run's figures, not for wording)."""

import argparse

import pytest
from tiny_models import tiny_loaded

from kvviz.analysis import answers as explain
from kvviz.analysis import ledger
from kvviz.engine.tracer import Tracer
from kvviz.errors import KvvizError
from kvviz.text import answers as say
from kvviz.text import t
from kvviz.units import fmt_bytes, fmt_bytes_as, fmt_flops, fmt_flops_as

PROMPT = "The cache grows"
FLOP_UNITS = ("TFLOP", "GFLOP", "MFLOP", "kFLOP", "FLOP")
BYTE_UNITS = ("GB", "MB", "kB", "bytes")


def _units(sentence: str, units: tuple[str, ...]) -> set[str]:
    """The units the sentence's figures are written in ("12.3 MFLOP" -> MFLOP)."""
    import re

    return set(re.findall(r"[\d.,]+ (" + "|".join(units) + r")\b", sentence))


def _run(arch="llama", n=6, use_cache=True):
    return Tracer(tiny_loaded(arch), PROMPT, n, use_cache=use_cache, compare=False).run()


def test_three_answers_carry_the_runs_figures():
    tr = _run()
    last = tr.steps[-1]
    c = last.context_length
    f = last.flops
    att, mlp, hid = explain.answers(tr)
    assert [a.key for a in (att, mlp, hid)] == list(explain.QUESTION_KEYS) == ["attention", "mlp", "hidden"]
    assert [a.case for a in (att, mlp, hid)] == ["decode", "decode", "decode"]

    # (a) K/V projections with and without the cache, and the K/V read back from the cache
    held = tr.steps[-2].cache_bytes
    e = att.evidence
    assert (e["context_length"], e["earlier_tokens"], e["windowed"]) == (c, c - 1, False)
    assert (e["kv_proj_cached"], e["kv_proj_recompute"]) == (f["cached"]["kv_proj"], f["recompute"]["kv_proj"])
    assert e["reused_kv_bytes"] == held
    assert e["kv_proj_recompute"] == c * e["kv_proj_cached"]
    assert e["run_reused_kv_bytes"] == sum(s.cache_bytes for s in tr.steps[:-1])
    # the headline says the result first: all the work for the earlier positions is skipped, by how much
    parts = ("q_proj", "kv_proj", "scores", "attn_v", "o_proj")
    assert e["attn_cached"] == sum(f["cached"][k] for k in parts)
    assert e["attn_recompute"] == sum(f["recompute"][k] for k in parts)
    assert (e["total_cached"], e["total_recompute"]) == (f["cached"]["total"], f["recompute"]["total"])
    sentence = say.headline(att)
    assert say.headline_key(att) == "answers.attention.decode_skipped"
    ref = e["attn_cached"]  # the smallest FLOP figure of the sentence sets its unit
    for figure in (fmt_flops(ref), fmt_flops_as(e["attn_recompute"], ref), fmt_flops_as(e["total_cached"], ref),
                   fmt_flops_as(e["total_recompute"], ref), fmt_bytes(held), str(c), str(c - 1),
                   say.times(e["total_recompute"], e["total_cached"])):
        assert figure in sentence, figure
    assert _units(sentence, FLOP_UNITS) == {fmt_flops(ref).split()[1]}

    # (b) the MLP: same work per token, 1 position instead of c
    info = tr.model
    per_token = info.num_layers * ledger.mlp_flops_per_token(info)
    e = mlp.evidence
    assert (e["mlp_per_token"], e["positions_cached"], e["positions_recompute"]) == (per_token, 1, c)
    assert e["mlp_recompute"] == c * e["mlp_cached"] == c * per_token
    assert e["mlp_matrices"] == 3  # llama's MLP is gated
    sentence = say.headline(mlp)
    assert not sentence.startswith("Not") and say.headline_key(mlp) == "answers.mlp.decode_positions"
    for figure in (fmt_flops(per_token), fmt_flops(f["cached"]["mlp"]), fmt_flops_as(f["recompute"]["mlp"], per_token)):
        assert figure in sentence, figure
    assert len(_units(sentence, FLOP_UNITS)) == 1

    # (c) the hidden state handed between blocks: [1, 1, h] against [1, c, h], in bytes
    h = info.hidden_size
    assert last.hidden_shape == [1, 1, h]
    e = hid.evidence
    assert e["shape_cached"] == [1, 1, h] and e["shape_recompute"] == [1, c, h]
    assert e["bytes_recompute"] == c * e["bytes_cached"] == c * h * 4
    assert e["all_blocks_cached"] == info.num_layers * e["bytes_cached"]
    sentence = say.headline(hid)
    for figure in (f"[1, 1, {h}]", f"[1, {c}, {h}]", fmt_bytes(last.hidden_bytes),
                   fmt_bytes_as(c * last.hidden_bytes, last.hidden_bytes)):
        assert figure in sentence, figure
    assert len(_units(sentence, BYTE_UNITS)) == 1
    line = say.lines(hid)[1]  # all blocks: one unit for both figures
    assert len(_units(line, BYTE_UNITS)) == 1, line

    for a in (att, mlp, hid):
        assert a.lines == explain.LINES[a.key]
        assert len(say.lines(a)) == len(a.lines) and all(say.lines(a))
        assert a.to_dict()["evidence"] == a.evidence


def test_answers_from_a_recompute_trace_use_its_own_hidden_state():
    tr = _run(use_cache=False)
    hid = explain.answers(tr)[2]
    last = tr.steps[-1]
    assert hid.evidence["mode_that_ran"] == "recompute"
    assert hid.evidence["shape_recompute"] == last.hidden_shape == [1, last.context_length, tr.model.hidden_size]
    assert hid.evidence["bytes_recompute"] == last.hidden_bytes
    assert fmt_bytes(last.hidden_bytes) in say.lines(hid)[2]


def test_prefill_has_nothing_to_save_yet():
    tr = _run(n=1)
    att, mlp, hid = explain.answers(tr)
    assert [a.case for a in (att, mlp, hid)] == ["prefill"] * 3
    assert att.evidence["reused_kv_bytes"] == 0 and att.evidence["earlier_tokens"] == 0
    assert mlp.evidence["positions_cached"] == mlp.evidence["positions_recompute"] == len(tr.prompt_token_ids)
    assert hid.evidence["bytes_cached"] == hid.evidence["bytes_recompute"]
    assert say.headline(att) == t("answers.attention.prefill", **say._fields(att))


def test_sliding_layers_take_the_windowed_case_and_summary_counts_the_run():
    tr = _run("gemma3", n=8)
    att = explain.answers(tr)[0]
    assert att.case == "decode_windowed" and att.evidence["windowed"] is True
    summary = explain.run_summary(tr)
    run = ledger.split_trace(tr)
    assert (summary.steps, summary.cached_flops, summary.recompute_flops) == (8, run.cached_total, run.recompute_total)
    assert summary.ratio == pytest.approx(run.recompute_total / run.cached_total)
    text = say.explain_text(tr)
    for key in explain.QUESTION_KEYS:
        assert say.question(key) in text
    assert fmt_flops(run.cached_total) in text and fmt_flops(run.recompute_total) in text
    with pytest.raises(KvvizError):
        explain.answers(type(tr)(model=tr.model, prompt_text="x", prompt_token_ids=[1], mode="cached"))


@pytest.mark.parametrize("arch", ["llama", "gemma3", "qwen2"])
def test_every_case_and_line_has_text(arch):
    """Each (question, case) and each evidence line renders with the fields the text layer gives it."""
    for n in (1, 4):
        for a in explain.answers(_run(arch, n=n)):
            assert say.headline(a).strip() and all(line.strip() for line in say.lines(a))


def test_explain_cli_prints_three_answers(monkeypatch, capsys):
    import kvviz.engine.models
    from kvviz.cli import explain as explain_cli

    monkeypatch.setattr(kvviz.engine.models, "load_model", lambda name=None, **kw: tiny_loaded("qwen2"))
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    explain_cli.register(sub)
    args = parser.parse_args(["explain", "--prompt", PROMPT, "--max-new-tokens", "5"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    for key in explain.QUESTION_KEYS:
        assert say.question(key) in out
    assert "GFLOP" in out or "MFLOP" in out or "kFLOP" in out
    assert t("answers.run_summary", steps=5, cached="", recompute="", ratio="").split("(")[0] in out
