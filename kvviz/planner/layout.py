"""What one decoder layer caches per position, read from a config: the per-layer KV layout.

  multi-head / grouped-query / multi-query attention   K and V: 2 x kv_heads x head_dim
  multi-head latent attention (DeepSeek-V2/V3)         latent c_KV (kv_lora_rank) + rotary key k_R
                                                       (qk_rope_head_dim), shared by all heads

A sliding-window layer keeps only its last positions. Two conventions are reported: the math
(a window of W attends over W positions: a rolling buffer of W is enough, Mistral's reference
code) and what transformers' DynamicCache stores (kvviz.cache.rules.transformers_positions).
"""

from __future__ import annotations

from dataclasses import dataclass

from kvviz.cache.rules import transformers_positions
from kvviz.planner.configs import ConfigError, check_fields, read_flag, read_int, text_config
from kvviz.planner.dtypes import DType, vector_bytes

__all__ = [
    "Attention",
    "LayerKV",
    "attention_shape",
    "attention_variant",
    "cache_bytes_for",
    "cache_total_bytes",
    "is_mla",
    "kv_layout",
    "mla_reference_dims",
    "scale_bytes",
    "transformers_positions",
]

LAYERS = ("num_hidden_layers", "n_layer", "num_layers")
HEADS = ("num_attention_heads", "n_head", "num_heads")
KV_HEADS = ("num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num")
HIDDEN = ("hidden_size", "n_embd", "d_model")


@dataclass(frozen=True)
class LayerKV:
    """What one decoder layer caches per position.

    parts: (part id, vectors per position, values per vector), e.g. (("K", 8, 128), ("V", 8, 128))
    for grouped-query attention, or (("latent", 1, 512), ("rope_key", 1, 64)) for MLA.
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

    def positions(self, context: int, convention: str = "window") -> int:
        """Positions held at `context` tokens: "window" is the math (a window of W holds W),
        "transformers" what DynamicCache keeps (kvviz.cache.rules)."""
        if convention == "transformers":
            return transformers_positions(self.window, context)
        return context if self.window is None else min(context, self.window)


def kv_layer(index: int, kv_heads: int, head_dim: int, window: int | None) -> LayerKV:
    """A K/V layer: full attention when window is None, else sliding."""
    parts = (("K", kv_heads, head_dim), ("V", kv_heads, head_dim))
    return LayerKV(index, "full" if window is None else "sliding", kv_heads, head_dim, window, parts)


def num_layers(config: dict) -> int:
    return read_int(text_config(config), LAYERS)


def is_mla(config: dict) -> bool:
    return text_config(config).get("kv_lora_rank") is not None


def attention_shape(config: dict) -> tuple[int, int, int, int]:
    """(layers, query heads, kv heads, head_dim), read from the config; head_dim derived only if absent."""
    cfg = text_config(config)
    layers = num_layers(config)
    heads = read_int(cfg, HEADS)
    kv_heads = read_int(cfg, KV_HEADS, required=False)
    if kv_heads is None:
        kv_heads = 1 if read_flag(cfg, "multi_query", False) else heads
    if kv_heads > heads or heads % kv_heads:
        raise ConfigError("planner.error.uneven_heads", "num_key_value_heads", heads=heads, kv_heads=kv_heads)
    head_dim = read_int(cfg, ("head_dim",), required=False)
    if head_dim is None:
        hidden = read_int(cfg, HIDDEN)
        if hidden % heads:
            raise ConfigError("planner.error.hidden_not_multiple", "hidden_size", hidden=hidden, heads=heads)
        head_dim = hidden // heads
    return layers, heads, kv_heads, head_dim


def _windows(cfg: dict, layers: int) -> list[int | None]:
    """Per layer: None for full attention, else the window. Follows transformers 5.x's rules."""
    mtype = str(cfg.get("model_type") or "")
    window = None
    if read_flag(cfg, "use_sliding_window") is not False:  # Qwen2-style: the window is off unless switched on
        window = read_int(cfg, ("sliding_window",), required=False)
    layer_types = cfg.get("layer_types")
    if layer_types is not None:
        if len(layer_types) != layers:
            raise ConfigError("planner.error.layer_types_length", "layer_types", layers=layers, got=len(layer_types))
        out: list[int | None] = []
        for i, kind in enumerate(layer_types):
            if kind == "full_attention":
                out.append(None)
            elif kind == "sliding_attention":
                if window is None:
                    raise ConfigError("planner.error.no_window", "sliding_window", layer=i)
                out.append(window)
            elif kind == "chunked_attention":
                out.append(read_int(cfg, ("attention_chunk_size",)))
            else:
                raise ConfigError("planner.error.layer_type", "layer_types", layer=i, got=kind[:40])
        return out
    if window is None:
        return [None] * layers
    if mtype == "gemma2":  # alternate: layer 0 sliding, layer 1 global, ...
        return [window if (i + 1) % 2 else None for i in range(layers)]
    if mtype in ("gemma3", "gemma3_text"):  # pattern N: N-1 sliding layers then one global
        pattern = read_int(cfg, ("sliding_window_pattern",), required=False, default=6)
        return [window if (i + 1) % pattern else None for i in range(layers)]
    if mtype in ("qwen2", "qwen2_moe") or "max_window_layers" in cfg:
        first = read_int(cfg, ("max_window_layers",), required=False, default=0)
        return [window if i >= first else None for i in range(layers)]
    return [window] * layers  # Mistral v0.1, Phi-3: every layer slides


def kv_layout(config: dict) -> list[LayerKV]:
    """Per-layer cache layout of a model config (MHA, GQA, MQA, MLA, sliding and hybrid layers)."""
    check_fields(config)
    cfg = text_config(config)
    if read_flag(cfg, "is_encoder_decoder", False):
        raise ConfigError("planner.error.encoder_decoder", "is_encoder_decoder")
    if is_mla(config):
        layers = num_layers(config)
        rank = read_int(cfg, ("kv_lora_rank",))
        rope = read_int(cfg, ("qk_rope_head_dim",))
        parts = (("latent", 1, rank), ("rope_key", 1, rope))
        return [LayerKV(i, "mla", 1, rank + rope, None, parts) for i in range(layers)]
    layers, _, kv_heads, head_dim = attention_shape(config)
    return [kv_layer(i, kv_heads, head_dim, w) for i, w in enumerate(_windows(cfg, layers))]


def mla_reference_dims(config: dict) -> tuple[int, int, int] | None:
    """(heads, key dim, value dim) of an implementation that expands MLA and caches full per-head K and V.

    Key: qk_nope_head_dim + qk_rope_head_dim; value: v_head_dim. None for a model without MLA.
    """
    if not is_mla(config):
        return None
    cfg = text_config(config)
    heads = read_int(cfg, ("num_attention_heads",))
    nope = read_int(cfg, ("qk_nope_head_dim",))
    rope = read_int(cfg, ("qk_rope_head_dim",))
    return heads, nope + rope, read_int(cfg, ("v_head_dim",))


@dataclass(frozen=True)
class Attention:
    """Which attention scheme a config uses, as numbers: words come from kvviz.text (planner.attention.*)."""

    scheme: str  # "mha", "gqa", "mqa" or "mla"
    heads: int
    kv_heads: int  # 1 for MLA (one latent)
    layers: int
    sliding_layers: int  # layers with a window (sliding or chunked)
    window: int | None  # the window of the first sliding layer

    @property
    def group(self) -> int:
        return self.heads // self.kv_heads if self.scheme != "mla" else self.heads


def attention_variant(config: dict) -> Attention:
    layout = kv_layout(config)
    if is_mla(config):
        heads = read_int(text_config(config), HEADS)
        return Attention("mla", heads, 1, len(layout), 0, None)
    _, heads, kv_heads, _ = attention_shape(config)
    scheme = "mha" if kv_heads == heads else ("mqa" if kv_heads == 1 else "gqa")
    windows = [layer.window for layer in layout if layer.window is not None]
    return Attention(scheme, heads, kv_heads, len(layout), len(windows), windows[0] if windows else None)


def cache_total_bytes(layout: list[LayerKV], dtype: DType, context: int, batch: int = 1,
                      convention: str = "window") -> int:
    """Bytes of the whole cache: per-position bytes x positions held, x batch, plus per-tensor scales."""
    per_seq = sum(layer.bytes_per_token(dtype) * layer.positions(context, convention) for layer in layout)
    return per_seq * batch + scale_bytes(len(layout), dtype, context)


def scale_bytes(layers: int, dtype: DType, context: int) -> int:
    """Per-tensor scales (fp8): one per cached K and V tensor per layer, whatever the tokens; none while empty."""
    return 2 * layers * dtype.tensor_scale_bytes if context > 0 else 0


def cache_bytes_for(layer_windows: list[int | None], num_kv_heads: int, head_dim: int, dtype_bytes: int,
                    context: int, batch: int = 1, convention: str = "transformers") -> int:
    """Bytes of a K/V cache holding `context` tokens: what a tracer can compare with the real cache.

    layer_windows: per layer None (full attention) or the sliding window, as in ModelInfo.
    convention "transformers" matches DynamicCache byte for byte (a sliding layer keeps W - 1
    positions); "window" is the math (W positions).
    """
    if convention not in ("transformers", "window"):
        raise ValueError("convention must be 'transformers' or 'window'")
    per_position = 2 * num_kv_heads * head_dim * dtype_bytes  # K and V: (kv_heads, head_dim) each
    return sum(per_position * kv_layer(i, num_kv_heads, head_dim, w).positions(context, convention)
               for i, w in enumerate(layer_windows)) * batch
