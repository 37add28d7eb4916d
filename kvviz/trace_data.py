"""Trace and Step: plain data shared by the tracer, the ledger, the charts, the app,
the command line and saved JSON files. No torch here; everything is lists and numbers."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kvviz.errors import KvvizError

SCHEMA = "kvviz.trace/1"
MODES = ("cached", "recompute")
PHASES = ("prefill", "decode")


@dataclass
class ModelInfo:
    """What the cost model and the charts need to know about the model, read from its config."""

    name: str
    architecture: str
    num_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    hidden_size: int
    vocab_size: int
    dtype: str
    intermediate_size: int = 0
    mlp_kind: str = "gated"  # "gated" (gate, up, down) or "plain" (fc, proj)
    max_position_embeddings: int = 0
    # Per layer: None for full attention, else the sliding window in positions.
    layer_windows: list[int | None] = field(default_factory=list)
    tie_word_embeddings: bool = False
    num_parameters: int = 0
    weight_bytes: int = 0
    attn_implementation: str = ""

    @property
    def dtype_bytes(self) -> int:
        return {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}.get(self.dtype, 4)


@dataclass
class LayerCache:
    """One layer's cache after a step, read off the real cache object."""

    key_shape: list[int]  # [batch, kv_heads, seq, head_dim]
    value_shape: list[int]
    bytes: int  # true bytes held, as the cache policy reports them (keys + values, + scales if quantized)
    dtype: str = "float32"
    # Per K/V head, [start, stop) runs of the original positions held (kvviz.cache); [] in older files.
    held: list[list[list[int]]] = field(default_factory=list)


@dataclass
class Candidate:
    token_id: int
    token_text: str
    prob: float


@dataclass
class Step:
    index: int
    phase: str  # "prefill" or "decode"
    input_length: int  # tokens fed to the forward pass in this step
    context_length: int  # tokens in the sequence the step attends over (prompt + generated so far)
    token_id: int
    token_text: str
    top_k: list[Candidate] = field(default_factory=list)
    cache_layers: list[LayerCache] = field(default_factory=list)
    cache_bytes: int = 0
    hidden_shape: list[int] = field(default_factory=list)  # [batch, seq, hidden] into each block
    hidden_bytes: int = 0
    time_ms: float = 0.0
    # Filled when the other mode ran alongside (compare=True).
    other_time_ms: float | None = None
    max_abs_logit_diff: float | None = None
    other_token_id: int | None = None
    # layer index (as str in JSON) -> float32 array (heads, query rows, key positions); lists in JSON
    attention: dict[int, np.ndarray] = field(default_factory=dict)
    # Filled by the ledger: {"cached": {component: flops, "total": n}, "recompute": {...}}
    flops: dict[str, dict[str, int]] = field(default_factory=dict)
    measured_flops: dict[str, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Trace:
    model: ModelInfo
    prompt_text: str
    prompt_token_ids: list[int]
    mode: str  # "cached" or "recompute"
    settings: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    finish_reason: str | None = None  # "eos", "max_new_tokens", "context" or None while running
    prompt_tokens: list[str] = field(default_factory=list)  # each prompt token's text, for labels
    schema: str = SCHEMA

    @property
    def token_texts(self) -> list[str]:
        """Text of every position: the prompt's tokens, then each generated token."""
        prompt = self.prompt_tokens or [f"#{t}" for t in self.prompt_token_ids]
        return prompt + [s.token_text for s in self.steps]

    @property
    def generated_ids(self) -> list[int]:
        return [s.token_id for s in self.steps]

    @property
    def generated_text(self) -> str:
        return "".join(s.token_text for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "schema": self.schema,
            "model": asdict(self.model),
            "prompt": {"text": self.prompt_text, "token_ids": list(self.prompt_token_ids), "tokens": list(self.prompt_tokens)},
            "mode": self.mode,
            "settings": self.settings,
            "finish_reason": self.finish_reason,
            "steps": [],
        }
        for s in self.steps:
            sd = asdict(s)
            sd["attention"] = {str(k): np.round(np.asarray(v, dtype=np.float64), 5).tolist() for k, v in s.attention.items()}
            d["steps"].append(sd)
        return d

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Trace":
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise KvvizError(f"Not a kvviz trace: the file is not valid JSON ({e}).") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> "Trace":
        if not isinstance(data, dict):
            raise KvvizError("Not a kvviz trace: expected a JSON object at the top level.")
        schema = data.get("schema")
        if schema != SCHEMA:
            raise KvvizError(
                f"Not a kvviz trace: schema is {schema!r}, expected {SCHEMA!r}."
            )
        try:
            model = _build(ModelInfo, data["model"], "model")
            prompt = data["prompt"]
            mode = data["mode"]
            if mode not in MODES:
                raise KvvizError(f"Bad trace: mode must be one of {MODES}, got {mode!r}.")
            steps = []
            for i, sd in enumerate(data["steps"]):
                if not isinstance(sd, dict):
                    raise KvvizError(f"Bad trace: step {i} is not an object.")
                sd = dict(sd)
                sd["top_k"] = [_build(Candidate, c, f"step {i} top_k") for c in sd.get("top_k", [])]
                sd["cache_layers"] = [
                    _build(LayerCache, c, f"step {i} cache_layers") for c in sd.get("cache_layers", [])
                ]
                sd["attention"] = {
                    int(k): np.asarray(v, dtype=np.float32) for k, v in (sd.get("attention") or {}).items()
                }
                step = _build(Step, sd, f"step {i}")
                if step.phase not in PHASES:
                    raise KvvizError(f"Bad trace: step {i} has phase {step.phase!r}.")
                steps.append(step)
            trace = cls(
                model=model,
                prompt_text=str(prompt["text"]),
                prompt_token_ids=[int(t) for t in prompt["token_ids"]],
                mode=mode,
                settings=dict(data.get("settings") or {}),
                steps=steps,
                finish_reason=data.get("finish_reason"),
                prompt_tokens=[str(t) for t in prompt.get("tokens", [])],
            )
        except KvvizError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise KvvizError(f"Bad trace: a required field is missing or malformed ({e!s}).") from None
        _check_numbers(trace)
        return trace


def _build(cls, data: Any, where: str):
    """Construct a dataclass from a dict, naming unknown or missing fields clearly."""
    if not isinstance(data, dict):
        raise KvvizError(f"Bad trace: {where} is not an object.")
    names = set(cls.__dataclass_fields__)
    unknown = set(data) - names
    if unknown:
        raise KvvizError(f"Bad trace: {where} has unknown fields {sorted(unknown)}.")
    try:
        return cls(**data)
    except TypeError as e:
        raise KvvizError(f"Bad trace: {where} is missing fields ({e}).") from None


def _positive(value, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise KvvizError(f"Bad trace: {what} must be a positive whole number, got {value!r}.")


def _check_numbers(trace: Trace) -> None:
    """Reject files whose numbers could not have come from a run (a hand-edited or foreign file)."""
    m = trace.model
    for name in ("num_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_size", "vocab_size"):
        _positive(getattr(m, name), f"model.{name}")
    if m.num_attention_heads % m.num_key_value_heads:
        raise KvvizError("Bad trace: the query heads are not a multiple of the K/V heads.")
    if m.layer_windows and len(m.layer_windows) != m.num_layers:
        raise KvvizError("Bad trace: model.layer_windows must have one entry per layer.")
    for w in m.layer_windows:
        if w is not None:
            _positive(w, "a sliding window")
    if not trace.prompt_token_ids:
        raise KvvizError("Bad trace: the prompt has no tokens.")
    for i, s in enumerate(trace.steps):
        if s.index != i or s.phase != ("prefill" if i == 0 else "decode"):
            raise KvvizError(f"Bad trace: step {i} is out of order.")
        if s.context_length != len(trace.prompt_token_ids) + i:
            raise KvvizError(f"Bad trace: step {i}'s context length does not follow from the prompt.")
        if s.cache_layers and len(s.cache_layers) != m.num_layers:
            raise KvvizError(f"Bad trace: step {i} has {len(s.cache_layers)} cache layers for {m.num_layers} layers.")
        for layer, a in s.attention.items():
            if not 0 <= layer < m.num_layers or np.asarray(a).ndim != 3:
                raise KvvizError(f"Bad trace: step {i} has malformed attention weights.")
        for mode in s.flops.values():
            if not isinstance(mode, dict) or not all(isinstance(v, int) and v >= 0 for v in mode.values()):
                raise KvvizError(f"Bad trace: step {i} has malformed FLOP counts.")
    for s in trace.steps:
        for v in (s.input_length, s.context_length, s.token_id, s.cache_bytes):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise KvvizError(f"Bad trace: step {s.index} has a bad count {v!r}.")
        if not isinstance(s.time_ms, (int, float)) or not math.isfinite(s.time_ms):
            raise KvvizError(f"Bad trace: step {s.index} has a bad time {s.time_ms!r}.")
        for layer in s.cache_layers:
            if len(layer.key_shape) != 4 or len(layer.value_shape) != 4:
                raise KvvizError(f"Bad trace: step {s.index} has a cache shape that is not 4-D.")
