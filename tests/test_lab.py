"""The cache lab runner, its JSON file and its summaries (issue 11), on tiny models and the built-in one."""

from __future__ import annotations

import json
import math

import pytest
import torch
from test_policies import _reference
from tiny_models import tiny_loaded

from kvviz import KvvizError
from kvviz.analysis import lab as alab
from kvviz.engine.lab import LabRunner, run_lab
from kvviz.engine.lab_quality import paged_demo, perplexity
from kvviz.engine.tracer import Tracer
from kvviz.lab.data import LabRun

PROMPT = "The cache grows by one token at every step"


@pytest.fixture(scope="module")
def forced():
    return run_lab(tiny_loaded("llama"), PROMPT, 8, ["full", "window:3", "sinks:2:2", "h2o:2:2", "int4:g8:r4"])


def test_full_equals_the_cached_trace(forced):
    trace = Tracer(tiny_loaded("llama"), PROMPT, 8, compare=False).run()
    full = forced.policies[0]
    assert [s.token_id for s in full.steps] == trace.generated_ids
    assert all(s.kl == 0 and s.agree for s in full.steps)
    assert [s.cache_bytes for s in full.steps] == [s.cache_bytes for s in trace.steps]
    assert full.summary == {"mean_kl": 0.0, "agreement": 1.0, "peak_cache_bytes": trace.steps[-1].cache_bytes,
                            "first_divergence": None}


def test_forced_feeds_every_policy_the_full_caches_tokens(forced):
    fed = [s.token_id for s in forced.policies[0].steps]
    for p in forced.policies:
        assert [s.fed_token_id for s in p.steps] == fed
        assert [s.agree for s in p.steps] == [s.token_id == f for s, f in zip(p.steps, fed)]
        assert p.summary["agreement"] == pytest.approx(sum(s.agree for s in p.steps) / len(p.steps))
        assert p.summary["mean_kl"] == pytest.approx(sum(s.kl for s in p.steps) / len(p.steps))
        assert p.summary["peak_cache_bytes"] == max(s.cache_bytes for s in p.steps)


def test_forced_kl_against_an_independent_masked_pass(forced):
    """window:3's KL per step, recomputed from one full pass and one masked pass built here."""
    loaded = tiny_loaded("llama")
    prompt = len(forced.prompt_token_ids)
    ids = forced.prompt_token_ids + [s.fed_token_id for s in forced.policies[0].steps][:-1]
    full = _reference(loaded, ids, prompt, 0, len(ids))  # a window as long as the run: the full cache
    window = _reference(loaded, ids, prompt, 0, 3)
    p, q = torch.log_softmax(full.double(), -1), torch.log_softmax(window.double(), -1)
    want = (p.exp() * (p - q)).sum(-1)
    got = torch.tensor([s.kl for s in forced.policies[1].steps], dtype=torch.float64)
    assert torch.allclose(got, want, atol=1e-6), (got, want)
    assert got[1:].max() > 0  # evicting changes the distribution
    assert got[0] < 1e-9  # the prompt pass is full attention for every policy


def test_kept_positions_and_quantized_counts(forced):
    prompt = len(forced.prompt_token_ids)
    sinks, h2o, quant = forced.policies[2], forced.policies[3], forced.policies[4]
    for i, s in enumerate(sinks.steps):
        c = prompt + i
        assert all(layer == [0, 1, c - 2, c - 1] for layer in s.kept_positions)
    kv = tiny_loaded("llama").info.num_key_value_heads
    assert all(len(layer) == kv and all(len(h) == 4 for h in layer) for s in h2o.steps for layer in s.kept_positions)
    for i, s in enumerate(quant.steps):
        c = prompt + i
        assert all(layer == list(range(c)) for layer in s.kept_positions)
        assert all(n % 8 == 0 and c - n >= 4 for n in s.quantized)
    grid = alab.grid(forced, 2, 3)
    assert grid[0][:2] == [alab.SINK, alab.SINK] and grid[0][prompt + 2] == alab.NEW
    assert grid[0][2] == alab.EVICTED and grid[0][-1] == alab.FUTURE
    qgrid = alab.grid(forced, 4, 7)
    assert qgrid[0][0] == alab.QUANTIZED and set(qgrid[0]) <= set(alab.CELL_STATES)


def test_free_mode_each_policy_writes_its_own_text():
    loaded = tiny_loaded("llama")
    run = run_lab(loaded, PROMPT, 8, ["full", "window:1"], mode="free")
    ref = [s.token_id for s in run.policies[0].steps]
    for p in run.policies:
        assert all(s.fed_token_id == s.token_id and s.kl is None and s.agree is None for s in p.steps)
    first = run.policies[1].summary["first_divergence"]
    own = [s.token_id for s in run.policies[1].steps]
    want = next((i for i, (a, b) in enumerate(zip(own, ref)) if a != b), None)
    assert first == want
    assert run.policies[0].summary["first_divergence"] is None
    assert LabRun.from_json(run.to_json()).to_dict() == run.to_dict()


def test_json_round_trip_and_schema(forced):
    text = forced.to_json()
    data = json.loads(text)
    assert data["schema"] == "kvviz.lab/1"
    assert set(data) == {"schema", "model", "prompt", "mode", "policies"}
    assert set(data["prompt"]) == {"text", "token_ids"}
    step = data["policies"][0]["steps"][0]
    assert {"token_id", "fed_token_id", "cache_bytes", "kept_positions", "kl", "agree"} <= set(step)
    assert {"mean_kl", "agreement", "peak_cache_bytes"} <= set(data["policies"][0]["summary"])
    assert LabRun.from_json(text).to_dict() == forced.to_dict()


def _broken(run, path, value):
    data = json.loads(run.to_json())
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize("path, value, named", [
    (("schema",), "kvviz.trace/1", "schema"),
    (("mode",), "sideways", "mode"),
    (("extra",), 1, "extra"),
    (("prompt", "token_ids"), [], "prompt.token_ids"),
    (("policies", 1, "steps", 2, "kl"), -1.0, "policies[1].steps[2].kl"),
    (("policies", 1, "steps", 2, "kl"), "nan", "policies[1].steps[2].kl"),
    (("policies", 1, "steps", 2, "agree"), None, "policies[1].steps[2].agree"),
    (("policies", 1, "steps", 2, "token_id"), 10**9, "policies[1].steps[2].token_id"),
    (("policies", 1, "steps", 2, "cache_bytes"), True, "policies[1].steps[2].cache_bytes"),
    (("policies", 1, "steps", 2, "kept_positions", 0), [3, 1], "kept_positions[0]"),
    (("policies", 1, "steps", 2, "kept_positions", 0), [999], "kept_positions[0][0]"),
    (("policies", 1, "steps", 2, "kept_positions"), [[1]], "kept_positions"),
    (("policies", 3, "steps", 2, "kept_positions", 0), [[1], [2], [3]], "kept_positions[0]"),
    (("policies", 1, "steps", 2, "fed_token_id"), KeyError, "fed_token_id"),
    (("policies", 1, "summary", "agreement"), 1.5, "summary.agreement"),
    (("policies", 1, "summary", "peak_cache_bytes"), -1, "summary.peak_cache_bytes"),
    (("policies", 1, "spec"), "", "spec"),
    (("model", "num_layers"), 0, "model.num_layers"),
])
def test_bad_files_name_the_field(forced, path, value, named):
    with pytest.raises(KvvizError) as e:
        LabRun.from_json(_broken(forced, path, value))
    key, fields = e.value.text_key, e.value.text_fields
    assert key.startswith("errors.lab_file.")
    assert named in fields.get("path", "") or key == f"errors.lab_file.{named}", (key, fields)


def test_files_are_bounded():
    with pytest.raises(KvvizError) as e:
        LabRun.from_json("[" * 100_000 + "]" * 100_000)
    assert e.value.text_key in ("errors.lab_file.not_json", "errors.lab_file.too_big")
    with pytest.raises(KvvizError):
        LabRun.from_json(json.dumps({"schema": "kvviz.lab/1", "model": {}, "prompt": {}, "mode": "forced",
                                     "policies": [{}] * 9}))


def test_runner_limits():
    loaded = tiny_loaded("llama")
    with pytest.raises(KvvizError) as e:
        LabRunner(loaded, PROMPT, 4, [])
    assert e.value.text_key == "errors.lab.policies"
    with pytest.raises(KvvizError) as e:
        LabRunner(loaded, PROMPT, 4, ["full"], mode="x")
    assert e.value.text_key == "errors.lab.mode" and e.value.text_fields["got"] == "'x'"
    with pytest.raises(KvvizError) as e:
        LabRunner(loaded, PROMPT, 300, ["full"], max_context=64)
    assert e.value.text_key == "errors.run_too_long" and e.value.text_fields["limit"] == 64


def test_perplexity_matches_one_forward_pass():
    loaded = tiny_loaded("llama")
    ids = loaded.tokenizer(PROMPT * 3, add_special_tokens=False)["input_ids"][:30]
    prompt = 8
    for spec, recent in (("full", len(ids)), ("window:4", 4), ("sinks:0:4", 4)):
        got = perplexity(loaded, ids, spec, prompt)
        logits = _reference(loaded, ids, prompt, 0, recent)[:-1]  # rows predicting ids[prompt:]
        nll = -torch.log_softmax(logits.double(), -1)[torch.arange(len(ids) - prompt), torch.tensor(ids[prompt:])]
        assert got["perplexity"] == pytest.approx(math.exp(float(nll.mean())), rel=1e-5), spec
        assert got["tokens"] == len(ids) - prompt


def test_paged_demo_shares_the_system_prompt():
    loaded = tiny_loaded("llama")
    system = "You are a careful assistant. Answer each question in one short sentence please. " * 2
    out = paged_demo(loaded, system, ["Who won?", "Where is it?", "Why now?"], block_size=4, repeats=1)
    assert out["shared_prefix_tokens"] >= 16 and out["shared_prefix_tokens"] % 4 == 0
    assert out["blocks_used"] < out["blocks_if_unshared"]
    assert out["bytes_shared"] < out["bytes_unshared"]
    assert out["copies_on_write_after_fork"] == 1
    assert out["max_abs_logit_diff"] < 1e-4  # the reused prefix gives the same logits as a whole prefill
    assert out["prefill_ms_whole"] > 0 and out["prefill_ms_reusing_prefix"] > 0
    assert out["prefill_cpu_ms_whole"] > 0 and out["prefill_cpu_ms_reusing_prefix"] > 0
    first = out["requests"][0]["blocks"]
    for r in out["requests"][1:]:
        n = out["shared_prefix_tokens"] // 4
        assert r["blocks"][:n] == first[:n] and r["found_tokens"] >= out["shared_prefix_tokens"]


@pytest.mark.slow
def test_cli_lab_writes_a_valid_file(tmp_path, capsys):
    from kvviz.cli.main import main

    out = tmp_path / "lab.json"
    code = main(["lab", "--prompt", "Lionel Messi is a", "--max-new-tokens", "3", "--policy", "full",
                 "--policy", "window:4", "--policy", "int8:g16:r4", "--json", str(out)])
    assert code == 0
    run = LabRun.from_json(out.read_text())
    assert [p.spec for p in run.policies] == ["full", "window:4", "int8:g16:r4"]
    assert run.mode == "forced" and all(len(p.steps) == 3 for p in run.policies)
    assert run.policies[0].summary["mean_kl"] == 0.0
    printed = capsys.readouterr().out
    assert "window:4" in printed and str(out) in printed
    assert main(["lab", "--prompt", "x", "--policy", "nope:1"]) == 2  # a KvvizError, not a traceback
