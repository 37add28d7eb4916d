"""Strict JSON for files that strangers hand each other: bounded before anything is built.

Python's json accepts NaN and Infinity, integers of any length (then fails with ValueError past
4,300 digits), nesting until RecursionError, duplicate keys (the last one wins), and bytes in
UTF-16 or UTF-32. Here a file is UTF-8 text of bounded size, nesting depth and number of values;
numbers are finite and integers short; keys are unique; strings are valid Unicode. Anything else
is one KvvizError. The size, depth and value count are checked on the raw text before json
builds a single object, so a hostile file costs at most a bounded amount of memory.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from kvviz.errors import KvvizError, Phrase

MAX_DIGITS = 20  # every integer in a trace fits in 64 bits (2**64 has 20 digits)
_MOVES = np.zeros(256, dtype=np.int8)
_MOVES[[ord("["), ord("{")]] = 1
_MOVES[[ord("]"), ord("}")]] = -1
_PUNCT = (_MOVES != 0) | (np.arange(256) == ord(","))
_BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}


@dataclass(frozen=True)
class Limits:
    """What one file may hold. `what` names the file in messages: the id of its noun, errors.file.<what>
    in kvviz.text ("trace", "file")."""

    max_bytes: int
    max_depth: int = 32
    max_values: int = 2_000_000  # numbers, strings, lists and objects together
    what: str = "file"


class _Refused(Exception):
    """Raised inside json's hooks with the Phrase that says why; turned into a KvvizError outside them."""


def _error(key: str, limits: Limits, **fields) -> KvvizError:
    """A refusal naming the kind of file: errors.json.<key> in kvviz.text."""
    return KvvizError(key=f"errors.json.{key}", what=Phrase(f"errors.file.{limits.what}"), **fields)


def loads(data: str | bytes | bytearray | memoryview, limits: Limits) -> Any:
    """Parse one JSON document under `limits`, or raise KvvizError saying what is wrong."""
    raw = _as_utf8_bytes(data, limits)
    _check_shape(raw, limits)
    try:
        text = raw.decode("utf-8")  # strict: invalid bytes and encoded surrogates are refused
    except UnicodeDecodeError as e:
        raise _error("not_utf8", limits, reason=e.reason, byte=e.start) from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_int=_short_int, parse_float=_finite_float,
                           object_pairs_hook=_unique_keys)
    except _Refused as e:
        raise _error("refused", limits, detail=e.args[0]) from None
    except json.JSONDecodeError as e:
        raise _error("invalid", limits, msg=e.msg, line=e.lineno, column=e.colno) from None
    except RecursionError:  # not reachable under max_depth; kept so no raw exception escapes
        raise _error("recursion", limits) from None
    _check_strings(value, limits)
    return value


def _as_utf8_bytes(data, limits: Limits) -> bytes:
    if isinstance(data, str):
        if len(data) > limits.max_bytes:  # a character is at least one byte
            raise _too_big(len(data), limits)
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise _error("surrogate", limits) from None
    elif isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
    else:
        raise _error("not_text", limits, got=type(data).__name__)
    if len(data) > limits.max_bytes:
        raise _too_big(len(data), limits)
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            raise _error("bom", limits, encoding=name)
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark, as some editors write
        data = data[3:]
    if b"\x00" in data:
        raise _error("nul", limits)
    return data


def _too_big(n: int, limits: Limits) -> KvvizError:
    return _error("too_big", limits, size=n, limit=limits.max_bytes)


def _check_shape(raw: bytes, limits: Limits) -> None:
    """Depth and number of values, counted outside strings with numpy: no Python objects per value.

    Quotes preceded by an odd run of backslashes are escaped; the rest open and close strings, so a
    bracket or comma is structural when an even number of such quotes precede it.
    """
    punct = sum(raw.count(c) for c in (b",", b"[", b"{", b"]", b"}"))
    quotes, slashes = raw.count(b'"'), raw.count(b"\\")
    if max(punct, quotes, slashes) > 4 * limits.max_values:  # far more than any string could hide
        raise _error("too_many_values", limits, limit=limits.max_values)
    arr = np.frombuffer(raw, dtype=np.uint8)
    q = np.flatnonzero(arr == ord('"'))  # (quotes,)
    if q.size and slashes:
        s = np.flatnonzero(arr == ord("\\"))  # (slashes,): runs of consecutive positions
        starts = np.maximum.accumulate(np.where(np.diff(s, prepend=-2) != 1, np.arange(s.size), 0))
        after = q[(q > 0) & (arr[q - 1] == ord("\\"))]  # quotes right after a backslash
        last = np.searchsorted(s, after - 1)  # index in s of the backslash before each such quote
        escaped = after[(last - starts[last] + 1) % 2 == 1]
        q = np.setdiff1d(q, escaped, assume_unique=True)
    p = np.flatnonzero(_PUNCT[arr])  # (punct,)
    p = p[np.searchsorted(q, p) % 2 == 0]  # outside strings
    chars = arr[p]
    moves = _MOVES[chars]
    moves = moves[moves != 0]  # +1 per '[' or '{', -1 per ']' or '}'
    if moves.size and int(np.cumsum(moves, dtype=np.int64).max()) > limits.max_depth:
        raise _error("too_deep", limits, limit=limits.max_depth)
    # each value is followed by a comma, or closes its container, or is the whole document
    if int(np.count_nonzero(chars == ord(","))) + int(np.count_nonzero(moves == 1)) + 1 > limits.max_values:
        raise _error("too_many_values", limits, limit=limits.max_values)


def _no_constant(name: str):
    raise _Refused(Phrase("errors.json.constant", name=name))


def _short_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise _Refused(Phrase("errors.json.long_int", digits=digits))
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(Phrase("errors.json.not_finite", text=text[:40]))
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _Refused(Phrase("errors.json.duplicate_key", key=dup[:60]))
    return out


def _check_strings(value: Any, limits: Limits) -> None:
    """Refuse unpaired surrogates that JSON escapes (\\ud800) smuggle past the UTF-8 check."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            _unicode(v, limits)
        elif isinstance(v, dict):
            for k, item in v.items():
                _unicode(k, limits)
                stack.append(item)
        elif isinstance(v, list):
            stack.extend(v)


def _unicode(s: str, limits: Limits) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise _error("surrogate_in", limits, text=s[:40]) from None
