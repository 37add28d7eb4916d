"""The plan: cache bytes of a model config at one context and batch, with the weights, per-layer rows and the formula.

Numbers and stable keys only (Plan, LayerRow, Notice); the page and the CLI put words on them
through kvviz.text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kvviz.planner.configs import ModelSpec, check_count, read_int, spec_of, text_config
from kvviz.planner.dtypes import get_dtype, vector_bytes, weights_bytes
from kvviz.planner.formula import Formula, formula
from kvviz.planner.layout import (
    Attention,
    attention_variant,
    cache_total_bytes,
    kv_layout,
    mla_reference_dims,
    scale_bytes,
)
from kvviz.planner.params import count_parameters

# Above this a figure is no deployment anyone runs (1 PiB: more than the memory of the largest
# accelerator clusters); plan() says so with a warning instead of showing it as plausible.
PLAUSIBLE_BYTES = 2**50
MAX_CONTEXT = 2**31  # tokens; also the fit's context search bound
MAX_BATCH = 10**7


@dataclass(frozen=True)
class Notice:
    """A warning as a stable key (kvviz.text's planner.warn.<key>) and its numbers."""

    key: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class LayerRow:
    index: int
    kind: str  # "full", "sliding" or "mla"
    kv_heads: int
    head_dim: int
    window: int | None
    elements_per_token: int
    bytes_per_token: int
    positions: int  # math convention: a window of W holds W
    bytes: int  # x batch
    positions_transformers: int  # what DynamicCache holds (W - 1 for a sliding layer)
    bytes_transformers: int


@dataclass(frozen=True)
class MlaReference:
    """What an implementation that expands MLA's latent and caches full per-head K and V would hold."""

    heads: int
    key_dim: int  # qk_nope_head_dim + qk_rope_head_dim
    value_dim: int
    elements_per_token_per_layer: int
    bytes_per_token: int  # all layers
    total_bytes: int
    ratio_to_latent: float


@dataclass(frozen=True)
class Plan:
    model: str
    source: str
    attention: Attention
    dtype: str
    context: int
    batch: int
    num_layers: int
    bytes_per_token: int  # all layers, no window capping
    elements_per_token: int
    total_bytes: int  # math convention for windows
    total_bytes_transformers: int  # what transformers' DynamicCache holds
    weights_dtype: str
    parameters: int
    parameters_source: str  # "published", "computed" or "given"
    weights_bytes: int
    max_position_embeddings: int | None
    layers: tuple[LayerRow, ...]
    formula: Formula
    mla_reference: MlaReference | None
    warnings: tuple[Notice, ...]
    notes: str  # the catalog's own note (data)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready numbers (the formula is left out: the CLI writes it in words)."""
        out = asdict(self)
        del out["formula"]
        return out


def parameters_of(spec: ModelSpec) -> tuple[int, str]:
    """The published count when the spec has one, else the one computed from the config."""
    if spec.parameters:
        return spec.parameters, "published"
    return count_parameters(spec.config), "computed"


def plan(
    config: dict | ModelSpec,
    dtype: str = "bf16",
    context: int = 4096,
    batch: int = 1,
    weights_dtype: str = "bf16",
    parameters: int | None = None,
) -> Plan:
    """Cache bytes of a model config at one context and batch.

    total_bytes uses the math convention for windows; total_bytes_transformers is what
    transformers' DynamicCache would hold (sliding layers keep W - 1 positions).
    """
    spec = spec_of(config)
    context = check_count(context, "context", allow_zero=True, limit=MAX_CONTEXT)
    batch = check_count(batch, "batch", limit=MAX_BATCH)
    dt, wdt = get_dtype(dtype), get_dtype(weights_dtype)
    layout = kv_layout(spec.config)  # the cache's shape first: its errors say more than a missing vocab_size
    if parameters is None:
        parameters, params_source = parameters_of(spec)
    else:
        parameters, params_source = check_count(parameters, "parameters", allow_zero=True), "given"
    total = cache_total_bytes(layout, dt, context, batch, "window")
    rows = []
    for layer in layout:
        bpt = layer.bytes_per_token(dt)
        pos, pos_tf = layer.positions(context), layer.positions(context, "transformers")
        rows.append(LayerRow(layer.index, layer.kind, layer.kv_heads, layer.head_dim, layer.window,
                             layer.elements_per_token, bpt, pos, bpt * pos * batch, pos_tf, bpt * pos_tf * batch))
    bytes_per_token = sum(r.bytes_per_token for r in rows)
    wbytes = weights_bytes(parameters, wdt)
    cfg = text_config(spec.config)
    max_pos = read_int(cfg, ("max_position_embeddings", "n_positions"), required=False)
    warnings = []
    if max_pos is not None and context > max_pos:
        warnings.append(Notice("beyond_max_positions", {"context": context, "max_positions": max_pos}))
    if max(total, wbytes) > PLAUSIBLE_BYTES:
        warnings.append(Notice("implausible", {"bytes": max(total, wbytes), "limit": PLAUSIBLE_BYTES}))
    reference = None
    dims = mla_reference_dims(spec.config)
    if dims is not None:
        heads, kdim, vdim = dims
        ref_bpt = len(layout) * heads * (vector_bytes(kdim, dt) + vector_bytes(vdim, dt))
        reference = MlaReference(heads, kdim, vdim, heads * (kdim + vdim), ref_bpt,
                                 ref_bpt * context * batch + scale_bytes(len(layout), dt, context),
                                 ref_bpt / bytes_per_token)
    return Plan(
        model=spec.name, source=spec.source, attention=attention_variant(spec.config), dtype=dt.name,
        context=context, batch=batch, num_layers=len(layout), bytes_per_token=bytes_per_token,
        elements_per_token=sum(r.elements_per_token for r in rows), total_bytes=total,
        total_bytes_transformers=cache_total_bytes(layout, dt, context, batch, "transformers"),
        weights_dtype=wdt.name, parameters=parameters, parameters_source=params_source, weights_bytes=wbytes,
        max_position_embeddings=max_pos, layers=tuple(rows), formula=formula(layout, dt, context, batch, total),
        mla_reference=reference, warnings=tuple(warnings), notes=spec.notes,
    )


def context_curve(config: dict | ModelSpec, dtype: str, contexts: list[int], batch: int = 1) -> list[int]:
    """Cache bytes at each context (math convention), for charts."""
    layout = kv_layout(spec_of(config).config)
    dt = get_dtype(dtype)
    return [cache_total_bytes(layout, dt, c, batch) for c in contexts]


VARIANTS = ("mha", "gqa", "mqa", "mla")


def variant_configs(layers: int = 32, hidden: int = 4096, heads: int = 32) -> dict[str, dict]:
    """One 7B-shaped model (32 layers, hidden 4096, 32 heads of 128) under four attention schemes, by id.

    GQA: 8 KV heads; MQA: 1; MLA uses DeepSeek-V2/V3's latent sizes (kv_lora_rank 512, qk_rope_head_dim 64).
    """
    base = {"num_hidden_layers": layers, "hidden_size": hidden, "num_attention_heads": heads,
            "head_dim": hidden // heads}
    return {
        "mha": {**base, "num_key_value_heads": heads},
        "gqa": {**base, "num_key_value_heads": 8},
        "mqa": {**base, "num_key_value_heads": 1},
        "mla": {**base, "kv_lora_rank": 512, "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128},
    }
