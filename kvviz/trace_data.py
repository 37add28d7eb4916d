"""Trace and Step: plain data shared by the tracer, the ledger, the charts, the app,
the command line and saved JSON files. No torch here; everything is lists and numbers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kvviz import trace_attention
from kvviz.analysis import tokens

SCHEMA = "kvviz.trace/2"  # /2: attention as compact uint16 base64 (kvviz.trace_attention)
MODES = ("cached", "recompute")
PHASES = ("prefill", "decode")
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}


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
    # Sizes read from the loaded modules (engine/dims.py); "config" in traces written before that.
    dims_source: str = "config"
    mlp_matrices: int = 0  # hidden x inner matrices per block (3 gated, 2 plain); 0: from mlp_kind
    bias_parameters: int = 0
    config_mismatch: list[str] = field(default_factory=list)  # config keys the modules contradict
    # The load-time probe (engine/selfcheck.py): cost model vs FlopCounterMode and the real cache.
    verified: bool = False
    verify_worst_rel: float | None = None  # None: no probe ran
    verify_failed: list[str] = field(default_factory=list)  # stable check keys, e.g. "flops.cached.decode.mlp"
    unverified: list[str] = field(default_factory=list)  # figures affected: components, "total", "cache_bytes"
    verify_ms: float = 0.0

    @property
    def dtype_bytes(self) -> int:
        return DTYPE_BYTES.get(self.dtype, 4)


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
    token_bytes: str = ""  # the token's raw bytes as hex ("e6a2"); "" in older files


@dataclass
class Step:
    index: int
    phase: str  # "prefill" or "decode"
    input_length: int  # tokens fed to the forward pass in this step
    context_length: int  # tokens in the sequence the step attends over (prompt + generated so far)
    token_id: int
    token_text: str
    top_k: list[Candidate] = field(default_factory=list)
    token_bytes: str = ""  # the token's raw bytes as hex ("e6a2"; kvviz.engine.token_bytes); "" in older files
    cache_layers: list[LayerCache] = field(default_factory=list)
    cache_bytes: int = 0
    hidden_shape: list[int] = field(default_factory=list)  # [batch, seq, hidden] into each block
    hidden_bytes: int = 0
    time_ms: float = 0.0
    # Filled when the other mode ran alongside (compare=True).
    other_time_ms: float | None = None
    max_abs_logit_diff: float | None = None
    other_token_id: int | None = None
    # layer index (as str in JSON) -> float32 array (heads, query rows, key positions); compact in JSON
    # (kvviz.trace_attention: uint16 fixed point, base64)
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
    prompt_token_bytes: list[str] = field(default_factory=list)  # each prompt token's raw bytes as hex
    schema: str = SCHEMA

    @property
    def token_texts(self) -> list[str]:
        """Label of every position (prompt's tokens, then generated): its text, or its bytes ⟨E6 A2⟩
        when the token is part of a character split over tokens (kvviz.analysis.tokens.label)."""
        raws = self.token_raws
        if raws is not None:
            views, _ = tokens.view(raws)
            return [tokens.label(v) for v in views]
        prompt = self.prompt_tokens or [f"#{t}" for t in self.prompt_token_ids]
        return prompt + [s.token_text for s in self.steps]

    @property
    def text(self) -> str:
        """The whole text so far (prompt + generated), decoded as one byte stream when the bytes are known."""
        raws = self.token_raws
        return tokens.decoded_text(raws) if raws is not None else self.prompt_text + self.generated_text

    @property
    def token_raws(self) -> list[bytes] | None:
        """Raw bytes of every position (prompt, then generated), or None when the file has none recorded."""
        gen = [s.token_bytes for s in self.steps]
        if len(self.prompt_token_bytes) != len(self.prompt_token_ids) or (gen and not all(gen)):
            return None
        return [bytes.fromhex(h) for h in self.prompt_token_bytes + gen]

    @property
    def generated_ids(self) -> list[int]:
        return [s.token_id for s in self.steps]

    @property
    def generated_text(self) -> str:
        return "".join(s.token_text for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "schema": SCHEMA,
            "model": asdict(self.model),
            "prompt": {"text": self.prompt_text, "token_ids": list(self.prompt_token_ids),
                       "tokens": list(self.prompt_tokens), "token_bytes": list(self.prompt_token_bytes)},
            "mode": self.mode,
            "settings": self.settings,
            "finish_reason": self.finish_reason,
            "steps": [],
        }
        for s in self.steps:
            sd = asdict(s)
            sd["attention"] = {str(k): trace_attention.encode(v) for k, v in s.attention.items()}
            d["steps"].append(sd)
        return d

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Trace:
        """Read a trace file strictly (kvviz.trace_read): a KvvizError naming the field if anything is off."""
        from kvviz.trace_read import read_trace

        return read_trace(text)

    @classmethod
    def from_dict(cls, data: Any) -> Trace:
        """Parsed JSON -> a checked Trace, as from_json."""
        from kvviz.trace_read import trace_from_dict

        return trace_from_dict(data)
