"""The one strict reader of trace files: the API, the CLI and the app's upload all call `read_trace`.

A trace file is something one visitor hands another, so everything in it is checked before a
page draws it: the JSON itself (kvviz.json_strict: size, depth, finite numbers, short integers,
unique keys, UTF-8), every field's type and range (the tables below, one row per field), and
what a real run satisfies between fields (`_check_run`): shapes follow the model and the step's
context, bytes follow shapes and dtype, token ids fit the vocabulary, steps fit max_new_tokens,
attention fits heads and context. Dimensions are bounded, so no page builds an unbounded list
from a number in a file. Anything else is a KvvizError naming the field.

A new optional field in ModelInfo, LayerCache, Candidate or Step needs one row in its table
(tests/test_trace_reader.py fails until it has one).
"""

from __future__ import annotations

import math
from typing import Any

from kvviz import trace_attention
from kvviz.analysis.ledger import COMPONENTS
from kvviz.cache.rules import transformers_positions
from kvviz.errors import KvvizError, Phrase
from kvviz.json_strict import Limits, loads
from kvviz.trace_data import (
    DTYPE_BYTES,
    MODES,
    PHASES,
    SCHEMA,
    Candidate,
    LayerCache,
    ModelInfo,
    Step,
    Trace,
)
from kvviz.trace_rules import (
    AnyJson,
    Fields,
    Flag,
    Int,
    ListOf,
    MapOf,
    Maybe,
    Num,
    OneOf,
    Record,
    Rule,
    Text,
    fail,
)

READABLE_SCHEMAS = ("kvviz.trace/1", SCHEMA)  # version 1 wrote attention as nested lists
FINISH_REASONS = (None, "eos", "max_new_tokens", "context")

# Bounds on dimensions: well above any real model (Llama 3.1 405B: 126 layers, 128 heads, head_dim
# 128, hidden 16,384, vocabulary 128,256), far below what would exhaust a server's memory.
MAX_LAYERS = 1024
MAX_HEADS = 1024
MAX_HEAD_DIM = 4096
MAX_HIDDEN = 2**17
MAX_VOCAB = 2**22
MAX_POSITIONS = 2**27  # context lengths and sliding windows
MAX_BYTES = 10**18  # byte counts
MAX_FLOPS = 10**20 - 1  # the largest integer json_strict reads (20 digits)
MAX_TOKEN_TEXT = 4096  # characters of one token's text
MAX_TOKEN_BYTES = 1024  # bytes of one token (real vocabularies: under 256)
MAX_PROMPT_TEXT = 4_000_000  # characters
MAX_TOP_K = 1000  # candidates shown per step
MAX_SECONDS_MS = 1e9

# The file itself. 2 MiB of JSON values is ~100 MB of Python objects at most; attention is base64
# text, not values. MAX_TRACE_BYTES covers the largest file the app writes at its caps
# (tests/test_trace_reader.py::test_largest_app_file_is_readable computes it from the caps).
MAX_TRACE_BYTES = 96 * 2**20
MAX_TRACE_MB = MAX_TRACE_BYTES // 2**20  # for st.file_uploader(max_upload_size=...) and server.maxUploadSize
TRACE_LIMITS = Limits(max_bytes=MAX_TRACE_BYTES, max_depth=32, max_values=2_000_000, what="trace")

_token_id = Int(0, MAX_VOCAB - 1, "token_id")


class Hex(Rule):
    """Raw bytes as lowercase hex text ("e6a2"), at most max_bytes bytes; "" for none recorded."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes

    def check(self, value, path):
        ok = type(value) is str and len(value) <= 2 * self.max_bytes and len(value) % 2 == 0
        if not ok or value.strip("0123456789abcdef"):
            raise fail(path, "hex", limit=self.max_bytes, got=repr(str(value)[:40]))
        return value


_token_hex = Hex(MAX_TOKEN_BYTES)
_flops = MapOf(Text(64), Int(0, MAX_FLOPS, "flop_count"), 64)
_shape4 = ListOf(Int(0, MAX_POSITIONS, "dimension"), 4, 4)

MODEL_RULES = {
    "name": Text(4096),
    "architecture": Text(200),
    "num_layers": Int(1, MAX_LAYERS),
    "num_attention_heads": Int(1, MAX_HEADS),
    "num_key_value_heads": Int(1, MAX_HEADS),
    "head_dim": Int(1, MAX_HEAD_DIM),
    "hidden_size": Int(1, MAX_HIDDEN),
    "vocab_size": Int(1, MAX_VOCAB),
    "dtype": OneOf(tuple(DTYPE_BYTES)),
    "intermediate_size": Int(0, 2**20),
    "mlp_kind": OneOf(("gated", "plain")),
    "max_position_embeddings": Int(0, MAX_POSITIONS),
    "layer_windows": ListOf(Maybe(Int(1, MAX_POSITIONS, "sliding_window")), MAX_LAYERS),
    "tie_word_embeddings": Flag(),
    "num_parameters": Int(0, 10**15),
    "weight_bytes": Int(0, MAX_BYTES),
    "attn_implementation": Text(64),
    "dims_source": OneOf(("config", "modules")),
    "mlp_matrices": Int(0, 8),
    "bias_parameters": Int(0, 10**15),
    "config_mismatch": ListOf(Text(200), 200),
    "verified": Flag(),
    "verify_worst_rel": Maybe(Num(0.0, 1.0, "relative_difference")),
    "verify_failed": ListOf(Text(200), 500),
    "unverified": ListOf(Text(200), 100),
    "verify_ms": Num(0.0, 1e9, "milliseconds"),
}
_SPAN = ListOf(Int(0, MAX_POSITIONS, "position"), 2, 2)  # [start, stop)
LAYER_CACHE_RULES = {
    "key_shape": _shape4,  # [batch, kv_heads, positions, head_dim]
    "value_shape": _shape4,
    "bytes": Int(0, MAX_BYTES),
    "dtype": OneOf(tuple(DTYPE_BYTES)),
    "held": ListOf(ListOf(_SPAN, 1 << 16), MAX_HEADS),  # per K/V head: runs of original positions
}
CANDIDATE_RULES = {
    "token_id": _token_id,
    "token_text": Text(MAX_TOKEN_TEXT),
    "prob": Num(0.0, 1.0, "probability"),
    "token_bytes": _token_hex,
}
STEP_RULES = {
    "index": Int(0, MAX_POSITIONS),
    "phase": OneOf(PHASES),
    "input_length": Int(1, MAX_POSITIONS),
    "context_length": Int(1, MAX_POSITIONS),
    "token_id": _token_id,
    "token_text": Text(MAX_TOKEN_TEXT),
    "top_k": ListOf(Record(Candidate, CANDIDATE_RULES), MAX_TOP_K),
    "token_bytes": _token_hex,
    "cache_layers": ListOf(Record(LayerCache, LAYER_CACHE_RULES), MAX_LAYERS),
    "cache_bytes": Int(0, MAX_BYTES),
    "hidden_shape": ListOf(Int(1, MAX_POSITIONS, "dimension"), 3),  # [] or [batch, positions, hidden]
    "hidden_bytes": Int(0, MAX_BYTES),
    "time_ms": Num(0.0, MAX_SECONDS_MS, "time"),
    "other_time_ms": Maybe(Num(0.0, MAX_SECONDS_MS, "time")),
    "max_abs_logit_diff": Maybe(Num(0.0, 1e30)),
    "other_token_id": Maybe(_token_id),
    "attention": MapOf(Text(8), AnyJson(), MAX_LAYERS),  # decoded in _check_attention, once shapes are known
    "flops": MapOf(OneOf(MODES), _flops, len(MODES)),
    "measured_flops": Maybe(_flops),
    "extra": MapOf(Text(200), AnyJson(), 1000),
}
SETTINGS_RULES = {  # what the tracer writes; other keys are kept as free-form JSON
    "max_new_tokens": Int(1, MAX_POSITIONS),
    "temperature": Num(0.0, 1e6, "temperature"),
    "top_k": Int(0, MAX_VOCAB),
    "top_p": Num(0.0, 1.0, "top_p"),
    "seed": Int(0, 2**64 - 1, "seed"),
    "compare": Flag(),
    "measure_flops": Flag(),
    "attention_layers": ListOf(Int(0, MAX_LAYERS - 1, "layer"), MAX_LAYERS),
}
PROMPT_RULES = {
    "text": Text(MAX_PROMPT_TEXT),
    "token_ids": ListOf(_token_id, MAX_POSITIONS, 1),
    "tokens": ListOf(Text(MAX_TOKEN_TEXT), MAX_POSITIONS),
    "token_bytes": ListOf(_token_hex, MAX_POSITIONS),
}
TRACE_RULES = {
    "schema": OneOf(READABLE_SCHEMAS),
    "model": Record(ModelInfo, MODEL_RULES),
    "prompt": Fields(PROMPT_RULES, required=("text", "token_ids")),
    "mode": OneOf(MODES),
    "settings": Fields(SETTINGS_RULES, others=AnyJson()),
    "finish_reason": OneOf(FINISH_REASONS),
    "steps": ListOf(Record(Step, STEP_RULES), MAX_POSITIONS),
}
FLOP_KEYS = (*COMPONENTS, "total", "scores_needed", "attn_v_needed", "total_needed")  # what the pages read
RECORD_TABLES = {ModelInfo: MODEL_RULES, LayerCache: LAYER_CACHE_RULES, Candidate: CANDIDATE_RULES, Step: STEP_RULES}


def read_trace(data: str | bytes) -> Trace:
    """A trace file's text or bytes -> a checked Trace, or KvvizError naming what is wrong."""
    return trace_from_dict(loads(data, TRACE_LIMITS))


def trace_from_dict(data: Any) -> Trace:
    """Parsed JSON -> a checked Trace (see the module's docstring for what is checked)."""
    if not isinstance(data, dict):
        raise KvvizError(key="errors.trace.not_object")
    if data.get("schema") not in READABLE_SCHEMAS:
        raise KvvizError(key="errors.trace.schema", got=repr(str(data.get("schema"))[:60]), expected=repr(SCHEMA))
    d = Fields(TRACE_RULES, required=("schema", "model", "prompt", "mode", "steps")).check(data, "trace")
    prompt = d["prompt"]
    trace = Trace(
        model=d["model"],
        prompt_text=prompt["text"],
        prompt_token_ids=prompt["token_ids"],
        mode=d["mode"],
        settings=d.get("settings", {}),
        steps=d["steps"],
        finish_reason=d.get("finish_reason"),
        prompt_tokens=prompt.get("tokens", []),
        prompt_token_bytes=prompt.get("token_bytes", []),
    )
    _check_run(trace)
    return trace


def _check_run(trace: Trace) -> None:
    """What a real run satisfies across fields."""
    m = trace.model
    if m.num_attention_heads % m.num_key_value_heads:
        raise fail("model.num_key_value_heads", "uneven_heads", heads=m.num_attention_heads,
                   kv_heads=m.num_key_value_heads)
    if m.layer_windows and len(m.layer_windows) != m.num_layers:
        raise fail("model.layer_windows", "windows_per_layer", layers=m.num_layers, got=len(m.layer_windows))
    ids = trace.prompt_token_ids
    if max(ids) >= m.vocab_size:
        j = next(j for j, t in enumerate(ids) if t >= m.vocab_size)
        _in_vocab(ids[j], m, f"prompt.token_ids[{j}]")
    if trace.prompt_tokens and len(trace.prompt_tokens) != len(ids):
        raise fail("prompt.tokens", "text_per_token", tokens=len(ids), got=len(trace.prompt_tokens))
    if trace.prompt_token_bytes and len(trace.prompt_token_bytes) != len(ids):
        raise fail("prompt.token_bytes", "hex_per_token", tokens=len(ids), got=len(trace.prompt_token_bytes))
    limit = trace.settings.get("max_new_tokens")
    if limit is not None and len(trace.steps) > limit:
        raise fail("steps", "too_many_steps", steps=len(trace.steps), limit=limit)
    if trace.finish_reason == "max_new_tokens" and limit is not None and len(trace.steps) != limit:
        raise fail("finish_reason", "finish_steps", limit=limit, steps=len(trace.steps))
    if trace.finish_reason is not None and not trace.steps:
        raise fail("finish_reason", "finish_no_steps")
    for layer in trace.settings.get("attention_layers", []):
        if layer >= m.num_layers:
            raise fail("settings.attention_layers", "no_layer", layer=layer, layers=m.num_layers)
    for i, step in enumerate(trace.steps):
        _check_step(trace, i, step)


def _in_vocab(token_id: int, m: ModelInfo, where: str) -> None:
    if token_id >= m.vocab_size:
        raise fail(where, "outside_vocab", token_id=token_id, vocab=m.vocab_size)


def _check_step(trace: Trace, i: int, s: Step) -> None:
    m, at = trace.model, f"steps[{i}]"
    if s.index != i or s.phase != ("prefill" if i == 0 else "decode"):
        raise fail(f"{at}.index", "out_of_order", step=i, index=s.index, phase=repr(s.phase))
    context = len(trace.prompt_token_ids) + i
    if s.context_length != context:
        raise fail(f"{at}.context_length", "context_length", prompt=len(trace.prompt_token_ids), generated=i,
                   context=context, got=s.context_length)
    if m.max_position_embeddings and context > m.max_position_embeddings:
        raise fail(f"{at}.context_length", "over_context", context=context, limit=m.max_position_embeddings)
    fed = context if (i == 0 or trace.mode == "recompute") else 1
    if s.input_length != fed:
        raise fail(f"{at}.input_length", "input_length", mode=Phrase(f"mode.{trace.mode}"),
                   phase=Phrase(f"errors.trace.phase.{s.phase}"), fed=fed, got=s.input_length)
    _in_vocab(s.token_id, m, f"{at}.token_id")
    if s.other_token_id is not None:
        _in_vocab(s.other_token_id, m, f"{at}.other_token_id")
    for j, c in enumerate(s.top_k):
        _in_vocab(c.token_id, m, f"{at}.top_k[{j}].token_id")
    if math.fsum(c.prob for c in s.top_k) > 1 + 1e-3:
        raise fail(f"{at}.top_k", "top_k_sum")
    if s.hidden_shape:
        if s.hidden_shape != [1, fed, m.hidden_size]:
            raise fail(f"{at}.hidden_shape", "hidden_shape", fed=fed, hidden=m.hidden_size, got=str(s.hidden_shape))
        if s.hidden_bytes != fed * m.hidden_size * DTYPE_BYTES[m.dtype]:
            raise fail(f"{at}.hidden_bytes", "hidden_bytes", bytes=s.hidden_bytes, shape=str(s.hidden_shape),
                       dtype=m.dtype)
    elif s.hidden_bytes:
        raise fail(f"{at}.hidden_bytes", "hidden_bytes_alone")
    _check_flops(at, s)
    _check_cache(trace, at, s)
    _check_attention(trace, i, at, s)


def _check_flops(at: str, s: Step) -> None:
    """The cost model's counts (kvviz.analysis.ledger.step_flops): both modes, every component, a true total."""
    if not s.flops:
        return
    if set(s.flops) != set(MODES):
        raise fail(f"{at}.flops", "flops_modes", modes=str(list(MODES)))
    for mode, counts in s.flops.items():
        missing = [k for k in FLOP_KEYS if k not in counts]
        if missing:
            raise fail(f"{at}.flops.{mode}", "flops_missing", names=str(missing))
        if counts["total"] != sum(counts[c] for c in COMPONENTS):
            raise fail(f"{at}.flops.{mode}.total", "flops_total")


def _check_cache(trace: Trace, at: str, s: Step) -> None:
    m = trace.model
    expected_layers = m.num_layers if trace.mode == "cached" else 0
    if len(s.cache_layers) != expected_layers:
        raise fail(f"{at}.cache_layers", "cache_layers", got=len(s.cache_layers), layers=m.num_layers,
                   mode=Phrase(f"mode.{trace.mode}"), expected=expected_layers)
    windows = m.layer_windows or [None] * m.num_layers
    policy = str(trace.settings.get("cache_policy", "full"))
    for j, (c, w) in enumerate(zip(s.cache_layers, windows)):
        # the default cache's rule; a policy that evicts holds at most as many (its spans say which)
        default = transformers_positions(w, s.context_length)
        held = c.key_shape[2] if policy != "full" and len(c.key_shape) == 4 and c.key_shape[2] <= default else default
        shape = [1, m.num_key_value_heads, held, m.head_dim]
        if c.key_shape != shape or c.value_shape != shape:
            raise fail(f"{at}.cache_layers[{j}].key_shape", "cache_shape", shape=str(shape), k=str(c.key_shape),
                       v=str(c.value_shape))
        _check_held(f"{at}.cache_layers[{j}]", c, s.context_length)
        size = 2 * math.prod(shape) * DTYPE_BYTES[c.dtype]
        if c.bytes != size:
            raise fail(f"{at}.cache_layers[{j}].bytes", "layer_bytes", dtype=c.dtype, bytes=size, got=c.bytes)
    total = sum(c.bytes for c in s.cache_layers)
    if s.cache_bytes != total:
        raise fail(f"{at}.cache_bytes", "cache_bytes", bytes=total, got=s.cache_bytes)


def _check_held(at: str, c, context: int) -> None:
    """Held spans (when recorded): ascending runs inside the context, as many positions per head as the shape."""
    if not c.held:
        return
    if len(c.held) != c.key_shape[1]:
        raise fail(f"{at}.held", "held_heads", got=len(c.held), heads=c.key_shape[1])
    for h, runs in enumerate(c.held):
        last, count = -1, 0
        for start, stop in runs:
            if not last <= start < stop <= context:
                raise fail(f"{at}.held[{h}]", "held_spans", context=context)
            last, count = stop, count + stop - start
        if count != c.key_shape[2]:
            raise fail(f"{at}.held[{h}]", "held_count", got=count, shape=c.key_shape[2])


def _check_attention(trace: Trace, i: int, at: str, s: Step) -> None:
    m = trace.model
    windows = m.layer_windows or [None] * m.num_layers
    decoded = {}
    for key, data in s.attention.items():
        where = f"{at}.attention.{key}"
        if not key.isdigit() or str(int(key)) != key or int(key) >= m.num_layers:
            raise fail(where, "attention_layer", name=repr(key[:40]), last=m.num_layers - 1)
        layer = int(key)
        q = s.context_length if i == 0 else 1  # the prefill's square, then the new token's row
        k = s.context_length
        if trace.mode == "cached" and i > 0 and windows[layer] is not None and windows[layer] > 1:
            k = transformers_positions(windows[layer], s.context_length - 1) + 1  # held keys + the new one
        decoded[layer] = trace_attention.decode(data, (m.num_attention_heads, q, k), where)
    s.attention = decoded
