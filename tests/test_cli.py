"""`python -m kvviz trace`: the rows it prints, the JSON it writes, and its errors (no tracebacks)."""

import json

import pytest

from kvviz.__main__ import main
from kvviz.trace_data import Trace

slow = pytest.mark.slow  # loads the built-in model


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """These tests read the CLI's English output: no $KVVIZ_LANG from the environment (test_errors_zh: Chinese)."""
    monkeypatch.delenv("KVVIZ_LANG", raising=False)


@slow
def test_trace_prints_every_step_and_writes_json(tmp_path, capsys):
    out_file = tmp_path / "t.json"
    assert main(["trace", "--prompt", "Lionel Messi is a", "--max-new-tokens", "4", "--json", str(out_file)]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.strip().startswith(("0 ", "1 ", "2 ", "3 "))]
    assert len(rows) == 4
    assert "(1, 3, 7, 64)" in rows[0] and "322,560" in rows[0]  # 7 tokens x 46,080 bytes
    assert "(1, 3, 10, 64)" in rows[3] and "460,800" in rows[3]
    assert "cached and recompute agree: yes" in out
    assert "verified: FLOPs and cache bytes match" in out  # the load-time self-check, printed
    data = json.loads(out_file.read_text())
    assert data["model"]["verified"] is True and data["model"]["verify_worst_rel"] == 0.0
    assert data["schema"] == "kvviz.trace/2" and data["mode"] == "cached"
    assert Trace.from_json(out_file.read_bytes()).to_json(indent=1) == out_file.read_text()  # the reader takes it
    assert [s["cache_bytes"] for s in data["steps"]] == [46080 * n for n in (7, 8, 9, 10)]
    assert set(data["steps"][1]["flops"]) == {"cached", "recompute"}


@slow
def test_no_cache_gives_the_same_tokens(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["trace", "--prompt", "Lionel Messi is a", "--max-new-tokens", "5", "--no-compare",
                 "--json", str(a)]) == 0
    assert main(["trace", "--prompt", "Lionel Messi is a", "--max-new-tokens", "5", "--no-cache", "--no-compare",
                 "--json", str(b)]) == 0
    ta, tb = json.loads(a.read_text()), json.loads(b.read_text())
    assert tb["mode"] == "recompute" and all(s["cache_layers"] == [] and s["cache_bytes"] == 0 for s in tb["steps"])
    assert [s["token_id"] for s in ta["steps"]] == [s["token_id"] for s in tb["steps"]]


@slow
@pytest.mark.parametrize(
    "argv, message",
    [
        (["trace", "--prompt", "  ", "--max-new-tokens", "3"], "prompt is empty"),
        (["trace", "--prompt", "hi", "--max-new-tokens", "0"], "at least 1"),
        (["trace", "--prompt", "hi", "--max-new-tokens", "2", "--json", "/no/such/dir/t.json"], "Could not write"),
        (["trace", "--prompt", "hi", "--model", "/no/such/model"], "No model folder"),
    ],
)
def test_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.fixture
def no_model(monkeypatch):
    """Fail the test if the command loads a model: these errors must come first."""
    from kvviz.engine import models

    def refuse(*a, **k):
        raise AssertionError("the model was loaded before the arguments were checked")

    monkeypatch.setattr(models, "load_model", refuse)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--seed", str(2**70)], "seed"),
        (["--seed", "-1"], "seed"),
        (["--temperature", "1e-38"], "Temperature"),
        (["--temperature", "nan"], "finite"),
        (["--temperature", "-1"], "Temperature"),
        (["--top-p", "0"], "top-p"),
        (["--top-p", "1.5"], "top-p"),
        (["--top-k", "-3"], "top-k"),
        (["--max-new-tokens", "0"], "at least 1"),
        (["--json", "/no/such/dir/t.json"], "does not exist"),
        (["--json", "."], "folder"),
    ],
)
def test_argument_errors_come_before_the_model_loads(no_model, extra, message, capsys):
    assert main(["trace", "--prompt", "Lionel Messi is a", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_empty_prompt_before_the_model_loads(no_model, capsys):
    assert main(["trace", "--prompt", " \n "]) == 2
    assert "prompt is empty" in capsys.readouterr().err


def test_unparsable_numbers_are_usage_errors(no_model, capsys):
    for extra in (["--seed", "2**70"], ["--max-new-tokens", "9" * 5000], ["--top-p", "lots"]):
        with pytest.raises(SystemExit) as e:
            main(["trace", "--prompt", "hi", *extra])
        assert e.value.code == 2
        assert "invalid" in capsys.readouterr().err


def test_tokenizer_larger_than_the_vocabulary(tmp_path, capsys):
    """The built-in tokenizer (49,152 tokens) with a model of 1,000: a clear error, not an IndexError."""
    import torch
    from tiny_models import tokenizer
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                         num_key_value_heads=1, vocab_size=1000, max_position_embeddings=64)
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    tokenizer().save_pretrained(tmp_path)
    assert main(["trace", "--model", str(tmp_path), "--prompt", "Lionel Messi is a", "--max-new-tokens", "2"]) == 2
    err = capsys.readouterr().err
    assert "vocabulary of 1,000" in err and "Traceback" not in err
