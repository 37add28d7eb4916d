"""Attention weights in a trace file: compact, exact to 1/65535, and sized by a formula.

A step's attention for one layer is a float32 array (heads, q, k): the prefill's causal square
(q == k) or the new token's row (q == 1). Written as JSON numbers it took about 8 characters a
weight (a 7-token prompt + 64 tokens, every layer: 5.38 MB). Here each weight is a 16-bit fixed
point number (w * 65535, rounded: the same precision as the 5 decimals before), the causal
triangle keeps only the keys each query may see, and the bytes go in base64: 2.67 characters a
weight, so a file's size follows from its shapes (`encoded_chars`), and the reader can check a
string's length before it decodes anything.

    {"shape": [heads, q, k], "layout": "causal", "uint16": "<base64>"}

"causal": query row r (of the last q positions) keeps keys 0 .. k - q + r; the rest are 0.
"dense": every (q, k) weight (written when the masked part is not all zero).
Version 1 files held nested lists of numbers; the reader still takes those.
"""

from __future__ import annotations

import base64
import binascii

import numpy as np

from kvviz.errors import KvvizError
from kvviz.trace_rules import fail

SCALE = 65535  # uint16 fixed point: w = stored / 65535
LAYOUTS = ("causal", "dense")
FIELDS = ("shape", "layout", "uint16")
# json.dumps(..., indent=None) of the object around the base64 text, with 10-digit dimensions
_OVERHEAD = len('{"shape": [, , ], "layout": "causal", "uint16": ""}') + 30


def stored_count(shape: tuple[int, int, int], layout: str) -> int:
    """Weights written for an array of `shape` in `layout`."""
    h, q, k = shape
    if layout == "dense":
        return h * q * k
    return h * (q * (k - q) + q * (q + 1) // 2)  # row r keeps k - q + r + 1 keys


def encoded_chars(shape: tuple[int, int, int], layout: str = "causal") -> int:
    """Characters of the JSON object `encode` writes for `shape` (an upper bound: dimensions are counted
    at 10 digits)."""
    return _OVERHEAD + 4 * -(-2 * stored_count(shape, layout) // 3)


def _keep(q: int, k: int) -> np.ndarray:
    """(q, k) bool: the keys each of the last q queries may see."""
    return np.arange(k)[None, :] <= (k - q + np.arange(q))[:, None]


def encode(weights: np.ndarray) -> dict:
    """(heads, q, k) float array -> the JSON object above."""
    a = np.asarray(weights, dtype=np.float32)
    if a.ndim != 3 or not np.isfinite(a).all():
        raise KvvizError(key="errors.attention.unsavable")
    h, q, k = a.shape
    keep = _keep(q, k) if q <= k else None
    layout = "causal" if keep is not None and not a[:, ~keep].any() else "dense"
    values = a[:, keep] if layout == "causal" else a.reshape(h, -1)  # (h, kept)
    stored = np.rint(np.clip(values, 0.0, 1.0) * SCALE).astype("<u2")
    return {"shape": [h, q, k], "layout": layout, "uint16": base64.b64encode(stored.tobytes()).decode("ascii")}


def decode(data: object, shape: tuple[int, int, int], where: str) -> np.ndarray:
    """The JSON object (or a version-1 nested list) -> float32 (heads, q, k), checked against `shape`.

    `shape` is what the model and the step say the array must be; nothing is allocated before
    the text is known to hold exactly that many weights.
    """
    if isinstance(data, list):
        a = _from_lists(data, shape, where)
    elif isinstance(data, dict):
        a = _from_object(data, shape, where)
    else:
        raise fail(where, "attention_type", got=type(data).__name__)
    if a.size and (a.min() < 0 or a.max() > 1):
        raise fail(where, "attention_range")
    k = shape[2]
    sums = a.sum(axis=-1, dtype=np.float64)  # (heads, q): each row is a softmax (sinks may take a share)
    if sums.size and sums.max() > 1 + 1e-3 + k * 8e-6:
        raise fail(where, "attention_sum", sum=float(sums.max()))
    return a


def _from_object(data: dict, shape: tuple[int, int, int], where: str) -> np.ndarray:
    unknown = sorted(set(data) - set(FIELDS))
    missing = [f for f in FIELDS if f not in data]
    if unknown or missing:
        raise fail(where, "attention_unknown" if unknown else "attention_missing", names=str(unknown or missing))
    if data["shape"] != list(shape) or any(isinstance(x, bool) for x in data["shape"]):
        raise fail(f"{where}.shape", "attention_shape", shape=str(list(shape)), got=str(data["shape"])[:80])
    layout, text = data["layout"], data["uint16"]
    if layout not in LAYOUTS:
        raise fail(f"{where}.layout", "one_of", choices=str(LAYOUTS), got=repr(str(layout)[:40]))
    if layout == "causal" and shape[1] > shape[2]:
        raise fail(f"{where}.layout", "attention_causal")
    n = stored_count(shape, layout)
    if not isinstance(text, str) or len(text) != 4 * -(-2 * n // 3):
        raise fail(f"{where}.uint16", "attention_base64_length", n=n)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise fail(f"{where}.uint16", "attention_not_base64") from None
    if len(raw) != 2 * n:
        raise fail(f"{where}.uint16", "attention_count", n=n)
    h, q, k = shape
    values = np.frombuffer(raw, dtype="<u2").astype(np.float32) / np.float32(SCALE)
    if layout == "dense":
        return values.reshape(h, q, k)
    out = np.zeros((h, q, k), dtype=np.float32)
    out[:, _keep(q, k)] = values.reshape(h, -1)
    return out


def _from_lists(data: list, shape: tuple[int, int, int], where: str) -> np.ndarray:
    """Version 1: nested lists of numbers, checked level by level before numpy sees them."""
    h, q, k = shape
    bad = fail(where, "attention_lists", h=h, q=q, k=k)
    if len(data) != h:
        raise bad
    for head in data:
        if not isinstance(head, list) or len(head) != q:
            raise bad
        for row in head:
            if not isinstance(row, list) or len(row) != k:
                raise bad
            if not all(type(x) in (int, float) for x in row):
                raise bad
    return np.asarray(data, dtype=np.float32).reshape(shape)
