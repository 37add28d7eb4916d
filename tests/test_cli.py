"""`python -m kvviz trace`: the rows it prints, the JSON it writes, and its errors (no tracebacks)."""

import json

import pytest

from kvviz.__main__ import main

pytestmark = pytest.mark.slow


def test_trace_prints_every_step_and_writes_json(tmp_path, capsys):
    out_file = tmp_path / "t.json"
    assert main(["trace", "--prompt", "Lionel Messi is a", "--max-new-tokens", "4", "--json", str(out_file)]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.strip().startswith(("0 ", "1 ", "2 ", "3 "))]
    assert len(rows) == 4
    assert "(1, 3, 7, 64)" in rows[0] and "322,560" in rows[0]  # 7 tokens x 46,080 bytes
    assert "(1, 3, 10, 64)" in rows[3] and "460,800" in rows[3]
    assert "cached and recompute agree: yes" in out
    data = json.loads(out_file.read_text())
    assert data["schema"] == "kvviz.trace/1" and data["mode"] == "cached"
    assert [s["cache_bytes"] for s in data["steps"]] == [46080 * n for n in (7, 8, 9, 10)]
    assert set(data["steps"][1]["flops"]) == {"cached", "recompute"}


def test_no_cache_gives_the_same_tokens(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["trace", "--prompt", "Lionel Messi is a", "--max-new-tokens", "5", "--no-compare", "--json", str(a)]) == 0
    assert main(["trace", "--prompt", "Lionel Messi is a", "--max-new-tokens", "5", "--no-cache", "--no-compare",
                 "--json", str(b)]) == 0
    ta, tb = json.loads(a.read_text()), json.loads(b.read_text())
    assert tb["mode"] == "recompute" and all(s["cache_layers"] == [] and s["cache_bytes"] == 0 for s in tb["steps"])
    assert [s["token_id"] for s in ta["steps"]] == [s["token_id"] for s in tb["steps"]]


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
