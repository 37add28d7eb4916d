"""The cache lab's policy spellings: sinks:S:R, h2o:H:R, knorm:B, int8|int4|int2[:gG][:rR]."""

from __future__ import annotations

from kvviz.cache.policy import CachePolicy

SPELLINGS = ("sinks:S:R", "h2o:H:R", "knorm:B", "int8|int4|int2[:gG][:rR]")


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 9 else None


def parse(name: str, rest: str) -> CachePolicy | None:
    """The policy a spec names (name before the first ':', rest after it), or None if it names none."""
    from kvviz.cache.h2o import H2OCache
    from kvviz.cache.knorm import KnormCache
    from kvviz.cache.quantized import DEFAULT_GROUP, DEFAULT_RESIDUAL, QuantizedCache
    from kvviz.cache.sinks import SinksCache

    parts = rest.split(":") if rest else []
    numbers = [_number(p) for p in parts]
    if name in ("sinks", "h2o") and len(parts) == 2 and None not in numbers:
        return (SinksCache if name == "sinks" else H2OCache)(*numbers)
    if name == "knorm" and len(parts) == 1 and numbers[0] is not None:
        return KnormCache(numbers[0])
    if name in ("int8", "int4", "int2") and len(parts) <= 2:
        found = {"g": DEFAULT_GROUP, "r": DEFAULT_RESIDUAL}
        letters = [p[:1] for p in parts]
        if len(set(letters)) < len(letters):
            return None
        for p in parts:
            value = _number(p[1:])
            if p[:1] not in found or value is None:
                return None
            found[p[:1]] = value
        return QuantizedCache(int(name[3:]), found["g"], found["r"])
    return None
