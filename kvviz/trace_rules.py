"""Rules for one field of a file: type, range and length, checked with the field's path in the message.

A rule's `check(value, path)` returns the value to keep (ints stay ints, numbers become floats)
or raises KvvizError naming `path` ("steps[3].cache_layers[2].key_shape[1]"), by text key
(errors.trace.<key> in kvviz.text: the words are the reader's language). Tables of rules
(kvviz.trace_read) say what each field of a trace may hold; a new optional field is one row.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any

from kvviz.errors import KvvizError, Phrase


def fail(path: str, key: str, **fields) -> KvvizError:
    """A bad field of a trace: errors.trace.<key>, its template starting with the field's path."""
    return KvvizError(key=f"errors.trace.{key}", path=path, **fields)


def noun(what: str) -> Phrase:
    """What a number is, in words ("token id"): errors.trace.what.<what>."""
    return Phrase(f"errors.trace.what.{what}")


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Rule:
    def check(self, value: Any, path: str) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Int(Rule):
    lo: int
    hi: int
    what: str = "count"  # a noun's id: errors.trace.what.<what>

    def check(self, value, path):
        if type(value) is not int or not self.lo <= value <= self.hi:
            key = "int_positive" if self.lo == 1 else "int_range"
            raise fail(path, key, what=noun(self.what), lo=self.lo, hi=self.hi, got=show(value))
        return value


@dataclass(frozen=True)
class Num(Rule):
    lo: float
    hi: float
    what: str = "number"  # as Int.what

    def check(self, value, path):
        if type(value) not in (int, float) or not self.lo <= value <= self.hi:  # finite: json_strict
            raise fail(path, "num_range", what=noun(self.what), lo=self.lo, hi=self.hi, got=show(value))
        return float(value)


@dataclass(frozen=True)
class Text(Rule):
    max_len: int

    def check(self, value, path):
        if type(value) is not str or len(value) > self.max_len:
            raise fail(path, "text", limit=self.max_len, got=show(value))
        return value


@dataclass(frozen=True)
class Flag(Rule):
    def check(self, value, path):
        if type(value) is not bool:
            raise fail(path, "flag", got=show(value))
        return value


@dataclass(frozen=True)
class OneOf(Rule):
    choices: tuple

    def check(self, value, path):
        if type(value) not in (str, type(None)) or value not in self.choices:
            raise fail(path, "one_of", choices=str(list(self.choices)), got=show(value))
        return value


@dataclass(frozen=True)
class Maybe(Rule):
    rule: Rule

    def check(self, value, path):
        return None if value is None else self.rule.check(value, path)


@dataclass(frozen=True)
class ListOf(Rule):
    rule: Rule
    max_len: int
    min_len: int = 0

    def check(self, value, path):
        if type(value) is not list or not self.min_len <= len(value) <= self.max_len:
            got = Phrase("errors.trace.entries", n=len(value)) if type(value) is list else show(value)
            if self.min_len == self.max_len:
                raise fail(path, "list_exact", n=self.min_len, got=got)
            raise fail(path, "list_range", lo=self.min_len, hi=self.max_len, got=got)
        return [self.rule.check(v, f"{path}[{i}]") for i, v in enumerate(value)]


@dataclass(frozen=True)
class MapOf(Rule):
    key: Rule
    value: Rule
    max_len: int

    def check(self, value, path):
        if type(value) is not dict or len(value) > self.max_len:
            raise fail(path, "map", limit=self.max_len, got=show(value))
        return {self.key.check(k, f"{path}[{k[:40]!r}]"): self.value.check(v, f"{path}.{k[:40]}")
                for k, v in value.items()}


@dataclass(frozen=True)
class AnyJson(Rule):
    """Free-form JSON (strings, numbers, lists, objects): json_strict has bounded it already."""

    def check(self, value, path):
        return value


@dataclass(frozen=True)
class Fields(Rule):
    """A JSON object with named fields: unknown fields refused (or checked by `others`), `required` present."""

    table: dict  # field -> Rule
    required: tuple = ()
    others: Rule | None = None  # the rule for fields not in the table; None refuses them

    def check(self, value, path):
        if type(value) is not dict:
            raise fail(path, "object", got=show(value))
        if len(value) > len(self.table) + (1000 if self.others else 0):
            raise fail(path, "too_many_fields", n=len(value))
        missing = [f for f in self.required if f not in value]
        if missing:
            raise fail(path, "missing_fields", names=str(missing))
        unknown = sorted(set(value) - set(self.table))
        if unknown and self.others is None:
            raise fail(path, "unknown_fields", names=str([u[:40] for u in unknown[:5]]))
        return {k: self.table.get(k, self.others).check(v, f"{path}.{k[:40]}") for k, v in value.items()}


@dataclass(frozen=True)
class Record(Rule):
    """A dataclass from a JSON object: its fields' rules from `table`, required = fields without defaults."""

    cls: type
    table: dict

    def __post_init__(self) -> None:
        required = tuple(f.name for f in fields(self.cls) if f.default is MISSING and f.default_factory is MISSING)
        rules = Fields({f.name: self.table.get(f.name, AnyJson()) for f in fields(self.cls)}, required)
        object.__setattr__(self, "_fields", rules)  # built once: a trace has thousands of records

    def check(self, value, path):
        return self.cls(**self._fields.check(value, path))


def unruled(cls: type, table: dict) -> list[str]:
    """Fields of `cls` that `table` has no rule for (a test keeps this empty)."""
    return [f.name for f in fields(cls) if f.name not in table]
