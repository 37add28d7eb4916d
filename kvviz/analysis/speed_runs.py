"""Recorded speed runs (kvviz/assets/speed/*.json, written by benchmarks/speed.py): read, checked, summarised.

Pure Python, no torch: the Speed page and the tests read GPU runs on machines without a GPU.
A run is the dict kvviz.engine.speed.run() returns; this module only reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kvviz.errors import KvvizError
from kvviz.paths import ASSETS

SPEED_DIR = ASSETS / "speed"
SCHEMA = "kvviz.speed/1"
# Per-step series a run can hold, in the order they are drawn; each is "<key>_ms" in a point.
SERIES = ("cached", "compiled", "compiled_pipelined", "recompute")


def check_run(run: Any, label: str = "the run") -> dict[str, Any]:
    """The run itself if it has the fields the charts read, else KvvizError saying what is missing."""
    if not isinstance(run, dict) or run.get("schema") != SCHEMA:
        raise KvvizError(f"{label} is not a kvviz speed run (schema {SCHEMA}).")
    for key in ("model", "hardware", "bandwidth", "points"):
        if key not in run:
            raise KvvizError(f"{label} has no {key!r}.")
    for p in run["points"]:
        if not isinstance(p, dict) or not isinstance(p.get("context"), int) or "floor_ms" not in p:
            raise KvvizError(f"{label} has a point without a context or a floor.")
        for s in SERIES:
            v = p.get(f"{s}_ms")
            if v is not None and not (isinstance(v, (int, float)) and v > 0):
                raise KvvizError(f"{label}: {s}_ms must be a positive number.")
    return run


def load_run(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise KvvizError(f"Could not read {path.name}: {e}") from e
    return check_run(run, path.name)


def recorded_runs(folder: Path | str = SPEED_DIR) -> dict[str, dict[str, Any]]:
    """Every recorded run, by file stem, sorted by name."""
    folder = Path(folder)
    return {p.stem: load_run(p) for p in sorted(folder.glob("*.json"))}


def series(run: dict[str, Any], name: str) -> tuple[list[int], list[float]]:
    """(contexts, ms per step) for one series, only where it was measured."""
    xs, ys = [], []
    for p in run["points"]:
        v = p.get(f"{name}_ms")
        if v is not None:
            xs.append(p["context"])
            ys.append(float(v))
    return xs, ys


def floor_series(run: dict[str, Any]) -> tuple[list[int], list[float]]:
    return [p["context"] for p in run["points"]], [float(p["floor_ms"]) for p in run["points"]]


def bytes_read(run: dict[str, Any]) -> tuple[list[int], list[int], list[int]]:
    """(contexts, weight bytes, cache bytes) that one cached step reads at each context."""
    w = int(run["model"]["weight_bytes_read_per_step"])
    ctx = [p["context"] for p in run["points"]]
    return ctx, [w] * len(ctx), [int(p["cache_bytes"]) for p in run["points"]]


def ratios(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Per context: each series over the floor, and recompute over the cached step(s)."""
    out = []
    for p in run["points"]:
        row: dict[str, Any] = {"context": p["context"], "floor_ms": p["floor_ms"]}
        for s in SERIES:
            v = p.get(f"{s}_ms")
            row[f"{s}_ms"] = v
            row[f"{s}_over_floor"] = v / p["floor_ms"] if v else None
        rec = p.get("recompute_ms")
        for s in ("cached", "compiled_pipelined"):
            v = p.get(f"{s}_ms")
            row[f"recompute_over_{s}"] = rec / v if rec and v else None
        out.append(row)
    return out
