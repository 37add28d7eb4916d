"""The article's three questions, answered from a trace with the run's own figures."""

import argparse

import pytest
from tiny_models import tiny_loaded

from kvviz.analysis import answers as explain, ledger
from kvviz.analysis.ledger import fmt_bytes, fmt_flops
from kvviz.engine.tracer import Tracer

PROMPT = "The cache grows"


def _run(arch="llama", n=6, use_cache=True):
    return Tracer(tiny_loaded(arch), PROMPT, n, use_cache=use_cache, compare=False).run()


def test_three_answers_carry_the_runs_figures():
    tr = _run()
    last = tr.steps[-1]
    c = last.context_length
    f = last.flops
    att, mlp, hid = explain.answers(tr)
    assert [a.key for a in (att, mlp, hid)] == ["attention", "mlp", "hidden"]
    assert att.question == explain.QUESTIONS["attention"]

    # (a) K/V projections with and without the cache, and the K/V read back from the cache
    held = tr.steps[-2].cache_bytes
    for figure in (fmt_flops(f["cached"]["kv_proj"]), fmt_flops(f["recompute"]["kv_proj"]), fmt_bytes(held),
                   f"context {c} tokens", f"{c - 1} earlier tokens"):
        assert figure in att.answer, figure
    assert att.evidence["reused_kv_bytes"] == held
    assert att.evidence["kv_proj_recompute"] == c * att.evidence["kv_proj_cached"]

    # (b) the MLP: same work per token, 1 position instead of c
    info = tr.model
    per_token = info.num_layers * ledger.mlp_flops_per_token(info)
    for figure in (fmt_flops(per_token), f"1 instead of {c}", fmt_flops(f["cached"]["mlp"]),
                   fmt_flops(f["recompute"]["mlp"])):
        assert figure in mlp.answer, figure
    assert mlp.evidence["mlp_recompute"] == c * mlp.evidence["mlp_cached"] == c * per_token

    # (c) the hidden state handed between blocks: [1, 1, h] against [1, c, h], in bytes
    h = info.hidden_size
    assert last.hidden_shape == [1, 1, h]
    for figure in (f"[1, 1, {h}]", f"[1, {c}, {h}]", fmt_bytes(last.hidden_bytes), fmt_bytes(c * last.hidden_bytes)):
        assert figure in hid.answer, figure
    assert hid.evidence["bytes_recompute"] == c * hid.evidence["bytes_cached"] == c * h * 4

    for a in (att, mlp, hid):
        assert a.lines and a.answer.endswith(".")
        assert a.to_dict()["evidence"] == a.evidence


def test_answers_from_a_recompute_trace_use_its_own_hidden_state():
    tr = _run(use_cache=False)
    hid = explain.answers(tr)[2]
    last = tr.steps[-1]
    assert hid.evidence["shape_recompute"] == last.hidden_shape == [1, last.context_length, tr.model.hidden_size]
    assert hid.evidence["bytes_recompute"] == last.hidden_bytes


def test_prefill_only_says_nothing_is_saved_yet():
    tr = _run(n=1)
    att, mlp, hid = explain.answers(tr)
    assert "nothing to save yet" in att.answer
    assert att.evidence["reused_kv_bytes"] == 0
    assert hid.answer.startswith("Not at prefill")


def test_explain_text_and_sliding_wording():
    tr = _run("gemma3", n=8)
    text = explain.explain_text(tr)
    assert text.count("?") >= 3 and "Whole run (8 steps)" in text
    assert "inside each layer's window" in explain.answers(tr)[0].answer
    with pytest.raises(ValueError):
        explain.answers(type(tr)(model=tr.model, prompt_text="x", prompt_token_ids=[1], mode="cached"))


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
    for q in explain.QUESTIONS.values():
        assert q in out
    assert "GFLOP" in out or "MFLOP" in out or "kFLOP" in out
    assert "Whole run (5 steps)" in out
