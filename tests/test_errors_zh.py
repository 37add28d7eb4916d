"""Every message a person can meet is written by the text layer: a sample of refusals (an uploaded trace's bad
field, hostile JSON, a bad planner config, a bad CLI argument, a bad cache policy, a lab file) reads in
Chinese under zh and in English under en, from the same raised error; the trace and lab CLIs print
Chinese headers under --lang zh; no module that raises by key still raises an English literal."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from tiny_models import tiny_loaded

import kvviz
from kvviz import text
from kvviz.errors import Bytes, KvvizError, Phrase
from kvviz.text import catalog, t

ROOT = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u4e00-\u9fff]")
PROMPT = "Lionel Messi is a"


@pytest.fixture(autouse=True)
def _english_after(monkeypatch):
    monkeypatch.delenv("KVVIZ_LANG", raising=False)
    yield
    text.set_language("en")


def _both(err: KvvizError) -> tuple[str, str]:
    """The same error read by an English and a Chinese reader."""
    text.set_language("en")
    en = str(err)
    text.set_language("zh")
    zh = str(err)
    text.set_language("en")
    return en, zh


def _chinese(message: str, *kept: str) -> None:
    """Chinese sentences, no U+FFFD, none of the English sentence words; the facts in `kept` still there."""
    assert HAN.search(message), message
    assert "\ufffd" not in message
    assert not re.search(r"\b(Bad|must|Not a|got|expected|Could not|The)\b", message), message
    for fact in kept:
        assert fact in message, (fact, message)


@pytest.fixture(scope="module")
def real() -> dict:
    return json.loads(kvviz.trace(tiny_loaded("llama"), PROMPT, 2).to_json())


def test_an_uploaded_traces_bad_field_reads_in_chinese(real):
    data = copy.deepcopy(real)
    data["steps"][1]["top_k"][0]["prob"] = 5.0
    with pytest.raises(KvvizError) as e:
        kvviz.Trace.from_json(json.dumps(data))
    assert e.value.text_key == "errors.trace.num_range"
    assert e.value.text_fields["what"] == Phrase("errors.trace.what.probability")
    en, zh = _both(e.value)
    assert en == "Bad trace: trace.steps[1].top_k[0].prob: bad probability: must be a number from 0 to 1, got 5.0."
    _chinese(zh, "trace.steps[1].top_k[0].prob", "概率", "5.0")
    assert zh.startswith("运行记录有误：")


def test_hostile_json_and_a_cross_field_rule_read_in_chinese(real):
    with pytest.raises(KvvizError) as e:
        kvviz.Trace.from_json(json.dumps(real).replace('"time_ms": ', '"time_ms": NaN, "x": ', 1))
    en, zh = _both(e.value)
    assert en.startswith("Not a kvviz trace: the file holds NaN")
    _chinese(zh, "NaN", "运行记录")
    data = copy.deepcopy(real)
    data["steps"][1]["cache_bytes"] = 1
    with pytest.raises(KvvizError) as e:
        kvviz.Trace.from_dict(data)
    assert e.value.text_key == "errors.trace.cache_bytes"
    _chinese(_both(e.value)[1], "steps[1].cache_bytes", "字节")


def test_a_bad_planner_config_reads_in_the_readers_language():
    """Written when read, not when raised: the same error in both languages."""
    from kvviz.planner.configs import ConfigError, parse_config_text

    text.set_language("zh")  # raised under zh, read in English too
    with pytest.raises(ConfigError) as e:
        parse_config_text('{"num_hidden_layers": 1,', "config.json")
    assert e.value.key == "planner.error.not_json"
    en, zh = _both(e.value)
    assert en.startswith("config.json") and "JSON" in en and not HAN.search(en)
    _chinese(zh, "config.json", "JSON")


def test_a_bad_cli_argument_reads_in_chinese(capsys, monkeypatch):
    from kvviz.cli.main import main
    from kvviz.engine import models

    monkeypatch.setattr(models, "load_model", lambda *a, **k: pytest.fail("the model was loaded"))
    assert main(["trace", "--lang", "zh", "--prompt", "hi", "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and err.count("\n") == 1
    _chinese(err, "随机种子", "-1")
    assert main(["trace", "--lang", "zh", "--prompt", "hi", "--json", "/no/such/dir/t.json"]) == 2
    _chinese(capsys.readouterr().err, "/no/such/dir/t.json", "不存在")
    assert main(["trace", "--prompt", "hi", "--top-p", "0"]) == 2
    assert capsys.readouterr().err == "error: " + t("errors.sampling.top_p", "en", got=0.0) + "\n"


def test_policy_lab_file_and_attention_budget_read_in_chinese():
    from kvviz.cache.specs import policy_from_spec
    from kvviz.engine.caps import check_attention
    from kvviz.lab.data import LabRun

    with pytest.raises(KvvizError) as e:
        policy_from_spec("sinks:x")
    _chinese(_both(e.value)[1], "'sinks:x'", "缓存策略")
    with pytest.raises(KvvizError) as e:
        LabRun.from_json('{"schema": "kvviz.lab/0"}')
    _chinese(_both(e.value)[1], "'kvviz.lab/0'", "缓存实验室")
    info = tiny_loaded("llama").info
    with pytest.raises(KvvizError) as e:
        check_attention(info, 2, 100, 10, budget=1000)
    need = e.value.text_fields["need"]
    assert isinstance(need, Bytes) and need > 1000  # still the number
    en, zh = _both(e.value)
    assert "1,000 bytes" in en
    _chinese(zh, "1,000 字节")


def test_every_noun_a_rule_names_has_its_words():
    """Int/Num rules name what they count by id; each id has its words in both catalogs."""
    from kvviz import trace_read
    from kvviz.trace_rules import Int, Num

    seen: set[str] = set()

    def walk(rule) -> None:
        if isinstance(rule, (Int, Num)):
            seen.add(rule.what)
        for value in getattr(rule, "__dict__", {}).values():
            for r in (value.values() if isinstance(value, dict) else [value]):
                if hasattr(r, "check"):
                    walk(r)

    for table in (trace_read.TRACE_RULES, trace_read.MODEL_RULES, trace_read.STEP_RULES,
                  trace_read.LAYER_CACHE_RULES, trace_read.CANDIDATE_RULES, trace_read.SETTINGS_RULES,
                  trace_read.PROMPT_RULES):
        for rule in table.values():
            walk(rule)
    assert {"token_id", "flop_count", "probability", "seed", "count"} <= seen
    for lang in ("en", "zh"):
        assert all(f"errors.trace.what.{w}" in catalog(lang) for w in seen), sorted(seen)
    whats = re.findall(r'count\([^,()]+, "([a-z_]+)"', "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "kvviz/cache").glob("*.py")))
    assert {"heavy", "recent", "sinks", "held", "group", "residual"} == set(whats)
    assert all(f"errors.policy.what.{w}" in catalog("zh") for w in whats)


# Modules whose person-facing messages are raised by key: no English literal may come back.
KEYED = ["kvviz/json_strict.py", "kvviz/trace_read.py", "kvviz/trace_rules.py", "kvviz/trace_attention.py",
         "kvviz/lab/data.py", "kvviz/engine/sampling.py", "kvviz/engine/dims.py", "kvviz/engine/caps.py",
         "kvviz/engine/lab.py", "kvviz/rooms.py", "kvviz/cli/main.py", "kvviz/cli/lab.py", "kvviz/cache/specs.py",
         "kvviz/cache/window.py", "kvviz/cache/sinks.py", "kvviz/cache/evict.py", "kvviz/cache/quantized.py",
         "kvviz/planner/configs.py", "kvviz/planner/layout.py", "kvviz/planner/catalog.py",
         "kvviz/analysis/answers.py", "kvviz/engine/models.py", "kvviz/engine/sources.py", "kvviz/engine/tracer.py",
         "kvviz/engine/lab_quality.py"]
# a literal message; or a rule's failure whose key argument is an f-string or a sentence (has a space)
LITERAL = re.compile(r"""(?:KvvizError|_Refused)\(\s*f?["']|KvvizError\(t\(|fail\([^,\n]+,\s*(?:f["']|"[^"]* )""")


def test_keyed_modules_raise_no_english_literal():
    found = {p: LITERAL.findall((ROOT / p).read_text(encoding="utf-8")) for p in KEYED}
    assert not {p: f for p, f in found.items() if f}, found
    assert LITERAL.search('raise KvvizError(f"Bad {x}")') and LITERAL.search("raise KvvizError('Bad')")
    assert LITERAL.search('raise fail(where, f"must be {x}")') and LITERAL.search('fail(at, "a sentence.")')
    assert not LITERAL.search('raise fail(f"{at}.x", "cache_bytes", bytes=1)')


def test_every_error_key_raised_exists_in_both_languages():
    raised = set()
    for p in KEYED + ["kvviz/cache/h2o.py", "kvviz/analysis/floor.py"]:
        src = (ROOT / p).read_text(encoding="utf-8")
        raised |= set(re.findall(r'key="(errors\.[a-z0-9_.]+)"', src))
        raised |= {f"errors.trace.{k}" for k in re.findall(r'(?<![_a-z])fail\([^,]+, "([a-z0-9_]+)"', src)}
    raised |= {f"errors.lab_file.{k}" for k in re.findall(
        r'_fail\([^,]+, "([a-z0-9_]+)"', (ROOT / "kvviz/lab/data.py").read_text(encoding="utf-8"))}
    raised = {k for k in raised if not k.endswith(("_", "."))}  # built: key="errors.caps.attention_" + ...
    raised |= {"errors.caps.attention_one", "errors.caps.attention_many"}
    assert len(raised) > 80
    for lang in ("en", "zh"):
        assert not raised - set(catalog(lang)), sorted(raised - set(catalog(lang)))


def _tiny(monkeypatch):
    from kvviz.engine import models

    monkeypatch.setattr(models, "load_model", lambda *a, **k: tiny_loaded("llama"))


def test_trace_cli_prints_chinese_headers_under_lang_zh(capsys, monkeypatch):
    from kvviz.cli.main import main

    _tiny(monkeypatch)
    assert main(["trace", "--lang", "zh", "--prompt", PROMPT, "--max-new-tokens", "2"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if t("cli.trace.col.step", "zh") in line.split())
    for col in ("phase", "token", "fed", "shape", "cache_bytes", "ms", "other_ms"):
        assert t(f"cli.trace.col.{col}", "zh") in header, col
    assert "cache bytes" not in out and "step " not in out and "\ufffd" not in out
    assert "预填充" in out and "解码" in out  # the phase column's words
    assert "有缓存与重新计算是否一致：是" in out and "（FLOPs 来自成本模型）" in out
    rows = [line for line in out.splitlines() if line.split()[:1] in (["0"], ["1"])]
    assert len(rows) == 2 and "(1, 2, 7, 16)" in rows[0]  # numbers keep their format (tiny llama)
    assert main(["trace", "--prompt", PROMPT, "--max-new-tokens", "2"]) == 0
    assert "cache bytes" in capsys.readouterr().out  # English by default


def test_lab_cli_prints_chinese_headers_under_lang_zh(capsys, monkeypatch):
    from kvviz.cli.main import main

    _tiny(monkeypatch)
    assert main(["lab", "--lang", "zh", "--prompt", PROMPT, "--max-new-tokens", "2", "--policy", "full",
                 "--policy", "window:4"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert t("lab.mode.forced", "zh") in lines[0] and "提示词" in lines[0]
    for col in ("policy", "agreement", "kl", "peak", "first_diff", "text"):
        assert t(f"cli.lab.col.{col}", "zh") in lines[1], col
    assert lines[2].startswith("full ") and lines[3].startswith("window:4 ")
    assert "字节" in lines[2] and "\ufffd" not in out  # fmt_bytes in Chinese
