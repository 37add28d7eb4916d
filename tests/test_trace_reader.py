"""The strict trace reader: every measured hostile file is a KvvizError naming its field, real files read back."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
import tomllib
from tiny_models import tiny_loaded

import kvviz
from kvviz import trace_read
from kvviz.errors import KvvizError, Phrase
from kvviz.trace_data import Candidate, LayerCache, ModelInfo, Step, Trace
from kvviz.trace_rules import unruled

PROMPT = "Lionel Messi is a"  # 7 tokens


@pytest.fixture(scope="module")
def real() -> dict:
    """A real run's file as parsed JSON: tiny Llama, 4 steps, every layer's attention."""
    return json.loads(kvviz.trace(tiny_loaded("llama"), PROMPT, 4, attention_layers="all").to_json())


def _read(data) -> Trace:
    return Trace.from_json(data if isinstance(data, (str, bytes)) else json.dumps(data))


def _deep(n: int) -> str:
    return '{"schema": "kvviz.trace/2", "extra": ' + "[" * n + "]" * n + "}"


# (what the issue measured or a neighbour of it, how to make the file, the field the message names)
TEXT_CASES = [
    ("nested 1,000 deep", lambda d: _deep(1000), ("too_deep", {"limit": 32})),
    ("5,000-digit integer", lambda d: json.dumps(d).replace('"seed": 0', '"seed": ' + "9" * 5000),
     ("refused", {"detail": Phrase("errors.json.long_int", digits=5000)})),
    ("token_ids: [Infinity]", lambda d: json.dumps(d).replace('"token_ids": [', '"token_ids": [Infinity, '),
     ("refused", {"detail": Phrase("errors.json.constant", name="Infinity")})),
    ("NaN time", lambda d: json.dumps(d).replace('"time_ms": ', '"time_ms": NaN, "x": ', 1),
     ("refused", {"detail": Phrase("errors.json.constant", name="NaN")})),
    ("1e999", lambda d: json.dumps(d).replace('"time_ms": ', '"time_ms": 1e999, "x": ', 1),
     ("refused", {"detail": Phrase("errors.json.not_finite", text="1e999")})),
    ("duplicate key", lambda d: json.dumps(d).replace('"mode": "cached"', '"mode": "cached", "mode": "recompute"'),
     ("refused", {"detail": Phrase("errors.json.duplicate_key", key="mode")})),
    ("UTF-16", lambda d: json.dumps(d).encode("utf-16"), ("bom", {"encoding": "UTF-16"})),
    ("UTF-16 without BOM", lambda d: json.dumps(d).encode("utf-16-le"), ("nul", {})),
    ("UTF-32", lambda d: json.dumps(d).encode("utf-32"), ("bom", {"encoding": "UTF-32"})),
    ("escaped lone surrogate", lambda d: json.dumps(d).replace('"text": "', '"text": "\\ud800', 1),
     ("surrogate_in", {})),
    ("raw lone surrogate", lambda d: json.dumps(d, ensure_ascii=False).replace('"text": "', '"text": "\ud800', 1),
     ("surrogate", {})),
    ("CESU surrogate bytes", lambda d: json.dumps(d).encode().replace(b'"text": "', b'"text": "\xed\xa0\x80', 1),
     ("not_utf8", {})),
    ("too large", lambda d: b" " * (trace_read.MAX_TRACE_BYTES + 1),
     ("too_big", {"size": trace_read.MAX_TRACE_BYTES + 1, "limit": trace_read.MAX_TRACE_BYTES})),
    ("too many values", lambda d: "[" + "0," * 2_000_001 + "0]", ("too_many_values", {"limit": 2_000_000})),
]


@pytest.mark.parametrize("name, make, message", TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_hostile_json_is_a_clear_error(real, name, make, message):
    """Each refusal by its key (errors.json.<key>) and facts, naming the kind of file; words: kvviz.text."""
    key, facts = message
    with pytest.raises(KvvizError) as e:
        _read(make(real))
    assert e.value.text_key == f"errors.json.{key}"
    assert e.value.text_fields["what"] == Phrase("errors.file.trace")
    assert facts.items() <= e.value.text_fields.items()


def _set(path: str, value):
    """A mutation: put `value` at a dotted path ("steps.1.cache_layers.0.bytes")."""
    def apply(d):
        *parents, last = path.split(".")
        for p in parents:
            d = d[int(p)] if isinstance(d, list) else d[p]
        if isinstance(d, list):
            d[int(last)] = value
        else:
            d[last] = value
    return apply


# (mutation, the field path the message must name)
FIELD_CASES = [
    (_set("model.num_layers", 2**40), "model.num_layers"),
    (_set("model.num_attention_heads", 10**9), "model.num_attention_heads"),
    (_set("model.num_attention_heads", 4.0), "model.num_attention_heads"),
    (_set("model.vocab_size", True), "model.vocab_size"),
    (_set("model.layer_windows", 5), "model.layer_windows"),
    (_set("model.layer_windows", [None]), "model.layer_windows"),
    (_set("model.num_key_value_heads", 3), "model.num_key_value_heads"),
    (_set("model.dtype", "float8"), "model.dtype"),
    (_set("steps.1.flops", []), "steps[1].flops"),
    (_set("steps.1.flops.cached.mlp", "lots"), "steps[1].flops.cached.mlp"),
    (_set("steps.1.flops.magic", {}), "steps[1].flops"),
    (_set("steps.1.cache_layers.0.key_shape", None), "steps[1].cache_layers[0].key_shape"),
    (_set("steps.1.cache_layers.0.key_shape", [1, 2, -8, 16]), "steps[1].cache_layers[0].key_shape[2]"),
    (_set("steps.1.cache_layers.0.key_shape", [1, 2, "8", 16]), "steps[1].cache_layers[0].key_shape[2]"),
    (_set("steps.1.cache_layers.0.key_shape", [1, 2, 9, 16]), "steps[1].cache_layers[0].key_shape"),
    (_set("steps.1.cache_layers.0.value_shape", [1, 2, 7, 16]), "steps[1].cache_layers[0].key_shape"),
    (_set("steps.1.cache_layers.0.bytes", 1), "steps[1].cache_layers[0].bytes"),
    (_set("steps.1.cache_bytes", 1), "steps[1].cache_bytes"),
    (_set("steps.0.cache_bytes", -5), "steps[0].cache_bytes"),
    (_set("steps.1.cache_layers", []), "steps[1].cache_layers"),
    (_set("steps.1.token_id", -5), "steps[1].token_id"),
    (_set("steps.1.token_id", 2**63), "steps[1].token_id"),
    (_set("steps.1.token_id", 49152), "steps[1].token_id"),
    (_set("prompt.token_ids.0", 10**12), "prompt.token_ids[0]"),
    (_set("steps.1.top_k.0.prob", 5.0), "steps[1].top_k[0].prob"),
    (_set("steps.1.top_k.0.token_id", 99999), "steps[1].top_k[0].token_id"),
    (_set("steps.0.attention.0.shape", [4, 7, 8]), "steps[0].attention.0.shape"),
    (_set("steps.0.attention.0", [[1, 2], [3]]), "steps[0].attention.0"),
    (_set("steps.0.attention.7", {}), "steps[0].attention.7"),
    (_set("steps.0.attention.0.uint16", "!!!!"), "steps[0].attention.0.uint16"),
    (_set("steps.1.hidden_shape", [1, 2, 64]), "steps[1].hidden_shape"),
    (_set("steps.1.hidden_bytes", 7), "steps[1].hidden_bytes"),
    (_set("steps.1.input_length", 8), "steps[1].input_length"),
    (_set("steps.1.context_length", 99), "steps[1].context_length"),
    (_set("steps.1.time_ms", -1), "steps[1].time_ms"),
    (_set("steps.1.phase", "prefill"), "steps[1].index"),
    (_set("settings.max_new_tokens", 1), "steps"),
    (_set("settings.seed", -1), "settings.seed"),
    (_set("settings.attention_layers", [0, 5]), "settings.attention_layers"),
    (_set("finish_reason", "![x](https://example.com/pixel.png)"), "finish_reason"),
    (_set("mode", "magic"), "trace.mode"),
    (_set("model.name", "x" * 5000), "model.name"),
    (lambda d: d["steps"].reverse(), "steps[0].index"),
    (lambda d: d["model"].pop("vocab_size"), "model"),
    (lambda d: d["steps"][2].update(surprise=1), "steps[2]"),
]


@pytest.mark.parametrize("mutate, path", FIELD_CASES, ids=[c[1] + f"#{i}" for i, c in enumerate(FIELD_CASES)])
def test_impossible_fields_name_the_field(real, mutate, path):
    data = copy.deepcopy(real)
    mutate(data)
    with pytest.raises(KvvizError) as e:
        _read(data)
    assert e.value.text_key.startswith("errors.trace.")
    assert path in e.value.text_fields["path"], e.value.text_fields


def test_attention_probabilities_are_checked(real):
    data = copy.deepcopy(real)
    a = np.full((4, 7, 7), 0.9, dtype=np.float32)  # rows of 7 x 0.9: not a softmax
    data["steps"][0]["attention"]["0"] = {"shape": [4, 7, 7], "layout": "dense",
                                          "uint16": _b64(np.rint(a * 65535).astype("<u2"))}
    with pytest.raises(KvvizError) as e:
        _read(data)
    assert e.value.text_key == "errors.trace.attention_sum"
    assert e.value.text_fields["path"] == "steps[0].attention.0" and e.value.text_fields["sum"] > 1


def _b64(a: np.ndarray) -> str:
    import base64

    return base64.b64encode(a.tobytes()).decode()


def test_a_real_file_reads_back_exactly(real):
    text = json.dumps(real)
    tr = _read(text)
    assert tr.to_json() == text
    assert tr.steps[0].attention[0].shape == (4, 7, 7) and tr.steps[3].attention[1].shape == (4, 1, 10)
    rows = tr.steps[0].attention[0].sum(-1)  # each query row is a softmax
    assert np.allclose(rows, 1, atol=1e-3)


def test_version_1_files_still_read(real):
    """kvviz.trace/1 wrote attention as nested lists rounded to 5 decimals."""
    tr = _read(json.dumps(real))
    v1 = copy.deepcopy(real)
    v1["schema"] = "kvviz.trace/1"
    for s, sd in zip(tr.steps, v1["steps"]):
        sd["attention"] = {str(k): np.round(v.astype(np.float64), 5).tolist() for k, v in s.attention.items()}
    back = _read(v1)
    assert back.schema == kvviz.SCHEMA
    for s, b in zip(tr.steps, back.steps):
        for k in s.attention:
            assert np.abs(s.attention[k] - b.attention[k]).max() < 1e-5


def test_sliding_windows_and_recompute_read_back():
    for arch, use_cache in [("gemma3", True), ("mistral", True), ("gemma3", False)]:
        tr = kvviz.trace(tiny_loaded(arch), PROMPT, 3, attention_layers="all", use_cache=use_cache)
        text = tr.to_json()
        assert Trace.from_json(text).to_json() == text


def test_every_field_has_a_rule():
    """A new field in ModelInfo / LayerCache / Candidate / Step needs one row in kvviz.trace_read's tables."""
    for cls, table in trace_read.RECORD_TABLES.items():
        assert unruled(cls, table) == [], cls.__name__
    assert set(trace_read.RECORD_TABLES) == {ModelInfo, LayerCache, Candidate, Step}


def test_bytes_and_str_and_bom_read_the_same(real):
    text = json.dumps(real)
    a, b, c = _read(text), _read(text.encode()), _read(b"\xef\xbb\xbf" + text.encode())
    assert a.to_json() == b.to_json() == c.to_json() == text


# --------------------------------------------------------------------------- the largest file the app writes

# The app's caps (kvviz/ui/pages/learn.py: APP_MAX_CONTEXT, ATTENTION_ALL_LAYERS_MAX_TOKENS and the sidebar's
# "Max new tokens" maximum); when the engine holds them, read them from there.
from kvviz.engine.caps import APP_MAX_CONTEXT  # noqa: E402
from kvviz.engine.caps import ATTENTION_ALL_LAYERS_MAX_TOKENS as ALL_LAYERS_MAX_TOKENS  # noqa: E402

APP_MAX_NEW = 1024
PRESETS = {  # (layers, query heads, K/V heads, head_dim, hidden, vocab) from each model's config.json
    "SmolLM2-135M": (30, 9, 3, 64, 576, 49152),
    "gpt2": (12, 12, 12, 64, 768, 50257),
    "distilgpt2": (6, 12, 12, 64, 768, 50257),
    "Qwen2.5-0.5B": (24, 14, 2, 64, 896, 151936),
}


def _attention_chars(heads: int, layers: int, prompt: int, new: int) -> int:
    """Characters of every step's saved attention: the prefill's (heads, P, P) then a (heads, 1, context) row."""
    from kvviz.trace_attention import encoded_chars

    per_layer = encoded_chars((heads, prompt, prompt)) + sum(
        encoded_chars((heads, 1, prompt + i)) for i in range(1, new))
    return layers * per_layer


def _largest_attention(layers: int, heads: int) -> int:
    """Over every prompt/new-token split the app allows: all layers up to 256 tokens, else one layer."""
    from kvviz.trace_attention import encoded_chars

    rows = np.cumsum([0] + [encoded_chars((heads, 1, k)) for k in range(1, APP_MAX_CONTEXT + 1)])  # rows[k]: 1..k
    best = 0
    for total in (ALL_LAYERS_MAX_TOKENS, APP_MAX_CONTEXT):  # the size grows with the total: the caps are the worst
        recorded = layers if total <= ALL_LAYERS_MAX_TOKENS else 1
        for new in range(1, min(APP_MAX_NEW, total - 1) + 1):
            prompt = total - new  # prefill (heads, P, P), then rows of P + 1 .. total - 1 keys
            size = encoded_chars((heads, prompt, prompt)) + int(rows[total - 1] - rows[prompt])
            best = max(best, recorded * size)
    assert best >= _attention_chars(heads, 1, APP_MAX_CONTEXT - 1, 1)
    return best


def _widest_step(info: ModelInfo, token_text: str) -> str:
    """One step's JSON without attention, every number at its widest at the caps."""
    from kvviz.analysis import ledger

    ctx = APP_MAX_CONTEXT
    layer = LayerCache([1, info.num_key_value_heads, ctx, info.head_dim], [1, info.num_key_value_heads, ctx,
                       info.head_dim], 2 * ctx * info.num_key_value_heads * info.head_dim * 4)
    step = Step(index=ctx - 1, phase="decode", input_length=ctx, context_length=ctx, token_id=info.vocab_size - 1,
                token_text=token_text, top_k=[Candidate(info.vocab_size - 1, token_text, 0.123456)] * 5,
                cache_layers=[layer] * info.num_layers, cache_bytes=layer.bytes * info.num_layers,
                hidden_shape=[1, ctx, info.hidden_size], hidden_bytes=ctx * info.hidden_size * 4,
                time_ms=123456.789, other_time_ms=123456.789, max_abs_logit_diff=1.2345678901234567e-05,
                other_token_id=info.vocab_size - 1, flops=ledger.step_flops(info, "prefill", ctx))
    return json.dumps(Trace(info, "", [0], "cached", steps=[step]).to_dict()["steps"][0])


def _largest_file(info: ModelInfo, widest_token: str) -> int:
    prompt = APP_MAX_CONTEXT - 1  # prompt text, ids and token texts at their longest
    header = len(json.dumps(Trace(info, widest_token * prompt, [info.vocab_size - 1] * prompt, "cached",
                                  settings={"max_new_tokens": APP_MAX_NEW, "temperature": 0.05, "top_k": 1000,
                                            "top_p": 0.95, "seed": 2**31 - 1, "compare": True, "measure_flops": False,
                                            "attention_layers": list(range(info.num_layers))},
                                  finish_reason="max_new_tokens", prompt_tokens=[widest_token] * prompt).to_dict()))
    steps = APP_MAX_NEW * (len(_widest_step(info, widest_token)) + 2)
    return header + steps + _largest_attention(info.num_layers, info.num_attention_heads)


def test_largest_app_file_is_readable():
    """Every file the app can write at its caps fits under the reader's limit and Streamlit's upload limit."""
    from tiny_models import tokenizer

    tok = tokenizer()
    widest = max(tok.batch_decode([[i] for i in range(tok.vocab_size)]), key=lambda t: len(json.dumps(t)))
    widest = widest * 2  # an incrementally decoded token can carry a character left over from the one before
    sizes = {}
    for name, (layers, heads, kv, hd, hidden, vocab) in PRESETS.items():
        info = ModelInfo(name, "x", layers, heads, kv, hd, hidden, vocab, "float32", 4 * hidden, "gated", 32768,
                         [None] * layers)
        sizes[name] = _largest_file(info, widest)
    assert max(sizes.values()) <= trace_read.MAX_TRACE_BYTES, sizes
    assert sizes["SmolLM2-135M"] > 40e6  # the bound counts what it should: 2,047-token prompt, one layer's 9 heads
    # the measured case from the issue: 7-token prompt + 64 tokens, every layer: 5.38 MB as lists of numbers
    assert _attention_chars(9, 30, 7, 64) < 2.5e6
    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 >= trace_read.MAX_TRACE_BYTES


def test_dimensions_are_bounded():
    """What a page may build a list from is bounded (2**40 layers once built an unbounded list)."""
    assert trace_read.MAX_LAYERS * trace_read.MAX_HEADS <= 2**20
    assert math.log2(trace_read.TRACE_LIMITS.max_values) < 22
