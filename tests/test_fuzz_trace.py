"""Fuzz the trace reader with seeded mutants of a real file: each loads consistently or is a KvvizError.

Never another exception, never more than a few seconds, never more than a bounded amount of
memory (tracemalloc's peak per mutant). A mutant that loads must round-trip, and the analysis
the pages run on it (the three answers, the work ledger) must not fail either.
"""

from __future__ import annotations

import copy
import json
import random
import time
import tracemalloc

import pytest
from tiny_models import tiny_loaded

import kvviz
from kvviz.errors import KvvizError
from kvviz.trace_data import Trace

SEED = 20261130
MUTANTS = 300
SECONDS_PER_MUTANT = 5.0  # a hang guard, not a speed goal
PEAK_BYTES_PER_MUTANT = 64 * 2**20

PALETTE = [None, True, False, 0, 1, -1, -5, 7, 2**31, 2**63, 2**64, 10**19, 0.5, -0.0, 5.0, 1e300, 1e-300,
           "", "x", "float32", "cached", "![x](https://example.com/p.png)", "\u202e", "\U0001F600",
           [], [0], [None], [1, 2, 3, 4], ["a"], {}, {"a": 1}, {"shape": [1, 1, 1], "layout": "causal", "uint16": ""}]
TEXTS = ["", " ", "[link](javascript:alert(1))", "<script>x</script>", "\u202e\u0301", "\U0001F600" * 50,
         "a" * 4096, "\n\t", "eos", "float16"]
TEXT_EDITS = [
    lambda t, r: t[: r.randrange(len(t))],  # truncated
    lambda t, r: _at(t, r, "[" * 40),
    lambda t, r: _at(t, r, "9" * r.choice([21, 400, 5000])),
    lambda t, r: _at(t, r, r.choice(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])),
    lambda t, r: _at(t, r, '"\\ud800"'),
    lambda t, r: t.replace('"mode": ', '"mode": "cached", "mode": ', 1),
    lambda t, r: t.replace(", ", ",\u0000 ", 1),
    lambda t, r: "[" * 1000 + "]" * 1000,
    lambda t, r: '{"a":' * 5000 + "1" + "}" * 5000,
    lambda t, r: _flip(t, r),
]


def _at(text: str, rng: random.Random, insert: str) -> str:
    i = rng.randrange(len(text))
    return text[:i] + insert + text[i:]


def _flip(text: str, rng: random.Random) -> bytes:
    raw = bytearray(text.encode())
    for _ in range(rng.randint(1, 4)):
        raw[rng.randrange(len(raw))] = rng.randrange(256)
    return bytes(raw)


def _paths(node, prefix=()):
    """Every (container path, key) in the parsed JSON, attention's base64 included."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        yield prefix, k
        yield from _paths(v, prefix + (k,))


def _get(data, path):
    for k in path:
        data = data[k]
    return data


def _mutate(base: dict, rng: random.Random):
    """One mutant: a JSON value (1 to 3 edits of the parsed file) or, one time in five, edited text."""
    if rng.random() < 0.2:
        return rng.choice(TEXT_EDITS)(json.dumps(base), rng)
    data = copy.deepcopy(base)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        paths = list(_paths(data))
        kind = rng.random()
        if kind < 0.25:  # a text or a fraction, replaced by one of the same type: often still valid
            paths = [(p, k) for p, k in paths if type(_get(data, p)[k]) in (str, float)] or paths
        parent_path, key = rng.choice(paths)
        parent = _get(data, parent_path)
        old = parent[key]
        if kind < 0.25 and isinstance(old, (str, float)) and not isinstance(old, bool):  # same type: often valid
            new = rng.choice(TEXTS) if isinstance(old, str) else old * rng.random()
        elif kind < 0.55:
            new = copy.deepcopy(rng.choice(PALETTE))
        elif kind < 0.7 and type(old) in (int, float):
            new = rng.choice([old + 1, old - 1, old * 2, -old, old * 10**6, float(old), int(old) // 2])
        elif kind < 0.8 and isinstance(old, list) and old:
            new = rng.choice([old[:-1], old + old[-1:], old[::-1], []])
        elif kind < 0.85 and isinstance(old, str):
            new = old[: len(old) // 2] + rng.choice(["", "A", "=", "!", "\\"])
        elif kind < 0.92 and isinstance(parent, dict):
            del parent[key]
            continue
        else:
            new = copy.deepcopy(_get(data, rng.choice(paths)[0]))  # another part of the file
        parent[key] = new
    return data


@pytest.fixture(scope="module")
def bases() -> list[dict]:
    """Real files: a grouped-query model recording every layer, and a sliding-window one in recompute mode."""
    a = kvviz.trace(tiny_loaded("llama"), "Lionel Messi is a", 4, attention_layers="all")
    b = kvviz.trace(tiny_loaded("gemma3"), "The capital of France", 6, attention_layers=[0, 5], use_cache=False)
    return [json.loads(a.to_json()), json.loads(b.to_json())]


def _load(mutant) -> Trace | None:
    text = mutant if isinstance(mutant, (str, bytes)) else json.dumps(mutant)  # NaN/Infinity written as such
    try:
        return Trace.from_json(text)
    except KvvizError:
        return None


def _use(trace: Trace) -> None:
    """What the pages compute from a loaded file."""
    from kvviz.analysis import answers, ledger

    saved = trace.to_json()
    again = Trace.from_json(saved)
    assert again.to_json() == saved  # loads consistently
    if trace.steps:
        ledger.split_trace(trace)
        answers.answers(trace)


def test_mutants_load_consistently_or_are_refused(bases):
    rng = random.Random(SEED)
    loaded = refused = 0
    for n in range(MUTANTS):
        mutant = _mutate(bases[n % len(bases)], rng)
        # memory is traced for every edited text (where the hostile cases are) and every 8th edited value
        traced = not isinstance(mutant, dict) or n % 8 == 0
        if traced:
            tracemalloc.start()
        try:
            t0 = time.monotonic()
            trace = _load(mutant)
            if trace is None:
                refused += 1
            else:
                loaded += 1
                _use(trace)
            seconds = time.monotonic() - t0
            peak = tracemalloc.get_traced_memory()[1] if traced else 0
        finally:
            tracemalloc.stop()
        assert seconds < SECONDS_PER_MUTANT, (n, seconds)
        assert peak < PEAK_BYTES_PER_MUTANT, (n, peak)
    # the generator reaches both outcomes: most edits break a real file, some keep it valid
    print(f"fuzz: {loaded} loaded, {refused} refused")
    assert refused > MUTANTS // 2 and loaded > 10, (loaded, refused)


def test_unmutated_bases_load(bases):
    for base in bases:
        _use(_load(base))
