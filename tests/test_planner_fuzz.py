"""Fuzz: a few hundred seeded mutants of the catalog's real configs, through the reader, the plan and its words.

Each mutant either loads (and then everything the page and the CLI do with it works and gives
the same numbers twice) or is refused with a KvvizError: never another exception, never a hang,
never a large allocation. The time and memory guards catch runaways; they are not speed goals.
"""

from __future__ import annotations

import copy
import json
import random
import signal
import tracemalloc

import pytest

from kvviz.cli.capacity import format_fit, format_table
from kvviz.errors import KvvizError
from kvviz.planner import describe
from kvviz.planner.catalog import DATA_DIR
from kvviz.planner.configs import INT_FIELDS, parse_config_text
from kvviz.planner.fit import fit, smallest_gpus, validate_config
from kvviz.planner.formula import formula_latex, formula_text
from kvviz.planner.plan import context_curve, plan

SEED = 20261130
MUTANTS = 400
HANG_S = 10  # a mutant taking this long is a runaway (they take milliseconds)
PEAK_BYTES = 64 * 2**20  # nor may one allocate this much (a config is a few kB)

ODD_VALUES = [None, 0, -1, 1, 2, 3, 7, 1.5, 4.0, -0.0, 2**31, 2**40, 10**18, 10**19 - 1, 1e308, True, False, "8", "",
              "x" * 5000, [], [1, 2], {}, {"a": 1}, ["full_attention"], ["sliding_attention"] * 3, ["mamba"],
              "[x](http://e)", "<img src=x>", "\u202e", "€"]
RAW_VALUES = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"9" * 5000, b"-" + b"9" * 30, b"[" * 900 + b"]" * 900,
              b'"\\ud800"', b'"\\udfff\\ud800"', b"0.1e-99999", b"123456789012345678901"]
FIELDS = sorted(INT_FIELDS) + ["model_type", "layer_types", "text_config", "tie_word_embeddings", "use_sliding_window",
                               "multi_query", "is_encoder_decoder", "_name_or_path"]


def _real_configs() -> list[dict]:
    return [m["config"] for m in json.loads((DATA_DIR / "model_configs.json").read_text(encoding="utf-8"))["models"]]


def _mutate_value(rng: random.Random, cfg: dict) -> bytes:
    """A field set to an odd value, removed, or a neighbour's value (as JSON)."""
    nested = cfg.get("text_config")
    target = nested if isinstance(nested, dict) and rng.random() < 0.5 else cfg
    key = rng.choice(FIELDS if rng.random() < 0.5 else sorted(target) or FIELDS)
    roll = rng.random()
    if roll < 0.15:
        target.pop(key, None)
    elif roll < 0.3 and isinstance(target.get(key), int) and not isinstance(target.get(key), bool):
        target[key] = target[key] * rng.choice([2, 3, 7, 1000, 10**6]) + rng.choice([-1, 0, 1])
    else:
        target[key] = copy.deepcopy(rng.choice(ODD_VALUES))
    return json.dumps(cfg).encode()


def _mutate_text(rng: random.Random, cfg: dict) -> bytes:
    """Damage the JSON text itself: raw values Python's json would accept, duplicates, cuts, bytes, encodings."""
    text = json.dumps(cfg).encode()
    roll = rng.random()
    if roll < 0.35:
        key = rng.choice(FIELDS).encode()
        return text[:-1] + b', "' + key + b'": ' + rng.choice(RAW_VALUES) + b"}"
    if roll < 0.5:
        key = rng.choice(sorted(cfg)).encode()
        return text[:-1] + b', "' + key + b'": 1}'  # a duplicate key
    if roll < 0.65:
        return text[: rng.randrange(len(text))]
    if roll < 0.8:
        i = rng.randrange(len(text))
        return text[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + text[i:]
    if roll < 0.9:
        return text.decode().encode(rng.choice(["utf-16", "utf-32", "latin-1"]), errors="replace")
    return b"\xef\xbb\xbf" + text  # a BOM: read as UTF-8


def _mutants() -> list[bytes]:
    rng = random.Random(SEED)
    real = _real_configs()
    out = []
    for _ in range(MUTANTS):
        cfg = copy.deepcopy(rng.choice(real))
        for _ in range(rng.randint(1, 3)):
            out_bytes = (_mutate_value if rng.random() < 0.6 else _mutate_text)(rng, cfg)
            try:
                cfg = json.loads(out_bytes)
            except ValueError:
                break
            if not isinstance(cfg, dict):
                break
        out.append(out_bytes)
    return out


def _use(config: dict) -> tuple:
    """Everything the page and the CLI do with a loaded config; the numbers, to compare two runs."""
    p = plan(config, dtype="int4", context=32768, batch=16, weights_dtype="fp8")
    f = fit(config, 85_520_809_984, context=32768, batch=16, gpus=8)
    s = smallest_gpus(config, 85_520_809_984, context=4096)
    words = [describe.attention_label(p.attention), formula_text(p.formula), formula_latex(p.formula),
             format_table(p), format_fit(f, "H100", "test", s.gpus if s else None),
             *(describe.warning_text(w) for w in p.warnings), describe.split_note(f.sharding)]
    assert all(isinstance(w, str) and w for w in words)
    curve = context_curve(config, "bf16", [1, 128, 2**20])
    assert curve == sorted(curve) and p.total_bytes >= 0 and p.parameters >= 0
    return p.total_bytes, p.total_bytes_transformers, p.weights_bytes, f.largest_batch, f.largest_context, curve


def _on_alarm(signum, frame):
    raise TimeoutError(f"a mutant ran for more than {HANG_S} s")


def test_real_configs_load():
    for cfg in _real_configs():
        loaded = parse_config_text(json.dumps(cfg).encode())
        validate_config(loaded)
        _use(loaded)


def test_mutants_load_consistently_or_raise_kvviz_errors():
    old = signal.signal(signal.SIGALRM, _on_alarm)
    tracemalloc.start()
    outcomes = {"loaded": 0, "refused": 0}
    try:
        for i, content in enumerate(_mutants()):
            tracemalloc.reset_peak()
            signal.alarm(HANG_S)
            try:
                config = parse_config_text(content, "mutant")
                validate_config(config, "mutant")
            except KvvizError:
                outcomes["refused"] += 1
            except Exception as e:
                pytest.fail(f"mutant {i} raised {type(e).__name__}: {e!s:.200} -- {content[:300]!r}")
            else:
                outcomes["loaded"] += 1
                assert parse_config_text(content) == config
                assert _use(config) == _use(parse_config_text(content)), i
            finally:
                signal.alarm(0)
            peak = tracemalloc.get_traced_memory()[1]
            assert peak < PEAK_BYTES, f"mutant {i} allocated {peak:,} bytes -- {content[:300]!r}"
    finally:
        tracemalloc.stop()
        signal.signal(signal.SIGALRM, old)
    # the generator reaches both sides: real configs with odd values still plan, and most damage is refused
    assert outcomes["loaded"] >= 40 and outcomes["refused"] >= 150, outcomes
