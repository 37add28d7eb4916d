"""A run's tables as rows of raw numbers and as CSV text: per step, and per layer of the cache.

    rows = step_rows(trace)                   # one dict per step, keys STEP_COLUMNS
    step_csv(trace)                           # the same as CSV, headers in the visitor's language

Numbers stay raw (exact bytes and FLOPs, ratio as a fraction, times in ms) so a spreadsheet can
compute with them; headers come from kvviz.text. No Streamlit, no model: pure functions of a Trace.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from kvviz.analysis import ledger
from kvviz.text import t
from kvviz.trace_data import Trace

STEP_COLUMNS = ("step", "phase", "token", "context_length", "cache_bytes", "cached_flops", "recompute_flops",
                "ratio", "time_ms", "other_time_ms")
LAYER_COLUMNS = ("layer", "key_shape", "value_shape", "window", "positions", "bytes")
# A text cell starting with one of these is a formula to a spreadsheet: it is written with a leading '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def step_rows(trace: Trace) -> list[dict[str, Any]]:
    """One row per step: the token it produced, the cache after it, both modes' FLOPs (cost model),
    the running ratio cached / recompute, and the measured forward time(s)."""
    run = ledger.split_trace(trace)
    labels = trace.token_texts  # prompt's tokens, then one per step (bytes where a character is split)
    n_prompt = len(trace.prompt_token_ids)
    rows = []
    for i, (s, sp) in enumerate(zip(trace.steps, run.steps)):
        rows.append({
            "step": s.index,
            "phase": s.phase,
            "token": labels[n_prompt + i] if n_prompt + i < len(labels) else s.token_text,
            "context_length": s.context_length,
            "cache_bytes": s.cache_bytes,
            "cached_flops": sp.cached_total,
            "recompute_flops": sp.recompute_total,
            "ratio": sp.ratio,
            "time_ms": s.time_ms,
            "other_time_ms": s.other_time_ms,
        })
    return rows


def layer_rows(trace: Trace, view: int = -1) -> list[dict[str, Any]]:
    """One row per layer of the cache after step `view` (default: the last): shapes
    [batch, kv_heads, positions, head_dim], its sliding window (None: full attention) and true bytes."""
    if not trace.steps:
        return []
    step = trace.steps[view]
    windows = trace.model.layer_windows
    return [
        {"layer": i, "key_shape": list(c.key_shape), "value_shape": list(c.value_shape),
         "window": windows[i] if i < len(windows) else None,
         "positions": c.key_shape[2] if len(c.key_shape) > 2 else None, "bytes": c.bytes}
        for i, c in enumerate(step.cache_layers)
    ]


def headers(columns: tuple[str, ...]) -> list[str]:
    return [t(f"report.col.{c}") for c in columns]


def _cell(value: Any) -> Any:
    """Raw numbers; lists as [a, b]; None as empty; text that a spreadsheet would run as a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(str(x) for x in value) + "]"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """Rows as CSV text (RFC 4180 quoting, \\r\\n line ends), a header row first."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(headers(columns))
    for row in rows:
        w.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def step_csv(trace: Trace) -> str:
    return to_csv(step_rows(trace), STEP_COLUMNS)


def layer_csv(trace: Trace, view: int = -1) -> str:
    return to_csv(layer_rows(trace, view), LAYER_COLUMNS)
