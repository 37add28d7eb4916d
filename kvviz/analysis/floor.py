"""The floor of a cached decode step: every byte it must read, over the memory's read bandwidth.

One new token passes through every layer once, so a cached step reads each weight once (the input
embedding excepted: only one row of it is looked up, unless it is tied to the output head) and the
whole KV cache once. Its arithmetic is ~2 FLOP per weight, far below what any accelerator does in
the time those bytes take to arrive, so the step is bound by reading memory:

    floor_s = (weight_bytes_read + cache_bytes) / read_bandwidth_bytes_per_s

A floor, not a promise: no implementation of this step runs faster on that memory; real ones add
kernel launches, Python, reshuffled caches and imperfect bandwidth on top. The engine's benchmark
uses the same function with the bandwidth it measured; the planner with a datasheet's figure.
Pure Python: no torch here.
"""

from __future__ import annotations

from dataclasses import dataclass

from kvviz.errors import KvvizError
from kvviz.planner.catalog import ACCELERATORS_FILE, DATA_DIR, Accelerator, load_accelerators

ACCELERATORS_PATH = DATA_DIR / ACCELERATORS_FILE  # read by the planner's catalog, the one reader


def weight_bytes_read(parameter_bytes: int, embedding_bytes: int, tied: bool, row_bytes: int = 0) -> int:
    """Weight bytes one decode step reads: all of them, except the unread rows of an untied input embedding."""
    if min(parameter_bytes, embedding_bytes, row_bytes) < 0:
        raise ValueError("byte counts cannot be negative")
    return int(parameter_bytes) if tied else int(parameter_bytes) - int(embedding_bytes) + int(row_bytes)


def step_floor_seconds(weight_bytes: int, cache_bytes: int, bandwidth_bytes_per_s: float) -> float:
    """Seconds to read the weights and the KV cache once at `bandwidth_bytes_per_s`."""
    if bandwidth_bytes_per_s <= 0:
        raise ValueError("bandwidth must be positive")
    if weight_bytes < 0 or cache_bytes < 0:
        raise ValueError("byte counts cannot be negative")
    return (weight_bytes + cache_bytes) / float(bandwidth_bytes_per_s)


def tokens_per_s(step_seconds: float) -> float:
    """One token per decode step (batch 1)."""
    return 1.0 / step_seconds if step_seconds > 0 else float("inf")


def accelerators() -> list[Accelerator]:
    """Every accelerator of the planner's catalog, each with its datasheet memory bandwidth."""
    return load_accelerators()


def accelerator(name: str) -> Accelerator:
    for acc in accelerators():
        if acc.name == name:
            return acc
    raise KvvizError(key="errors.no_accelerator", name=repr(str(name)[:60]))


@dataclass(frozen=True)
class PlannedFloor:
    """A planned configuration's cached-step floor on one accelerator (numbers only)."""

    accelerator: str
    weight_bytes: int
    cache_bytes: int
    bandwidth_bytes_per_s: float
    seconds: float
    tokens_per_s: float  # per sequence: each sequence of the batch gets one token per step
    cache_share: float  # fraction of the bytes read that are the cache


def planned_floor(
    weight_bytes: int, cache_bytes: int, accelerator_name: str, devices: int = 1,
) -> PlannedFloor:
    """The floor for a planned configuration: weights + cache (all sequences of the batch) read once.

    With `devices` > 1 (tensor parallel) each reads its share at the same time, so the bandwidth adds up;
    the communication between them is not in the floor.
    """
    if devices < 1:
        raise ValueError("devices must be at least 1")
    acc = accelerator(accelerator_name)
    bw = acc.bandwidth_bytes_per_s * devices
    seconds = step_floor_seconds(weight_bytes, cache_bytes, bw)
    total = weight_bytes + cache_bytes
    return PlannedFloor(
        accelerator=acc.name, weight_bytes=int(weight_bytes), cache_bytes=int(cache_bytes),
        bandwidth_bytes_per_s=bw, seconds=seconds, tokens_per_s=tokens_per_s(seconds),
        cache_share=(cache_bytes / total) if total else 0.0,
    )
