"""The built-in catalog of published model configs and accelerators, and finding a model by name or path.

DATA_DIR is the one place that says where the data files are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kvviz.errors import KvvizError
from kvviz.paths import ASSETS
from kvviz.planner.configs import MAX_CONFIG_BYTES, ConfigError, ModelSpec, parse_config_text
from kvviz.planner.fit import validate_config

DATA_DIR = ASSETS
MODELS_FILE = "model_configs.json"
ACCELERATORS_FILE = "accelerators.json"


@lru_cache(maxsize=1)
def _catalog_raw() -> tuple[dict, ...]:
    return tuple(json.loads((DATA_DIR / MODELS_FILE).read_text(encoding="utf-8"))["models"])


def load_catalog() -> list[ModelSpec]:
    """The built-in catalog of published model configs (a fresh copy each call)."""
    return [
        ModelSpec(
            name=e["name"],
            config=json.loads(json.dumps(e["config"])),
            parameters=e.get("parameters"),
            parameters_source=e.get("parameters_source", ""),
            source=e["source"],
            notes=e.get("notes", ""),
            aliases=list(e.get("aliases", [])),
        )
        for e in _catalog_raw()
    ]


def catalog_names() -> list[str]:
    return [e["name"] for e in _catalog_raw()]


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch == ".")


def looks_like_path(text: str) -> bool:
    return text.endswith(".json") or text.startswith((".", "/", "~")) or "\\" in text


def resolve_config(name_or_path: str) -> ModelSpec:
    """A config.json path (or a folder holding one), else a catalog name or alias.

    Anything that exists on disk (a file, or a folder with a config.json) or looks like a path
    (starts with '.', '/' or '~', or ends with .json) is read as a path, so './models/gpt2' is that
    folder's config and never the catalog's GPT-2. Anything else is matched case-insensitively
    against catalog names and aliases, on the whole string ('google/gemma-3-27b-pt') or its last
    segment ('meta-llama/Llama-2-7b-hf' -> 'Llama-2-7b-hf').
    """
    raw = str(name_or_path).strip()
    if not raw:
        raise KvvizError(key="planner.error.no_model")
    path = Path(raw).expanduser()
    on_disk = path.is_file() or (path.is_dir() and (path / "config.json").is_file())
    if on_disk or looks_like_path(raw):
        return _read_config_path(raw, path)
    keys = {_norm(raw), _norm(raw.split("/")[-1])}
    for spec in load_catalog():
        names = [spec.name, *spec.aliases]
        known = {_norm(n) for n in names} | {_norm(n.split("/")[-1]) for n in names}
        if keys & known:
            return spec
    raise KvvizError(key="planner.error.unknown_model", name=raw[:100], names=", ".join(catalog_names()))


def _read_config_path(raw: str, path: Path) -> ModelSpec:
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise KvvizError(key="planner.error.no_config_in_folder", path=raw)
        path = path / "config.json"
    if not path.is_file():
        raise KvvizError(key="planner.error.no_file", path=raw, names=", ".join(catalog_names()))
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError("planner.error.too_big", "", size=path.stat().st_size,
                              limit=MAX_CONFIG_BYTES).within(str(path))
        data = path.read_bytes()
    except OSError as e:
        raise KvvizError(key="planner.error.cannot_read", path=str(path), reason=e.strerror or str(e)) from None
    config = parse_config_text(data, str(path))
    validate_config(config, str(path))
    name = path.parent.name if path.name == "config.json" else path.stem
    return ModelSpec(name=name or path.name, config=config, source=str(path))


@dataclass(frozen=True)
class Accelerator:
    name: str
    memory_bytes: int  # what the planner fits into (the driver's reported total where known)
    nominal: str
    memory_basis: str  # data: how memory_bytes was found, as the catalog states it
    source: str
    bandwidth_bytes_per_s: float  # datasheet peak memory bandwidth (decimal): the speed floor's divisor
    bandwidth_source: str


@lru_cache(maxsize=1)
def _accelerators_raw() -> tuple[dict, ...]:
    return tuple(json.loads((DATA_DIR / ACCELERATORS_FILE).read_text(encoding="utf-8"))["accelerators"])


def load_accelerators() -> list[Accelerator]:
    return [Accelerator(a["name"], int(a["memory_bytes"]), a["nominal"], a["memory_basis"], a["source"],
                        float(a["memory_bandwidth_bytes_per_s"]), a["memory_bandwidth_source"])
            for a in _accelerators_raw()]


def get_accelerator(name: str) -> Accelerator:
    key = _norm(name)
    for a in load_accelerators():
        if _norm(a.name) == key or _norm(a.name).startswith(key):
            return a
    raise KvvizError(key="planner.error.unknown_accelerator", name=str(name)[:60],
                       names=", ".join(a.name for a in load_accelerators()))
