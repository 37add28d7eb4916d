"""A cache-lab run as plain data, and its one strict JSON reader (schema kvviz.lab/1).

Shared by the lab runner, the CLI, the page and saved files. A file may come from anyone: every
field is checked (types, ranges, finite numbers, sizes, nesting) before anything draws it, and
each problem is a KvvizError that names the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from kvviz.errors import KvvizError
from kvviz.trace_data import ModelInfo

SCHEMA = "kvviz.lab/1"
MODES = ("forced", "free")
MAX_JSON_BYTES = 64 * 2**20
MAX_POLICIES = 8
MAX_STEPS = 4096
MAX_LAYERS = 512
MAX_HEADS = 256
MAX_CONTEXT = 1 << 20
MAX_TEXT = 100_000


@dataclass
class LabStep:
    """One step of one policy: what it predicted, what was fed, what it holds after the step."""

    token_id: int  # the policy's own top-1 next token
    fed_token_id: int  # what is fed next (forced: the full cache's greedy token; free: token_id)
    cache_bytes: int  # true bytes held after the step (scales and zero points included)
    # Per layer the original positions held after the step; per-head policies: per layer, per K/V head.
    kept_positions: list
    kl: float | None  # KL(full || policy) of the next-token distribution, nats (forced mode)
    agree: bool | None  # token_id equals the full cache's top-1 (forced mode)
    time_ms: float = 0.0  # the policy's forward pass (+ its trim), wall clock
    quantized: list[int] | None = None  # quantizing policies: per layer, positions 0 .. n - 1 held quantized
    token_text: str = ""  # token_id decoded


@dataclass
class LabPolicy:
    spec: str
    steps: list[LabStep] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)  # mean_kl, agreement, peak_cache_bytes, first_divergence


@dataclass
class LabRun:
    model: ModelInfo
    prompt_text: str
    prompt_token_ids: list[int]
    mode: str
    policies: list[LabPolicy]
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "model": asdict(self.model),
            "prompt": {"text": self.prompt_text, "token_ids": list(self.prompt_token_ids)},
            "mode": self.mode,
            "policies": [
                {"spec": p.spec, "steps": [asdict(s) for s in p.steps], "summary": dict(p.summary)}
                for p in self.policies
            ],
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> LabRun:
        if len(text) > MAX_JSON_BYTES:
            raise KvvizError(key="errors.lab_file.too_big", mb=MAX_JSON_BYTES // 2**20)
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
            raise KvvizError(key="errors.lab_file.not_json", reason=str(e)[:80]) from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> LabRun:
        return _read_run(data)


# ---------------------------------------------------------------------------- the strict reader


def _fail(where: str, key: str, **fields):
    """A bad field: errors.lab_file.<key> in kvviz.text, naming the field's path."""
    raise KvvizError(key=f"errors.lab_file.{key}", path=where, **fields)


def _object(data: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    if not isinstance(data, dict):
        _fail(where, "not_object")
    missing = [k for k in required if k not in data]
    if missing:
        _fail(f"{where}.{missing[0]}", "missing")
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        _fail(f"{where}.{unknown[0][:40]}", "unknown")
    return data


def _int(value: Any, where: str, low: int = 0, high: int = 2**62) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        _fail(where, "int", low=low, high=high, got=repr(str(value)[:40]))
    return value


def _number(value: Any, where: str, low: float = 0.0, high: float = 1e300) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        _fail(where, "finite", got=repr(str(value)[:40]))
    if not low <= value <= high:
        _fail(where, "range", low=low, high=high, got=repr(value))
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        _fail(where, "text", limit=MAX_TEXT)
    return value


def _list(value: Any, where: str, most: int) -> list:
    if not isinstance(value, list) or len(value) > most:
        _fail(where, "list", limit=most)
    return value


def _positions(value: Any, where: str, context: int) -> list[int]:
    out = [_int(p, f"{where}[{i}]", 0, context - 1) for i, p in enumerate(_list(value, where, context))]
    if any(a >= b for a, b in zip(out, out[1:])):
        _fail(where, "ascending")
    return out


def _read_model(data: Any) -> ModelInfo:
    names = tuple(ModelInfo.__dataclass_fields__)
    d = _object(data, "model", ("name", "architecture", "num_layers", "num_attention_heads", "num_key_value_heads",
                                 "head_dim", "hidden_size", "vocab_size", "dtype"), names)
    m = ModelInfo(**d)
    for k in ("name", "architecture", "dtype", "mlp_kind", "attn_implementation"):
        _text(getattr(m, k), f"model.{k}")
    _int(m.num_layers, "model.num_layers", 1, MAX_LAYERS)
    _int(m.num_key_value_heads, "model.num_key_value_heads", 1, MAX_HEADS)
    _int(m.num_attention_heads, "model.num_attention_heads", 1, 16 * MAX_HEADS)
    for k in ("head_dim", "hidden_size", "vocab_size"):
        _int(getattr(m, k), f"model.{k}", 1, 1 << 24)
    for k in ("intermediate_size", "max_position_embeddings", "num_parameters", "weight_bytes"):
        _int(getattr(m, k), f"model.{k}")
    if not isinstance(m.tie_word_embeddings, bool):
        _fail("model.tie_word_embeddings", "flag")
    for i, w in enumerate(_list(m.layer_windows, "model.layer_windows", m.num_layers)):
        if w is not None:
            _int(w, f"model.layer_windows[{i}]", 1)
    return m


def _read_step(data: Any, where: str, model: ModelInfo, context: int, forced: bool) -> LabStep:
    d = _object(data, where, ("token_id", "fed_token_id", "cache_bytes", "kept_positions", "kl", "agree"),
                ("time_ms", "quantized", "token_text"))
    vocab = model.vocab_size - 1
    s = LabStep(**d)
    _int(s.token_id, f"{where}.token_id", 0, vocab)
    _int(s.fed_token_id, f"{where}.fed_token_id", 0, vocab)
    _int(s.cache_bytes, f"{where}.cache_bytes")
    _number(s.time_ms, f"{where}.time_ms", 0, 1e9)
    _text(s.token_text, f"{where}.token_text")
    layers = _list(s.kept_positions, f"{where}.kept_positions", model.num_layers)
    if len(layers) != model.num_layers:
        _fail(f"{where}.kept_positions", "per_layer", layers=model.num_layers)
    for i, layer in enumerate(layers):
        w = f"{where}.kept_positions[{i}]"
        if isinstance(layer, list) and layer and isinstance(layer[0], list):  # per K/V head
            if len(_list(layer, w, model.num_key_value_heads)) != model.num_key_value_heads:
                _fail(w, "per_head", heads=model.num_key_value_heads)
            for h, head in enumerate(layer):
                _positions(head, f"{w}[{h}]", context)
        else:
            _positions(layer, w, context)
    if s.quantized is not None:
        q = _list(s.quantized, f"{where}.quantized", model.num_layers)
        for i, n in enumerate(q):
            _int(n, f"{where}.quantized[{i}]", 0, context)
    if forced:
        s.kl = _number(s.kl, f"{where}.kl", 0, 1e6)
        if not isinstance(s.agree, bool):
            _fail(f"{where}.agree", "agree_forced")
    elif s.kl is not None or s.agree is not None:
        _fail(f"{where}.kl", "kl_free")
    return s


def _read_summary(data: Any, where: str, forced: bool, steps: int) -> dict[str, Any]:
    d = _object(data, where, ("mean_kl", "agreement", "peak_cache_bytes"), ("first_divergence",))
    if forced or d["mean_kl"] is not None:
        _number(d["mean_kl"], f"{where}.mean_kl", 0, 1e6)
    if forced or d["agreement"] is not None:
        _number(d["agreement"], f"{where}.agreement", 0, 1)
    _int(d["peak_cache_bytes"], f"{where}.peak_cache_bytes")
    if d.get("first_divergence") is not None:
        _int(d["first_divergence"], f"{where}.first_divergence", 0, max(0, steps - 1))
    return dict(d)


def _read_run(data: Any) -> LabRun:
    if not isinstance(data, dict):
        raise KvvizError(key="errors.lab_file.top_level")
    if data.get("schema") != SCHEMA:
        raise KvvizError(key="errors.lab_file.schema", got=repr(str(data.get("schema"))[:40]), expected=repr(SCHEMA))
    _object(data, "file", ("schema", "model", "prompt", "mode", "policies"))
    model = _read_model(data["model"])
    prompt = _object(data["prompt"], "prompt", ("text", "token_ids"))
    text = _text(prompt["text"], "prompt.text")
    ids = [_int(t, f"prompt.token_ids[{i}]", 0, model.vocab_size - 1)
           for i, t in enumerate(_list(prompt["token_ids"], "prompt.token_ids", MAX_CONTEXT))]
    if not ids:
        _fail("prompt.token_ids", "empty")
    mode = data["mode"]
    if mode not in MODES:
        _fail("mode", "one_of", choices=", ".join(MODES), got=repr(str(mode)[:20]))
    forced = mode == "forced"
    policies = []
    raw = _list(data["policies"], "policies", MAX_POLICIES)
    if not raw:
        _fail("policies", "empty")
    lengths = set()
    for p, pd in enumerate(raw):
        where = f"policies[{p}]"
        pd = _object(pd, where, ("spec", "steps", "summary"))
        spec = _text(pd["spec"], f"{where}.spec")
        if not spec or len(spec) > 40:
            _fail(f"{where}.spec", "spec")
        rows = _list(pd["steps"], f"{where}.steps", MAX_STEPS)
        if len(ids) + len(rows) > MAX_CONTEXT:
            _fail(f"{where}.steps", "too_long")
        steps = [_read_step(s, f"{where}.steps[{i}]", model, len(ids) + i, forced) for i, s in enumerate(rows)]
        lengths.add(len(steps))
        policies.append(LabPolicy(spec, steps, _read_summary(pd["summary"], f"{where}.summary", forced, len(steps))))
    if len(lengths) > 1:
        _fail("policies", "same_steps")
    return LabRun(model, text, ids, mode, policies)
