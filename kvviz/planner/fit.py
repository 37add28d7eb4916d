"""What fits beside the weights on one accelerator or several (tensor parallel).

Tensor parallelism over N accelerators (the words: kvviz.text planner.tp.assumption): the
weights and the KV cache are split evenly, each device holding 1/N of the weights (rounded up
to a byte) and ceil(kv_heads / N) KV heads of every layer (the busiest device, when N does
not divide the heads; vLLM refuses such an N). Past N = kv_heads each device still holds one
whole (replicated) head. MLA's latent is shared by all heads: every device holds all of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kvviz.errors import KvvizError
from kvviz.planner.configs import ConfigError, ModelSpec, check_count, spec_of
from kvviz.planner.dtypes import get_dtype
from kvviz.planner.layout import LayerKV, attention_shape, cache_total_bytes, is_mla, kv_layout, scale_bytes
from kvviz.planner.plan import MAX_BATCH, MAX_CONTEXT, plan
from kvviz.text import t

# Fraction of accelerator memory kept free for activations, the CUDA context and allocator slack.
# vLLM's default gpu_memory_utilization is 0.9: it leaves 10% to everything else. The page and the
# command line both start from this value, so the same question gets the same answer.
DEFAULT_RESERVE = 0.10
# Tensor-parallel sizes tried when looking for the smallest number of accelerators that fits.
TP_CANDIDATES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
MAX_GPUS = 4096


@dataclass(frozen=True)
class Sharding:
    """How the KV heads split over `gpus` devices. split: "whole", "split", "uneven", "replicated" or "mla"."""

    gpus: int
    kv_heads: int | None  # None for MLA (one latent)
    kv_heads_per_device: int | None
    split: str


@dataclass(frozen=True)
class Fit:
    accelerator_bytes: int
    reserve_fraction: float
    usable_bytes: int  # per device, after the reserve
    gpus: int
    sharding: Sharding
    weights_bytes: int
    weights_per_device_bytes: int
    free_for_cache_bytes: int
    weights_fit: bool
    context: int
    batch: int
    per_sequence_bytes: int  # one sequence at `context`, whole model
    per_sequence_per_device_bytes: int
    cache_per_device_bytes: int  # `batch` sequences at `context`
    largest_batch: int | None  # None: no cache at all grows with the batch
    largest_context: int
    context_limited_by: str  # "weights", "max_positions", "asked", "memory"
    fits: bool

    @property
    def kv_heads_per_device(self) -> int | None:
        return self.sharding.kv_heads_per_device

    @property
    def kv_split(self) -> str:
        return self.sharding.split


def tp_layout(layout: list[LayerKV], gpus: int) -> list[LayerKV]:
    """What one device caches per layer under `gpus`-way tensor parallelism.

    K/V layers keep ceil(kv_heads / gpus) heads per device, never fewer than one (replication);
    MLA layers are whole on every device.
    """
    gpus = check_count(gpus, "accelerators", limit=MAX_GPUS)
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


def kv_sharding(config: dict | ModelSpec, gpus: int) -> Sharding:
    """How the KV heads of a config split over `gpus` devices."""
    cfg = spec_of(config).config
    gpus = check_count(gpus, "accelerators", limit=MAX_GPUS)
    if is_mla(cfg):
        return Sharding(gpus, None, None, "mla")
    kv_heads = attention_shape(cfg)[2]
    per = -(-kv_heads // gpus)
    if gpus == 1:
        split = "whole"
    elif kv_heads % gpus == 0:
        split = "split"
    elif gpus > kv_heads:
        split = "replicated"
    else:
        split = "uneven"
    return Sharding(gpus, kv_heads, per, split)


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
) -> Fit:
    """What fits beside the weights: the largest batch at `context`, the largest context at `batch`.

    Per device: memory for the cache = accelerator_bytes x (1 - reserve_fraction) - weights / gpus.
    Nothing else (activations, CUDA context, allocator slack, communication buffers) is counted
    beyond the reserve.
    """
    if isinstance(reserve_fraction, bool) or not isinstance(reserve_fraction, (int, float)) \
            or not 0 <= reserve_fraction < 1:
        raise KvvizError(t("planner.error.reserve", got=reserve_fraction))
    context = check_count(context, "context", limit=MAX_CONTEXT)
    batch = check_count(batch, "batch", limit=MAX_BATCH)
    gpus = check_count(gpus, "accelerators", limit=MAX_GPUS)
    accelerator_bytes = check_count(accelerator_bytes, "accelerator_bytes", limit=2**60)
    if max_context is not None:
        max_context = check_count(max_context, "max_context", limit=MAX_CONTEXT)
    spec = spec_of(config)
    p = plan(spec, dtype=dtype, context=context, batch=1, weights_dtype=weights_dtype, parameters=parameters)
    dt = get_dtype(dtype)
    layout = tp_layout(kv_layout(spec.config), gpus)
    usable = int(accelerator_bytes * (1 - reserve_fraction))
    weights_per_device = -(-p.weights_bytes // gpus)
    free = usable - weights_per_device
    per_seq_device = cache_total_bytes(layout, dt, context, 1)
    common: dict[str, Any] = {
        "accelerator_bytes": accelerator_bytes, "reserve_fraction": reserve_fraction, "usable_bytes": usable,
        "gpus": gpus, "sharding": kv_sharding(spec, gpus), "weights_bytes": p.weights_bytes,
        "weights_per_device_bytes": weights_per_device, "free_for_cache_bytes": max(free, 0), "weights_fit": free > 0,
        "context": context, "batch": batch, "per_sequence_bytes": p.total_bytes,
        "per_sequence_per_device_bytes": per_seq_device,
        "cache_per_device_bytes": cache_total_bytes(layout, dt, context, batch),
    }
    if free <= 0:
        return Fit(**common, largest_batch=0, largest_context=0, context_limited_by="weights", fits=False)
    fixed = scale_bytes(len(layout), dt, context)  # context >= 1 here
    per_seq = per_seq_device - fixed
    largest_batch = (free - fixed) // per_seq if per_seq > 0 else None
    limit = max_context or p.max_position_embeddings or MAX_CONTEXT

    def cost(c: int) -> int:
        return cache_total_bytes(layout, dt, c, batch)

    if cost(limit) <= free:
        largest_context, limited_by = limit, "asked" if max_context else "max_positions"
    else:
        lo, hi = 0, limit  # cost(lo) <= free < cost(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if cost(mid) <= free else (lo, mid)
        largest_context, limited_by = lo, "memory"
    fits = largest_batch is None or largest_batch >= batch
    return Fit(**common, largest_batch=largest_batch, largest_context=largest_context,
               context_limited_by=limited_by, fits=fits)


def smallest_gpus(config: dict | ModelSpec, accelerator_bytes: int, candidates: Iterable[int] = TP_CANDIDATES,
                  **kwargs: Any) -> Fit | None:
    """The fit at the smallest tensor-parallel size in `candidates` where context x batch fits on
    every device; None if none does. kwargs are fit's."""
    for n in candidates:
        f = fit(config, accelerator_bytes, gpus=n, **kwargs)
        if f.fits:
            return f
    return None


def validate_config(config: Any, label: str = "", *, parameters: int | None = None) -> None:
    """Raise ConfigError naming what is wrong, unless the planner can plan for the config.

    Runs the whole plan (layout, parameter count unless `parameters` is given, the fit's context
    search) on small inputs, so that whatever a config can break fails here and not later on a
    page or in the command line.
    """
    try:
        spec = ModelSpec("config", spec_of(config).config, parameters=parameters)
        plan(spec, "bf16", 1, 1, "bf16")
        fit(spec, 2**60, context=1, batch=1)  # room for any weights: reaches the context search
    except ConfigError as e:
        raise (e.within(label) if label else e) from None
