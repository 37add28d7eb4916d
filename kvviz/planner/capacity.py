"""KV-cache capacity planner: how many bytes the cache of a real model takes, and what fits.

Pure Python on plain config dicts (the content of a Hugging Face config.json): no torch,
no Streamlit, so the page, the command line and the tests share one implementation.

The cache of one decoder layer holds, for every cached position, what that layer's
attention needs again later:

  multi-head / grouped-query / multi-query attention   K and V: 2 x kv_heads x head_dim
  multi-head latent attention (DeepSeek-V2/V3)         latent c_KV (kv_lora_rank) + rotary key k_R
                                                       (qk_rope_head_dim), shared by all heads

A sliding-window layer keeps only its last positions. Two conventions exist and both are
reported: the math (a layer with window W attends over W positions, so a rolling buffer
of W positions is enough: Mistral's reference code) and what transformers' DynamicCache
stores (DynamicSlidingWindowLayer keeps the last W - 1 positions after each update, since
the token being processed is appended before attention runs).

Units: bytes are exact integers. GiB = 2**30 bytes, GB = 10**9 bytes; both are always
named, never "G" alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from kvviz.cache.rules import transformers_positions
from kvviz.errors import KvvizError

ASSETS = Path(__file__).resolve().parents[2] / "assets"
CATALOG_PATH = ASSETS / "model_configs.json"
ACCELERATORS_PATH = ASSETS / "accelerators.json"

from kvviz.units import GB, GIB  # noqa: F401
from kvviz.units import fmt_bytes_binary as fmt_bytes  # noqa: F401
MAX_CONFIG_FILE_BYTES = 2_000_000  # a config.json is a few kB; refuse anything huge
_MAX_LAYERS = 10_000
_MAX_DIM = 10_000_000
# Fraction of accelerator memory kept free for activations, the CUDA context and allocator slack.
# vLLM's default gpu_memory_utilization is 0.9: it leaves 10% to everything else. The page and the
# command line both start from this value, so the same question gets the same answer.
DEFAULT_RESERVE = 0.10
# Tensor-parallel sizes tried when looking for the smallest number of accelerators that fits.
TP_CANDIDATES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
MAX_GPUS = 4096


# --------------------------------------------------------------------------- element types


@dataclass(frozen=True)
class DType:
    """How one cached number is stored, with the scales a quantized cache needs beside it."""

    name: str
    bits: int
    group_size: int | None = None  # values sharing one scale (and zero-point); None = no per-group scale
    group_overhead_bytes: int = 0  # bytes of scale (+ zero-point) per group
    tensor_scale_bytes: int = 0  # bytes of per-tensor scale, once per cached tensor (K, V) per layer
    note: str = ""


DTYPES: dict[str, DType] = {
    "fp32": DType("fp32", 32, note="4 bytes per value."),
    "bf16": DType("bf16", 16, note="2 bytes per value."),
    "fp16": DType("fp16", 16, note="2 bytes per value."),
    "fp8": DType(
        "fp8",
        8,
        tensor_scale_bytes=4,
        note=(
            "1 byte per value (e4m3) plus one fp32 scale per cached tensor per layer "
            "(transformers' Fp8QuantizedLayer, vLLM's k_scale/v_scale): 8 bytes per layer, "
            "independent of the number of tokens."
        ),
    ),
    "int8": DType(
        "int8",
        8,
        group_size=64,
        group_overhead_bytes=4,
        note=(
            "1 byte per value plus an fp16 scale and an fp16 zero-point for every group of 64 "
            "values (transformers' QuantizedCache default q_group_size=64): +4 bytes per 64 values, "
            "6.25% on top. transformers also keeps up to residual_length=128 recent tokens "
            "unquantized; that buffer is not counted."
        ),
    ),
    "int4": DType(
        "int4",
        4,
        group_size=64,
        group_overhead_bytes=4,
        note=(
            "half a byte per value plus an fp16 scale and an fp16 zero-point for every group of 64 "
            "values (transformers' QuantizedCache default q_group_size=64): +4 bytes per 64 values, "
            "12.5% on top. transformers also keeps up to residual_length=128 recent tokens "
            "unquantized; that buffer is not counted."
        ),
    ),
}
_DTYPE_ALIASES = {
    "float32": "fp32",
    "f32": "fp32",
    "bfloat16": "bf16",
    "float16": "fp16",
    "half": "fp16",
    "f16": "fp16",
    "float8": "fp8",
    "fp8_e4m3": "fp8",
    "float8_e4m3fn": "fp8",
}
# Weights are counted at bits/8 per parameter; scales of quantized weights are not counted.
WEIGHT_DTYPES = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")


def get_dtype(name: str) -> DType:
    key = str(name).strip().lower()
    key = _DTYPE_ALIASES.get(key, key)
    if key not in DTYPES:
        raise KvvizError(f"Unknown element type {name!r}; choose one of {', '.join(DTYPES)}.")
    return DTYPES[key]


def vector_bytes(length: int, dtype: DType) -> int:
    """Bytes to store one cached vector of `length` values, group scales included.

    Groups run along the vector (one head's K or V, or the MLA latent), as in
    transformers' QuantizedCache with q_group_size 64; a partial last group still has its scale.
    """
    data = -(-length * dtype.bits // 8)
    if dtype.group_size:
        data += -(-length // dtype.group_size) * dtype.group_overhead_bytes
    return data


# --------------------------------------------------------------------------- per-layer layout


@dataclass(frozen=True)
class LayerKV:
    """What one decoder layer caches per position.

    parts: (what, vectors per position, values per vector), e.g. (("K", 8, 128), ("V", 8, 128))
    for grouped-query attention, or (("latent c_KV", 1, 512), ("rotary key k_R", 1, 64)) for MLA.
    """

    index: int
    kind: str  # "full", "sliding" or "mla"
    kv_heads: int  # for MLA: 1 (one latent shared by all heads)
    head_dim: int  # for MLA: kv_lora_rank + qk_rope_head_dim
    window: int | None
    parts: tuple[tuple[str, int, int], ...]

    @property
    def elements_per_token(self) -> int:
        return sum(n * d for _, n, d in self.parts)

    def bytes_per_token(self, dtype: DType) -> int:
        return sum(n * vector_bytes(d, dtype) for _, n, d in self.parts)

    def positions(self, context: int) -> int:
        """Positions held at `context` tokens, math convention: a window of W holds W."""
        return context if self.window is None else min(context, self.window)

    def positions_transformers(self, context: int) -> int:
        return transformers_positions(self.window, context)


def _layer(index: int, kind: str, kv_heads: int, head_dim: int, window: int | None, v_dim: int | None = None) -> LayerKV:
    return LayerKV(index, kind, kv_heads, head_dim, window, (("K", kv_heads, head_dim), ("V", kv_heads, v_dim or head_dim)))


# --------------------------------------------------------------------------- config reading


def _text_config(config: Any) -> dict[str, Any]:
    """The decoder's config: multimodal configs (Gemma-3 27B, ...) nest it under text_config."""
    if not isinstance(config, dict):
        raise KvvizError("A model config must be a JSON object (a config.json), not a list or a value.")
    text = config.get("text_config")
    if isinstance(text, dict):
        merged = {k: v for k, v in config.items() if k != "text_config"}
        merged.update(text)  # the decoder's own values win
        if "model_type" in text:
            merged["model_type"] = text["model_type"]
        return merged
    return config


def _int(
    cfg: dict,
    keys: Iterable[str],
    what: str,
    *,
    required: bool = True,
    default: int | None = None,
    minimum: int = 1,
) -> int | None:
    """The one reader of numeric config fields: a whole number >= `minimum` under the first of `keys` present.

    None counts as absent. Bools, strings and floats with a fraction are refused with a KvvizError
    naming the field, as are values below `minimum` or implausibly large ones, so nothing later
    multiplies a string or loops over a negative count.
    """
    for key in keys:
        if key in cfg and cfg[key] is not None:
            v = cfg[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
                raise KvvizError(f"Bad config: {key} must be a whole number, got {_show(v)}.")
            v = int(v)
            if v < minimum:
                need = "positive" if minimum == 1 else f"at least {minimum}"
                raise KvvizError(f"Bad config: {key} must be {need}, got {v}.")
            limit = _MAX_LAYERS if "layer" in key else _MAX_DIM
            if v > limit:
                raise KvvizError(f"Bad config: {key} = {v} is implausibly large (limit {limit:,}).")
            return v
    if required and default is None:
        names = " or ".join(keys)
        raise KvvizError(
            f"Not a decoder model config: {what} ({names}) is missing. "
            "Expected a Hugging Face config.json of a decoder-only language model."
        )
    return default


def _flag(cfg: dict, key: str, default: bool | None = None) -> bool | None:
    """A true/false config field: JSON true or false (or absent/null -> default); anything else is refused."""
    v = cfg.get(key)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise KvvizError(f"Bad config: {key} must be true or false, got {_show(v)}.")
    return v


def _show(v: Any, limit: int = 60) -> str:
    """A config value for an error message, cut short: a huge string must not become a huge message."""
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def model_type(config: dict) -> str:
    return str(_text_config(config).get("model_type") or "")


def num_layers(config: dict) -> int:
    return _int(_text_config(config), ("num_hidden_layers", "n_layer", "num_layers"), "the number of layers")


def attention_shape(config: dict) -> tuple[int, int, int, int]:
    """(layers, query heads, kv heads, head_dim), read from the config, head_dim derived only if absent."""
    cfg = _text_config(config)
    layers = num_layers(config)
    heads = _int(cfg, ("num_attention_heads", "n_head", "num_heads"), "the number of attention heads")
    kv_heads = _int(cfg, ("num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num"), "", required=False)
    if kv_heads is None:
        kv_heads = 1 if _flag(cfg, "multi_query", False) else heads
    if kv_heads > heads or heads % kv_heads:
        raise KvvizError(
            f"Bad config: {heads} query heads cannot be shared evenly by {kv_heads} key/value heads."
        )
    head_dim = _int(cfg, ("head_dim",), "", required=False)
    if head_dim is None:
        hidden = _int(cfg, ("hidden_size", "n_embd", "d_model"), "the hidden size (needed because head_dim is absent)")
        if hidden % heads:
            raise KvvizError(f"Bad config: hidden size {hidden} is not a multiple of {heads} heads, and head_dim is absent.")
        head_dim = hidden // heads
    return layers, heads, kv_heads, head_dim


def _layer_kinds(cfg: dict, layers: int) -> list[int | None]:
    """Per layer: None for full attention, else the window. Follows transformers 5.x's rules."""
    mtype = str(cfg.get("model_type") or "")
    window = None
    if _flag(cfg, "use_sliding_window") is not False:  # Qwen2-style: the window is off unless switched on
        window = _int(cfg, ("sliding_window",), "the sliding window", required=False)
    layer_types = cfg.get("layer_types")
    if layer_types is not None:
        if not isinstance(layer_types, list) or len(layer_types) != layers:
            raise KvvizError(
                f"Bad config: layer_types must be a list of {layers} entries (one per layer), "
                f"got {type(layer_types).__name__} of length {len(layer_types) if isinstance(layer_types, list) else '?'}."
            )
        out: list[int | None] = []
        for i, t in enumerate(layer_types):
            if t == "full_attention":
                out.append(None)
            elif t == "sliding_attention":
                if window is None:
                    raise KvvizError(f"Bad config: layer {i} is sliding_attention but sliding_window is not set.")
                out.append(window)
            elif t == "chunked_attention":
                out.append(_int(cfg, ("attention_chunk_size",), "attention_chunk_size for chunked layers"))
            else:
                raise KvvizError(
                    f"Layer {i} has attention type {t!r}, which the planner does not model "
                    "(it handles full, sliding and chunked attention, and DeepSeek's latent attention)."
                )
        return out
    if window is None:
        return [None] * layers
    if mtype == "gemma2":  # alternate: layer 0 sliding, layer 1 global, ...
        return [window if (i + 1) % 2 else None for i in range(layers)]
    if mtype in ("gemma3", "gemma3_text"):  # pattern N: N-1 sliding layers then one global
        pattern = _int(cfg, ("sliding_window_pattern",), "", required=False, default=6)
        return [window if (i + 1) % pattern else None for i in range(layers)]
    if mtype in ("qwen2", "qwen2_moe") or "max_window_layers" in cfg:
        first = _int(cfg, ("max_window_layers",), "", required=False, default=0, minimum=0)
        return [window if i >= first else None for i in range(layers)]
    return [window] * layers  # Mistral v0.1, Phi-3: every layer slides


def is_mla(config: dict) -> bool:
    return _text_config(config).get("kv_lora_rank") is not None


def kv_layout(config: dict) -> list[LayerKV]:
    """Per-layer cache layout of a model config (MHA, GQA, MQA, MLA, sliding and hybrid layers)."""
    cfg = _text_config(config)
    if _flag(cfg, "is_encoder_decoder", False):
        raise KvvizError("Encoder-decoder models (T5, BART, ...) are not modelled: the planner is for decoder-only LMs.")
    if is_mla(config):
        layers = num_layers(config)
        rank = _int(cfg, ("kv_lora_rank",), "kv_lora_rank")
        rope = _int(cfg, ("qk_rope_head_dim",), "qk_rope_head_dim (the rotary part of the key)")
        parts = (("latent c_KV", 1, rank), ("rotary key k_R", 1, rope))
        return [LayerKV(i, "mla", 1, rank + rope, None, parts) for i in range(layers)]
    layers, _, kv_heads, head_dim = attention_shape(config)
    windows = _layer_kinds(cfg, layers)
    return [_layer(i, "full" if w is None else "sliding", kv_heads, head_dim, w) for i, w in enumerate(windows)]


def mla_reference_elements(config: dict) -> int | None:
    """Per token and layer, what an implementation that expands MLA and caches full per-head K and V holds.

    num_heads x (qk_nope_head_dim + qk_rope_head_dim) for K plus num_heads x v_head_dim for V.
    """
    if not is_mla(config):
        return None
    cfg = _text_config(config)
    heads = _int(cfg, ("num_attention_heads",), "the number of attention heads")
    nope = _int(cfg, ("qk_nope_head_dim",), "qk_nope_head_dim")
    rope = _int(cfg, ("qk_rope_head_dim",), "qk_rope_head_dim")
    v = _int(cfg, ("v_head_dim",), "v_head_dim")
    return heads * (nope + rope) + heads * v


def attention_variant(config: dict) -> str:
    """MHA, GQA, MQA or MLA, with sliding/hybrid noted."""
    if is_mla(config):
        return "MLA (multi-head latent attention)"
    _, heads, kv_heads, _ = attention_shape(config)
    base = "MHA" if kv_heads == heads else ("MQA" if kv_heads == 1 else f"GQA ({heads // kv_heads} query heads per KV head)")
    windows = [layer.window for layer in kv_layout(config)]
    if all(w is not None for w in windows):
        return f"{base}, sliding window {windows[0]:,} on every layer"
    if any(w is not None for w in windows):
        n = sum(w is not None for w in windows)
        return f"{base}, hybrid: {n} of {len(windows)} layers sliding"
    return base


# --------------------------------------------------------------------------- parameters (for weights)


def count_parameters(config: dict) -> int:
    """Parameter count computed from the config, for the architectures whose layout is known.

    Used for configs that do not come with a published count; checked in the tests against
    published counts (GPT-2, Llama, Mistral, Mixtral, Qwen2.5, Gemma, Phi-3, SmolLM2).
    Unknown architectures are counted as a Llama-style decoder (an estimate).
    """
    cfg = _text_config(config)
    mtype = str(cfg.get("model_type") or "")
    layers = num_layers(config)
    vocab = _int(cfg, ("vocab_size",), "vocab_size")
    hidden = _int(cfg, ("hidden_size", "n_embd", "d_model"), "the hidden size")
    tied = _flag(cfg, "tie_word_embeddings", mtype in ("gpt2", "gemma", "gemma2", "gemma3", "gemma3_text"))
    embed = vocab * hidden * (1 if tied else 2)
    if mtype == "gpt2" or "n_embd" in cfg:
        positions = _int(cfg, ("n_positions", "n_ctx"), "n_positions")
        inner = _int(cfg, ("n_inner",), "", required=False, default=4 * hidden)
        per_layer = (
            2 * 2 * hidden  # ln_1, ln_2 (weight + bias)
            + hidden * 3 * hidden + 3 * hidden  # c_attn
            + hidden * hidden + hidden  # c_proj
            + hidden * inner + inner + inner * hidden + hidden  # mlp
        )
        return vocab * hidden + positions * hidden + layers * per_layer + 2 * hidden
    if is_mla(config):
        return _count_deepseek(cfg, layers, hidden, embed)
    _, heads, kv_heads, head_dim = attention_shape(config)
    inter = _int(cfg, ("intermediate_size",), "intermediate_size")
    q, kv = heads * head_dim, kv_heads * head_dim
    attn = hidden * q + 2 * hidden * kv + q * hidden
    if mtype in ("qwen2", "qwen2_moe") or _flag(cfg, "attention_bias", False):
        attn += q + 2 * kv  # q/k/v biases
    mlp = 3 * hidden * inter
    experts = _int(cfg, ("num_local_experts",), "", required=False, minimum=0)
    if experts:
        mlp = experts * mlp + hidden * experts  # experts + router
    norms = 2 * hidden
    if mtype in ("gemma2", "gemma3", "gemma3_text"):
        norms = 4 * hidden  # pre/post attention and feed-forward norms
    if mtype in ("gemma3", "gemma3_text", "qwen3"):
        norms += 2 * head_dim  # q_norm, k_norm
    return embed + layers * (attn + mlp + norms) + hidden


def _count_deepseek(cfg: dict, layers: int, hidden: int, embed: int) -> int:
    """DeepSeek-V2/V3: MLA projections, dense first layers, routed + shared experts (MTP layers excluded)."""
    heads = _int(cfg, ("num_attention_heads",), "heads")
    rank = _int(cfg, ("kv_lora_rank",), "kv_lora_rank")
    q_rank = _int(cfg, ("q_lora_rank",), "", required=False)
    nope = _int(cfg, ("qk_nope_head_dim",), "qk_nope_head_dim")
    rope = _int(cfg, ("qk_rope_head_dim",), "qk_rope_head_dim")
    v = _int(cfg, ("v_head_dim",), "v_head_dim")
    qk = heads * (nope + rope)
    q = hidden * q_rank + q_rank + q_rank * qk if q_rank else hidden * qk
    attn = q + hidden * (rank + rope) + rank + rank * heads * (nope + v) + heads * v * hidden
    dense_inter = _int(cfg, ("intermediate_size",), "intermediate_size")
    moe_inter = _int(cfg, ("moe_intermediate_size",), "moe_intermediate_size")
    routed = _int(cfg, ("n_routed_experts",), "n_routed_experts")
    shared = _int(cfg, ("n_shared_experts",), "", required=False, default=0, minimum=0)
    first_dense = _int(cfg, ("first_k_dense_replace",), "", required=False, default=0, minimum=0)
    moe = (routed + shared) * 3 * hidden * moe_inter + routed * hidden
    if str(cfg.get("model_type")) == "deepseek_v3":
        moe += routed  # e_score_correction_bias
    total = 0
    for i in range(layers):
        total += attn + 2 * hidden + (3 * hidden * dense_inter if i < first_dense else moe)
    return embed + total + hidden


# --------------------------------------------------------------------------- catalog


@dataclass
class ModelSpec:
    """A model to plan for: its config and, when published, its parameter count and source."""

    name: str
    config: dict[str, Any]
    parameters: int | None = None
    parameters_source: str = ""
    source: str = ""
    notes: str = ""
    aliases: list[str] = field(default_factory=list)

    @property
    def parameters_or_estimate(self) -> tuple[int, str]:
        if self.parameters:
            return self.parameters, self.parameters_source or "published"
        return count_parameters(self.config), "computed from the config"


@lru_cache(maxsize=1)
def _catalog_raw() -> tuple[dict, ...]:
    data = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return tuple(data["models"])


def load_catalog() -> list[ModelSpec]:
    """The built-in catalog of published model configs (assets/model_configs.json)."""
    return [
        ModelSpec(
            name=e["name"],
            config=json.loads(json.dumps(e["config"])),  # a fresh copy each time
            parameters=e.get("parameters"),
            parameters_source=e.get("parameters_source", ""),
            source=e["source"],
            notes=e.get("notes", ""),
            aliases=list(e.get("aliases", [])),
        )
        for e in _catalog_raw()
    ]


def catalog_names() -> list[str]:
    return [e["name"] for e in _catalog_raw()]


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch == ".")


def parse_config_text(text: str | bytes, label: str = "the file") -> dict[str, Any]:
    """Parse and validate a config.json's text (JSON only; never pickle or code)."""
    if isinstance(text, bytes):
        if len(text) > MAX_CONFIG_FILE_BYTES:
            raise KvvizError(f"{label} is {len(text):,} bytes; a config.json is a few kB (limit {MAX_CONFIG_FILE_BYTES:,}).")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise KvvizError(f"{label} is not a text file (not UTF-8): expected a config.json.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise KvvizError(f"{label} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}).") from None
    validate_config(data, label)
    return data


def validate_config(config: Any, label: str = "the config", *, parameters: int | None = None) -> None:
    """Raise KvvizError naming what is wrong, unless the planner can plan for the config.

    Runs the whole plan (layout, parameter count unless `parameters` is given, the fit's
    context search) on small inputs, so that whatever a config can break fails here, with a
    KvvizError, and not later on a page or in the command line.
    """
    if not isinstance(config, dict):
        raise KvvizError(f"{label} is not a model config: expected a JSON object, got a {type(config).__name__}.")
    try:
        spec = ModelSpec("config", config, parameters=parameters)
        _guarded(_plan, spec, "bf16", 1, 1, "bf16", None)
        _guarded(fit, spec, 2**60, context=1, batch=1)  # room for any weights: reaches the context search
    except KvvizError as e:
        raise KvvizError(f"{label}: {e}") from None


def _guarded(fn, *args, **kwargs):
    """Call fn; a TypeError/ValueError/ArithmeticError from odd config values becomes a KvvizError."""
    try:
        return fn(*args, **kwargs)
    except KvvizError:
        raise
    except (TypeError, ValueError, ArithmeticError, RecursionError) as e:
        raise KvvizError(f"Bad config: the planner cannot read it ({type(e).__name__}: {_show(str(e), 120)}).") from None


def resolve_config(name_or_path: str) -> ModelSpec:
    """A config.json path (or a folder holding one), else a catalog name or alias.

    Anything that exists on disk (a file, or a folder with a config.json) or looks like a path
    (starts with '.', '/' or '~', or ends with .json) is read as a path, so './models/gpt2' is that
    folder's config and never the catalog's GPT-2. Anything else is matched case-insensitively
    against catalog names and aliases, on the whole string ('google/gemma-3-27b-pt') or its last
    segment ('meta-llama/Llama-2-7b-hf' -> 'Llama-2-7b-hf').
    """
    raw = str(name_or_path).strip()
    if not raw:
        raise KvvizError("No model given: name one from the catalog or give a path to a config.json.")
    path = Path(raw).expanduser()
    on_disk = path.is_file() or (path.is_dir() and (path / "config.json").is_file())
    if on_disk or looks_like_path(raw):
        return _read_config_path(raw, path)
    keys = {_norm(raw), _norm(raw.split("/")[-1])}
    for spec in load_catalog():
        names = [spec.name, *spec.aliases]
        known = {_norm(n) for n in names} | {_norm(n.split("/")[-1]) for n in names}
        if keys & known:
            return spec
    names = ", ".join(catalog_names())
    raise KvvizError(f"Unknown model {raw!r}. Catalog names: {names}; or give a path to a config.json.")


def _read_config_path(raw: str, path: Path) -> ModelSpec:
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise KvvizError(f"The folder {raw!r} has no config.json.")
        path = path / "config.json"
    if not path.is_file():
        names = ", ".join(catalog_names())
        raise KvvizError(f"No file at {raw!r}. Give a config.json path or a catalog name: {names}.")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_FILE_BYTES:
            raise KvvizError(f"{path} is {size:,} bytes; a config.json is a few kB.")
        text = path.read_bytes()
    except OSError as e:
        raise KvvizError(f"Cannot read {path}: {e.strerror or e}.") from None
    config = parse_config_text(text, str(path))
    name = path.parent.name if path.name == "config.json" else path.stem
    return ModelSpec(name=name or path.name, config=config, source=str(path))


def looks_like_path(text: str) -> bool:
    return text.endswith(".json") or text.startswith((".", "/", "~")) or "\\" in text


# --------------------------------------------------------------------------- the plan


def cache_bytes_for(
    layer_windows: list[int | None],
    num_kv_heads: int,
    head_dim: int,
    dtype_bytes: int,
    context: int,
    batch: int = 1,
    convention: str = "transformers",
) -> int:
    """Bytes of a K/V cache holding `context` tokens: what a tracer can compare with the real cache.

    layer_windows: per layer None (full attention) or the sliding window, as in ModelInfo.
    convention "transformers" matches DynamicCache byte for byte (a sliding layer keeps W - 1
    positions); "window" is the math (W positions).
    """
    if convention not in ("transformers", "window"):
        raise ValueError("convention must be 'transformers' or 'window'")
    total = 0
    for i, w in enumerate(layer_windows):
        layer = _layer(i, "full" if w is None else "sliding", num_kv_heads, head_dim, w)
        pos = layer.positions_transformers(context) if convention == "transformers" else layer.positions(context)
        total += 2 * num_kv_heads * head_dim * dtype_bytes * pos
    return total * batch


def _check_count(value: Any, what: str, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise KvvizError(f"{what} must be a whole number, got {value!r}.")
    if value < 0 or (value == 0 and not allow_zero):
        raise KvvizError(f"{what} must be {'zero or more' if allow_zero else 'positive'}, got {value}.")
    return value


def cache_total_bytes(layout: list[LayerKV], dtype: DType, context: int, batch: int = 1, convention: str = "window") -> int:
    """Bytes of the whole cache: per-position bytes x positions held, x batch, plus per-tensor scales."""
    per_seq = 0
    for layer in layout:
        pos = layer.positions(context) if convention == "window" else layer.positions_transformers(context)
        per_seq += layer.bytes_per_token(dtype) * pos
    fixed = 2 * len(layout) * dtype.tensor_scale_bytes if context > 0 else 0
    return per_seq * batch + fixed



def _formula(layout: list[LayerKV], dtype: DType, context: int, batch: int, total: int) -> tuple[str, str]:
    """The formula with the config's numbers filled in: plain text and LaTeX."""
    groups: dict[tuple, int] = {}
    for layer in layout:
        key = (layer.kind, layer.parts, layer.window)
        groups[key] = groups.get(key, 0) + 1
    per_value = f"{dtype.bits}/8 B ({dtype.name})" if dtype.bits % 8 else f"{dtype.bits // 8} B ({dtype.name})"
    text_terms, tex_terms = [], []

    def tex_num(n: int) -> str:
        return f"{n:,}".replace(",", "{,}")

    for (kind, parts, window), n in groups.items():
        pos_txt = f"{context:,}" if window is None else f"min({context:,}, {window:,})"
        pos_tex = tex_num(context) if window is None else rf"\min({tex_num(context)}, {tex_num(window)})"
        pos_tex = rf"\underbrace{{{pos_tex}}}_{{\text{{positions}}}}"
        if kind == "mla":
            inner = " + ".join(f"{d}" for _, _, d in parts)
            text_terms.append(f"{n} layers x ({inner}) values [{' + '.join(p for p, _, _ in parts)}] x {pos_txt} positions")
            tex_terms.append(
                rf"\underbrace{{{n}}}_{{\text{{layers}}}} \times \underbrace{{({inner})}}_{{\text{{latent + rotary}}}} \times {pos_tex}"
            )
        else:
            (_, heads, dim) = parts[0]
            label = "full" if window is None else f"sliding (window {window:,})"
            text_terms.append(f"{n} {label} layers x 2 (K,V) x {heads} kv_heads x {dim} head_dim x {pos_txt} positions")
            tex_terms.append(
                rf"\underbrace{{{n}}}_{{\text{{layers}}}} \times \underbrace{{2}}_{{K,V}} \times "
                rf"\underbrace{{{heads}}}_{{\text{{kv heads}}}} \times \underbrace{{{dim}}}_{{\text{{head dim}}}} \times {pos_tex}"
            )
    scale = ""
    if dtype.group_size:
        scale = f" + {dtype.group_overhead_bytes} B per {dtype.group_size} values (scale + zero-point)"
    if dtype.tensor_scale_bytes:
        scale = f" + {2 * dtype.tensor_scale_bytes} B per layer (per-tensor scales)"
    text = (
        f"cache = batch {batch} x [ " + " + ".join(text_terms) + f" ] x {per_value}{scale}"
        + f" = {total:,} bytes = {fmt_bytes(total)}"
    )
    b = f"{dtype.bits}/8" if dtype.bits % 8 else f"{dtype.bits // 8}"
    tex = (
        rf"\underbrace{{{batch}}}_{{\text{{batch}}}} \times \Big[" + " + ".join(tex_terms)
        + rf"\Big] \times \underbrace{{{b}\,\text{{B}}}}_{{\text{{{dtype.name}}}}}"
        + (r" + \text{scales}" if scale else "")
        + rf" = {tex_num(total)}\,\text{{B}} = " + f"{total / GIB:,.2f}".replace(",", "{,}") + r"\,\text{GiB}"
    )
    return text, tex


def plan(
    config: dict | ModelSpec,
    dtype: str = "bf16",
    context: int = 4096,
    batch: int = 1,
    weights_dtype: str = "bf16",
    parameters: int | None = None,
) -> dict[str, Any]:
    """Cache bytes of a model config at one context and batch, with weights, per-layer rows and the formula.

    bytes_per_token is the cache per token at a context no window caps (every layer counts).
    total_bytes uses the math convention for windows; total_bytes_transformers is what
    transformers' DynamicCache would hold (sliding layers keep W - 1 positions).
    """
    if isinstance(config, ModelSpec):
        spec = config
    elif isinstance(config, dict):
        spec = ModelSpec(name=str(config.get("_name_or_path") or "config"), config=config)
    else:
        raise KvvizError("A model config must be a JSON object.")
    if not isinstance(spec.config, dict):
        raise KvvizError("A model config must be a JSON object.")
    context = _check_count(context, "context length", allow_zero=True)
    batch = _check_count(batch, "batch size")
    if parameters is not None:
        parameters = _check_count(parameters, "parameters", allow_zero=True)
    return _guarded(_plan, spec, dtype, context, batch, weights_dtype, parameters)


def _plan(spec: ModelSpec, dtype: str, context: int, batch: int, weights_dtype: str, parameters: int | None) -> dict[str, Any]:
    dt = get_dtype(dtype)
    wdt = get_dtype(weights_dtype)
    layout = kv_layout(spec.config)
    if parameters is None:
        parameters, params_source = spec.parameters_or_estimate
    else:
        params_source = "given"
    weights_bytes = -(-parameters * wdt.bits // 8)
    bytes_per_token = sum(layer.bytes_per_token(dt) for layer in layout)
    total = cache_total_bytes(layout, dt, context, batch, "window")
    total_tf = cache_total_bytes(layout, dt, context, batch, "transformers")
    layers = []
    for layer in layout:
        bpt = layer.bytes_per_token(dt)
        layers.append(
            {
                "index": layer.index,
                "kind": layer.kind,
                "kv_heads": layer.kv_heads,
                "head_dim": layer.head_dim,
                "window": layer.window,
                "parts": [{"name": p, "vectors": n, "values": d} for p, n, d in layer.parts],
                "elements_per_token": layer.elements_per_token,
                "bytes_per_token": bpt,
                "positions": layer.positions(context),
                "bytes": bpt * layer.positions(context) * batch,
                "positions_transformers": layer.positions_transformers(context),
                "bytes_transformers": bpt * layer.positions_transformers(context) * batch,
            }
        )
    text, tex = _formula(layout, dt, context, batch, total)
    cfg = _text_config(spec.config)
    result: dict[str, Any] = {
        "model": spec.name,
        "source": spec.source,
        "attention": attention_variant(spec.config),
        "dtype": dt.name,
        "dtype_note": dt.note,
        "context": context,
        "batch": batch,
        "num_layers": len(layout),
        "bytes_per_token": bytes_per_token,
        "elements_per_token": sum(layer.elements_per_token for layer in layout),
        "total_bytes": total,
        "total_gib": total / GIB,
        "total_gb": total / GB,
        "total_bytes_transformers": total_tf,
        "weights_dtype": wdt.name,
        "parameters": parameters,
        "parameters_source": params_source,
        "weights_bytes": weights_bytes,
        "max_position_embeddings": _int(cfg, ("max_position_embeddings", "n_positions"), "", required=False),
        "formula": text,
        "formula_latex": tex,
        "layers": layers,
        "notes": spec.notes,
        "warnings": [],
    }
    max_pos = result["max_position_embeddings"]
    if isinstance(max_pos, int) and context > max_pos:
        result["warnings"].append(
            f"context {context:,} is longer than the model's max_position_embeddings ({max_pos:,}): "
            "the bytes are what such a cache would take, but the model was not built for it."
        )
    ref = mla_reference_elements(spec.config)
    if ref is not None:
        vec = len(layout) * ref  # per token, all layers
        # Same per-head layout as K/V caching: heads x (qk_nope + qk_rope) keys and heads x v_head_dim values.
        heads = _int(cfg, ("num_attention_heads",), "heads")
        kdim = _int(cfg, ("qk_nope_head_dim",), "") + _int(cfg, ("qk_rope_head_dim",), "")
        vdim = _int(cfg, ("v_head_dim",), "")
        ref_bpt = len(layout) * heads * (vector_bytes(kdim, dt) + vector_bytes(vdim, dt))
        result["mla_reference_full_kv"] = {
            "what": (
                "An implementation that expands the latent and caches full per-head K and V "
                f"({heads} heads x ({kdim} key + {vdim} value) values per layer) instead of the latent."
            ),
            "elements_per_token_per_layer": ref,
            "elements_per_token": vec,
            "bytes_per_token": ref_bpt,
            "total_bytes": ref_bpt * context * batch + (2 * len(layout) * dt.tensor_scale_bytes if context else 0),
            "ratio_to_latent": ref_bpt / bytes_per_token,
        }
    return result


def plan_model(name_or_path: str, **kwargs) -> dict[str, Any]:
    return plan(resolve_config(name_or_path), **kwargs)


def context_curve(config: dict | ModelSpec, dtype: str, contexts: list[int], batch: int = 1) -> list[int]:
    """Cache bytes at each context (math convention), for charts."""
    cfg = config.config if isinstance(config, ModelSpec) else config
    layout = kv_layout(cfg)
    dt = get_dtype(dtype)
    return [cache_total_bytes(layout, dt, c, batch) for c in contexts]


# --------------------------------------------------------------------------- accelerators


@dataclass(frozen=True)
class Accelerator:
    name: str
    memory_bytes: int  # what the planner fits into (the driver's reported total where known)
    nominal: str
    memory_basis: str
    source: str


@lru_cache(maxsize=1)
def _accelerators_raw() -> tuple[dict, ...]:
    return tuple(json.loads(ACCELERATORS_PATH.read_text(encoding="utf-8"))["accelerators"])


def load_accelerators() -> list[Accelerator]:
    return [
        Accelerator(a["name"], int(a["memory_bytes"]), a["nominal"], a["memory_basis"], a["source"])
        for a in _accelerators_raw()
    ]


def get_accelerator(name: str) -> Accelerator:
    key = _norm(name)
    for a in load_accelerators():
        if _norm(a.name) == key or _norm(a.name).startswith(key):
            return a
    raise KvvizError(f"Unknown accelerator {name!r}; choose one of: {', '.join(a.name for a in load_accelerators())}.")


TP_ASSUMPTION = (
    "Tensor parallelism over N accelerators: the weights and the KV cache are split evenly, each "
    "device holding 1/N of the weights (rounded up to a byte) and 1/N of the KV heads of every layer. "
    "When N does not divide the number of KV heads the busiest device is counted (ceil(kv_heads / N) heads; "
    "vLLM refuses such an N). When N is larger than the number of KV heads, heads are replicated: every "
    "device still holds one whole KV head, so the cache per device stops shrinking at N = kv_heads. "
    "Multi-head latent attention (DeepSeek) caches one latent shared by all heads: it cannot be split "
    "by heads, so every device holds the whole latent cache. Each device keeps its own reserve."
)


def tp_layout(layout: list[LayerKV], gpus: int) -> list[LayerKV]:
    """What one device caches per layer under `gpus`-way tensor parallelism (see TP_ASSUMPTION).

    K/V layers keep ceil(kv_heads / gpus) heads per device, never fewer than one (replication);
    MLA layers are whole on every device.
    """
    gpus = _check_count(gpus, "number of accelerators")
    if gpus == 1:
        return layout
    out = []
    for layer in layout:
        if layer.kind == "mla":
            out.append(layer)
            continue
        heads = -(-layer.kv_heads // gpus)  # >= 1: with gpus > kv_heads each device holds one (replicated) head
        parts = tuple((name, heads if n == layer.kv_heads else n, d) for name, n, d in layer.parts)
        out.append(LayerKV(layer.index, layer.kind, heads, layer.head_dim, layer.window, parts))
    return out


def kv_sharding(config: dict | ModelSpec, gpus: int) -> dict[str, Any]:
    """How the KV heads of a config split over `gpus` devices: heads per device and whether they divide or replicate."""
    cfg = config.config if isinstance(config, ModelSpec) else config
    gpus = _check_count(gpus, "number of accelerators")
    if is_mla(cfg):
        return {"gpus": gpus, "kv_heads": None, "kv_heads_per_device": None, "split": "replicated (MLA latent)",
                "note": "MLA: the latent is shared by all heads, so every device holds the whole cache."}
    kv_heads = attention_shape(cfg)[2]
    per = -(-kv_heads // gpus)
    if gpus == 1:
        split, note = "whole", "One accelerator: it holds all KV heads."
    elif kv_heads % gpus == 0:
        split, note = "split", f"{kv_heads} KV heads / {gpus} devices = {per} per device."
    elif gpus > kv_heads:
        copies = f"{gpus // kv_heads}" if gpus % kv_heads == 0 else f"about {gpus / kv_heads:.1f}"
        split = "replicated"
        note = (f"{gpus} devices > {kv_heads} KV heads: each device still holds one whole KV head "
                f"(each head stored on {copies} devices), so the cache per device is that of N = {kv_heads}.")
    else:
        split = "uneven"
        note = (f"{kv_heads} KV heads do not divide over {gpus} devices: counted at the busiest device, "
                f"{per} heads (vLLM refuses a tensor-parallel size that does not divide the KV heads).")
    return {"gpus": gpus, "kv_heads": kv_heads, "kv_heads_per_device": per, "split": split, "note": note}


def fit(
    config: dict | ModelSpec,
    accelerator_bytes: int,
    dtype: str = "bf16",
    context: int = 4096,
    batch: int = 1,
    weights_dtype: str = "bf16",
    reserve_fraction: float = DEFAULT_RESERVE,
    parameters: int | None = None,
    max_context: int | None = None,
    gpus: int = 1,
) -> dict[str, Any]:
    """What fits beside the weights: the largest batch at `context`, the largest context at `batch`.

    Per device: memory for the cache = accelerator_bytes x (1 - reserve_fraction) - weights / gpus.
    With gpus > 1 the KV heads are split over the devices (tensor parallelism, see TP_ASSUMPTION).
    Nothing else (activations, CUDA context, allocator slack, communication buffers) is counted
    beyond the reserve. The default reserve is DEFAULT_RESERVE (10%, like vLLM's
    gpu_memory_utilization=0.9).
    """
    if isinstance(reserve_fraction, bool) or not isinstance(reserve_fraction, (int, float)) or not 0 <= reserve_fraction < 1:
        raise KvvizError("The reserve must be a fraction between 0 and 1.")
    context = _check_count(context, "context length")
    batch = _check_count(batch, "batch size")
    gpus = _check_count(gpus, "number of accelerators")
    if gpus > MAX_GPUS:
        raise KvvizError(f"number of accelerators must be at most {MAX_GPUS:,}, got {gpus:,}.")
    if isinstance(accelerator_bytes, bool) or not isinstance(accelerator_bytes, int) or accelerator_bytes <= 0:
        raise KvvizError(f"Accelerator memory must be a positive number of bytes, got {accelerator_bytes!r}.")
    if max_context is not None:
        max_context = _check_count(max_context, "max_context")
    spec = config if isinstance(config, ModelSpec) else ModelSpec("config", config)
    p = plan(spec, dtype=dtype, context=context, batch=1, weights_dtype=weights_dtype, parameters=parameters)
    dt = get_dtype(dtype)
    layout = tp_layout(kv_layout(spec.config), gpus)
    usable = int(accelerator_bytes * (1 - reserve_fraction))
    weights_per_device = -(-p["weights_bytes"] // gpus)
    free = usable - weights_per_device
    per_seq_device = cache_total_bytes(layout, dt, context, 1)
    sharding = kv_sharding(spec, gpus)
    out: dict[str, Any] = {
        "accelerator_bytes": accelerator_bytes,
        "reserve_fraction": reserve_fraction,
        "usable_bytes": usable,
        "gpus": gpus,
        "kv_heads_per_device": sharding["kv_heads_per_device"],
        "kv_split": sharding["split"],
        "kv_split_note": sharding["note"],
        "weights_bytes": p["weights_bytes"],
        "weights_per_device_bytes": weights_per_device,
        "free_for_cache_bytes": max(free, 0),
        "weights_fit": free > 0,
        "context": context,
        "batch": batch,
        "per_sequence_bytes": p["total_bytes"],
        "per_sequence_per_device_bytes": per_seq_device,
        "cache_per_device_bytes": cache_total_bytes(layout, dt, context, batch),
    }
    fixed = 2 * len(layout) * dt.tensor_scale_bytes
    per_seq = per_seq_device - (fixed if context else 0)
    if free <= 0:
        out.update(largest_batch=0, largest_context=0, context_limited_by="weights do not fit", fits=False)
        return out
    out["largest_batch"] = (free - fixed) // per_seq if per_seq > 0 else None
    out["fits"] = out["largest_batch"] is None or out["largest_batch"] >= batch
    limit = max_context or p["max_position_embeddings"] or 2**31
    def cost(c: int) -> int:
        return cache_total_bytes(layout, dt, c, batch)

    if cost(limit) <= free:
        out["largest_context"] = limit
        out["context_limited_by"] = "model's max_position_embeddings" if not max_context else "the limit asked for"
    else:
        lo, hi = 0, limit  # cost(lo) <= free < cost(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if cost(mid) <= free:
                lo = mid
            else:
                hi = mid
        out["largest_context"] = lo
        out["context_limited_by"] = "memory"
    return out


def smallest_gpus(
    config: dict | ModelSpec,
    accelerator_bytes: int,
    candidates: Iterable[int] = TP_CANDIDATES,
    **kwargs: Any,
) -> dict[str, Any] | None:
    """The fit at the smallest tensor-parallel size in `candidates` (1, 2, 4, 8, ...) where
    context x batch fits beside the weights on every device; None if none does.

    kwargs are fit's (dtype, context, batch, weights_dtype, reserve_fraction, parameters).
    """
    for n in candidates:
        f = fit(config, accelerator_bytes, gpus=n, **kwargs)
        if f["fits"]:
            return f
    return None


# --------------------------------------------------------------------------- attention variants compared


def variant_configs(layers: int = 32, hidden: int = 4096, heads: int = 32) -> dict[str, dict]:
    """One 7B-shaped model (32 layers, hidden 4096, 32 heads of 128) under four attention schemes.

    MLA uses DeepSeek-V2/V3's latent sizes (kv_lora_rank 512, qk_rope_head_dim 64).
    """
    base = {"num_hidden_layers": layers, "hidden_size": hidden, "num_attention_heads": heads, "head_dim": hidden // heads}
    return {
        "MHA (32 KV heads)": {**base, "num_key_value_heads": heads},
        "GQA (8 KV heads)": {**base, "num_key_value_heads": 8},
        "MQA (1 KV head)": {**base, "num_key_value_heads": 1},
        "MLA (latent 512 + rotary 64)": {
            **base,
            "kv_lora_rank": 512,
            "qk_rope_head_dim": 64,
            "qk_nope_head_dim": 128,
            "v_head_dim": 128,
        },
    }


def as_json(result: dict) -> str:
    return json.dumps(result, indent=2, allow_nan=False)


__all__ = [
    "DEFAULT_RESERVE",
    "DTYPES",
    "GB",
    "GIB",
    "Accelerator",
    "LayerKV",
    "ModelSpec",
    "attention_variant",
    "cache_bytes_for",
    "cache_total_bytes",
    "context_curve",
    "count_parameters",
    "fit",
    "fmt_bytes",
    "get_accelerator",
    "get_dtype",
    "kv_layout",
    "load_accelerators",
    "load_catalog",
    "parse_config_text",
    "plan",
    "plan_model",
    "resolve_config",
    "smallest_gpus",
    "tp_layout",
    "validate_config",
    "variant_configs",
]
