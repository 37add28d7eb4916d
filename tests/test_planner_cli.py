"""`python -m kvviz capacity`: numbers in the JSON, words from kvviz.text in the table, exit 2 on any bad input."""

from __future__ import annotations

import json

import pytest

from kvviz.__main__ import main as kvviz_main
from kvviz.cli import capacity as capacity_cli
from kvviz.planner.catalog import get_accelerator, resolve_config
from kvviz.planner.describe import split_note
from kvviz.planner.fit import DEFAULT_RESERVE, fit, kv_sharding
from kvviz.planner.plan import plan
from kvviz.text import t


def _cli(argv):
    return kvviz_main(argv)  # the real entry point: `python -m kvviz capacity ...`


def test_capacity_cli_has_no_standalone_entry():
    assert not hasattr(capacity_cli, "main")


def test_cli_json(capsys):
    assert _cli(["capacity", "--config", "Llama-2-7B", "--dtype", "fp16", "--context", "4096", "--batch", "2",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bytes_per_token"] == 524_288
    assert data["total_bytes"] == 524_288 * 4096 * 2
    assert data["weights_bytes"] == 6_738_415_616 * 2
    assert len(data["layers"]) == 32 and data["layers"][0]["bytes_per_token"] == 16_384
    assert data["attention"]["scheme"] == "mha" and data["warnings"] == []


def test_cli_table_names_units(capsys):
    assert _cli(["capacity", "--config", "gemma-2-9b", "--context", "32768", "--gpu", "H100"]) == 0
    out = capsys.readouterr().out
    p = plan(resolve_config("gemma-2-9b"), context=32768)
    f = fit(resolve_config("gemma-2-9b"), get_accelerator("H100").memory_bytes, context=32768)
    assert "GiB" in out and "GB" in out and "sliding" in out
    assert t("planner.cli.largest_batch", context="32,768", n=f"{f.largest_batch:,}") in out
    assert f"{p.total_bytes:,}" in out and f"{p.total_bytes_transformers:,}" in out


def test_cli_errors_exit_2_without_traceback(capsys, tmp_path):
    assert _cli(["capacity", "--config", "no-such-model"]) == 2
    bad = tmp_path / "config.json"
    bad.write_text("{oops")
    assert _cli(["capacity", "--config", str(bad)]) == 2
    assert _cli(["capacity", "--config", "gpt2", "--context", "-5"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count(t("planner.cli.error", message="")) == 3


HOSTILE = {
    "deep.json": b"[" * 1000 + b"]" * 1000,  # was a RecursionError
    "digits.json": b'{"num_hidden_layers": ' + b"9" * 5000 + b"}",  # was a ValueError
    "layer_types.json": b'{"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "layer_types": 5}',
    "null_shapes.json": b'{"num_hidden_layers": null, "hidden_size": null, "num_attention_heads": null}',
    "nan.json": b'{"num_hidden_layers": NaN, "hidden_size": 64, "num_attention_heads": 4}',
    "dup.json": b'{"num_hidden_layers": 2, "num_hidden_layers": 3, "hidden_size": 64, "num_attention_heads": 4}',
    "utf16.json": '{"num_hidden_layers": 2}'.encode("utf-16"),
    "huge.json": b'{"num_hidden_layers": 1099511627776, "hidden_size": 64, "num_attention_heads": 4}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_cli_hostile_config_files_exit_2(capsys, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    assert _cli(["capacity", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and str(path) in captured.err and captured.out == ""


@pytest.mark.parametrize(
    "argv, key, fields",
    [
        (["--context", "0", "--gpu", "H100"], "planner.cli.bad_context", {"got": 0}),  # crashed on largest_batch None
        (["--context", "0"], "planner.cli.bad_context", {"got": 0}),
        (["--batch", "0", "--gpu", "H100"], "planner.cli.bad_batch", {"got": 0}),
        (["--batch", "-3"], "planner.cli.bad_batch", {"got": -3}),
        (["--gpu", "H100", "--reserve", "1.5"], "planner.cli.bad_reserve", {"got": 1.5}),
        (["--gpu", "H100", "--reserve", "nan"], "planner.cli.bad_reserve", {"got": float("nan")}),
        (["--context", str(2**70)], "planner.error.arg_too_large", {"what": "context", "got": 2**70, "limit": 2**31}),
        (["--gpu", "H100", "--gpus", "0"], "planner.cli.bad_gpus", {"limit": "4,096", "got": 0}),
        (["--gpus", "2"], "planner.cli.gpus_need_gpu", {}),
    ],
)
def test_cli_rejects_bad_numbers(capsys, argv, key, fields):
    assert _cli(["capacity", "--config", "gpt2", *argv]) == 2
    captured = capsys.readouterr()
    assert t(key, **fields) in captured.err and "Traceback" not in captured.err and captured.out == ""


def test_cli_default_reserve_matches_the_page(capsys):
    from kvviz.ui.pages import plan as planner_page

    assert planner_page.DEFAULT_RESERVE == DEFAULT_RESERVE == 0.10
    assert _cli(["capacity", "--config", "Llama-3.1-8B", "--context", "32768", "--batch", "16", "--gpu", "H100",
                 "--json"]) == 0
    f = json.loads(capsys.readouterr().out)["fit"]
    assert f["reserve_fraction"] == 0.10 and f["largest_batch"] == 14  # the page's answer too
    assert _cli(["capacity", "--config", "Llama-3.1-8B", "--context", "32768", "--gpu", "H100"]) == 0
    out = capsys.readouterr().out
    assert t("planner.cli.reserve", used="10%", default="10%") in out
    assert t("planner.cli.largest_batch", context="32,768", n="14") in out


def test_cli_gpus_answers_how_many_h100s(capsys):
    argv = ["capacity", "--config", "Llama-3.1-70B", "--context", "32768", "--batch", "16", "--gpu", "H100"]
    assert _cli(argv) == 0
    out = capsys.readouterr().out
    assert t("planner.cli.weights_do_not_fit_one") in out
    assert t("planner.cli.smallest", context="32,768", batch=16, n=8, accelerator="H100 80 GB") in out
    assert _cli([*argv, "--gpus", "4", "--json"]) == 0
    f = json.loads(capsys.readouterr().out)["fit"]
    assert f["gpus"] == 4 and f["largest_batch"] == 15 and not f["fits"] and f["smallest_gpus"] == 8
    assert f["weights_per_device_bytes"] == 35_276_853_248 and f["kv_heads_per_device"] == 2
    assert _cli([*argv, "--gpus", "16"]) == 0
    out = capsys.readouterr().out
    assert "16 x H100 80 GB" in out and split_note(kv_sharding(resolve_config("Llama-3.1-70B"), 16)) in out


def test_cli_table_survives_a_missing_limit():
    f = fit(resolve_config("gpt2"), 2**34, context=16)
    no_limit = capacity_cli.format_fit(f.__class__(**{**f.__dict__, "largest_batch": None}), "X", "test", None)
    assert t("planner.cli.largest_batch", context="16", n=t("planner.cli.no_limit")) in no_limit


def test_python_m_kvviz_capacity(capsys):
    assert _cli(["capacity", "--config", "DeepSeek-V3", "--context", "4096", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bytes_per_token"] == 70_272 and data["total_bytes"] == 70_272 * 4096
    assert data["mla_reference"]["heads"] == 128
