"""The one strict reader of model configs (a Hugging Face config.json), and of their fields.

A config may come from a stranger (the page's upload, `--config FILE`), so reading it is
bounded before anything looks inside: a size limit, UTF-8 only, a nesting-depth limit, no
duplicate keys, finite numbers only, integers of at most 19 digits, no lone surrogates. Then
every field the planner reads has one type and one range (FIELDS), checked once here, so
nothing later multiplies a string, loops over 2**40 layers or builds a 1e15-element list.
Everything refused is a ConfigError (a KvvizError) naming the field; words from kvviz.text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kvviz.errors import KvvizError

MAX_CONFIG_BYTES = 2_000_000  # a config.json is a few kB
MAX_DEPTH = 32  # config.json nests 2-4 levels (text_config, rope_scaling)
MAX_INT_DIGITS = 19  # nothing the planner reads has more; int() of 5,000 digits raises
MAX_LAYERS = 10_000
MAX_HEADS = 100_000
MAX_DIM = 10_000_000
MAX_POSITIONS = 2**31

# field -> (minimum, maximum): every integer the planner reads. None (JSON null) counts as absent.
INT_FIELDS: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("num_hidden_layers", "n_layer", "num_layers"), (1, MAX_LAYERS)),
    **dict.fromkeys(("num_attention_heads", "n_head", "num_heads"), (1, MAX_HEADS)),
    **dict.fromkeys(("num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num"), (1, MAX_HEADS)),
    **dict.fromkeys(("hidden_size", "n_embd", "d_model", "head_dim", "intermediate_size", "n_inner",
                     "moe_intermediate_size", "kv_lora_rank", "q_lora_rank", "qk_rope_head_dim",
                     "qk_nope_head_dim", "v_head_dim"), (1, MAX_DIM)),
    "vocab_size": (1, MAX_DIM * 10),
    **dict.fromkeys(("max_position_embeddings", "n_positions", "n_ctx", "sliding_window", "attention_chunk_size"),
                    (1, MAX_POSITIONS)),
    "sliding_window_pattern": (1, MAX_LAYERS),
    "max_window_layers": (0, MAX_LAYERS),
    "first_k_dense_replace": (0, MAX_LAYERS),
    **dict.fromkeys(("num_local_experts", "n_routed_experts", "n_shared_experts"), (0, MAX_HEADS)),
}
BOOL_FIELDS = ("multi_query", "use_sliding_window", "tie_word_embeddings", "attention_bias", "is_encoder_decoder")
STR_FIELDS = ("model_type", "_name_or_path")


class ConfigError(KvvizError):
    """A config the planner refuses. key: why (a kvviz.text key); field: the config field it concerns."""

    def __init__(self, key: str, field: str = "", /, **fields: Any):
        self.key, self.field, self.fields = key, field, fields
        # Written when read (KvvizError's text key): in the reader's language, not the raiser's.
        super().__init__(key=key, field=field, **fields)

    def within(self, label: str) -> ConfigError:
        """The same error, its message prefixed by where the config came from (a file name)."""
        err = ConfigError(self.key, self.field, **self.fields)
        err.text_key, err.text_fields = "planner.error.in", {"label": label, "message": self}
        return err


def show(value: Any, limit: int = 60) -> str:
    """A value for a message, cut short: a huge string must not become a huge message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- bounded JSON


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _check_depth(text: str) -> None:
    depth = 0
    for m in _BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            raise ConfigError("planner.error.too_deep", "", limit=MAX_DEPTH)


def _int(s: str) -> int:
    if len(s.lstrip("-")) > MAX_INT_DIGITS:
        raise ConfigError("planner.error.long_number", "", digits=len(s.lstrip("-")), limit=MAX_INT_DIGITS)
    return int(s)


def _float(s: str) -> float:
    v = float(s)
    if not math.isfinite(v):
        raise ConfigError("planner.error.not_finite", "", value=show(s))
    return v


def _constant(s: str) -> float:
    raise ConfigError("planner.error.not_finite", "", value=s)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ConfigError("planner.error.duplicate_key", k)
        out[k] = v
    return out


def _check_strings(value: Any) -> None:
    """Refuse lone surrogates (JSON's \\ud800 escapes): they cannot be written back as UTF-8."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise ConfigError("planner.error.surrogate", "") from None


def parse_config_text(data: str | bytes, label: str = "") -> dict[str, Any]:
    """Read a config.json's content (JSON only; never pickle or code) and check every field's type.

    Raises ConfigError (naming the field and, if given, `label`) for anything the planner refuses.
    """
    try:
        if isinstance(data, str):
            try:
                data = data.encode("utf-8")
            except UnicodeEncodeError:
                raise ConfigError("planner.error.surrogate", "") from None
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError("planner.error.too_big", "", size=len(data), limit=MAX_CONFIG_BYTES)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("planner.error.not_utf8", "") from None
        text = text.removeprefix("\ufeff")
        _check_depth(text)
        try:
            config = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant,
                                object_pairs_hook=_object)
        except json.JSONDecodeError as e:
            raise ConfigError("planner.error.not_json", "", msg=e.msg, line=e.lineno, column=e.colno) from None
        except RecursionError:  # _check_depth should have refused it first
            raise ConfigError("planner.error.too_deep", "", limit=MAX_DEPTH) from None
        _check_strings(config)
        check_fields(config)
    except ConfigError as e:
        raise (e.within(label) if label else e) from None
    return config


# --------------------------------------------------------------------------- fields


def check_fields(config: Any) -> None:
    """Every field the planner reads has its type and range: one pass, before anything is computed."""
    if not isinstance(config, dict):
        raise ConfigError("planner.error.not_object", "", got=type(config).__name__)
    text = config.get("text_config")
    if text is not None and not isinstance(text, dict):
        raise ConfigError("planner.error.field_not_object", "text_config", got=type(text).__name__)
    for cfg in (config, text or {}):
        for key in INT_FIELDS:
            read_int(cfg, (key,), required=False)
        for key in BOOL_FIELDS:
            read_flag(cfg, key)
        for key in STR_FIELDS:
            v = cfg.get(key)
            if v is not None and not isinstance(v, str):
                raise ConfigError("planner.error.not_string", key, got=show(v))
        types = cfg.get("layer_types")
        if types is not None and (not isinstance(types, list) or len(types) > MAX_LAYERS
                                  or not all(isinstance(x, str) for x in types)):
            raise ConfigError("planner.error.layer_types_type", "layer_types", got=show(types))


def text_config(config: Any) -> dict[str, Any]:
    """The decoder's config: multimodal configs (Gemma-3 27B, ...) nest it under text_config."""
    if not isinstance(config, dict):
        raise ConfigError("planner.error.not_object", "", got=type(config).__name__)
    text = config.get("text_config")
    if isinstance(text, dict):
        merged = {k: v for k, v in config.items() if k != "text_config"}
        merged.update(text)  # the decoder's own values win
        return merged
    return config


def read_int(cfg: dict, keys: Iterable[str], *, required: bool = True, default: int | None = None) -> int | None:
    """The one reader of integer fields: the first of `keys` present (null = absent), in its INT_FIELDS range.

    Bools, strings and floats with a fraction are refused, as are values out of range. A whole
    float (4.0) is read as an integer. Missing and required: ConfigError naming the keys.
    """
    keys = tuple(keys)
    for key in keys:
        v = cfg.get(key)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
            raise ConfigError("planner.error.not_whole", key, got=show(v))
        v = int(v)
        lo, hi = INT_FIELDS.get(key, (1, MAX_DIM))
        if v < lo:
            raise ConfigError("planner.error.too_small" if lo else "planner.error.negative", key, got=v, minimum=lo)
        if v > hi:
            raise ConfigError("planner.error.too_large", key, got=v, limit=hi)
        return v
    if required and default is None:
        raise ConfigError("planner.error.missing", " or ".join(keys))
    return default


def read_flag(cfg: dict, key: str, default: bool | None = None) -> bool | None:
    """A true/false field: JSON true or false (absent/null -> default); anything else is refused."""
    v = cfg.get(key)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise ConfigError("planner.error.not_bool", key, got=show(v))
    return v


def check_count(value: Any, what: str, *, allow_zero: bool = False, limit: int | None = None) -> int:
    """An argument that counts something (context, batch, accelerators): a whole number in range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise KvvizError(key="planner.error.arg_not_whole", what=what, got=show(value))
    if value < 0 or (value == 0 and not allow_zero):
        raise KvvizError(key="planner.error.arg_not_positive" if not allow_zero else "planner.error.arg_negative",
                         what=what, got=value)
    if limit is not None and value > limit:
        raise KvvizError(key="planner.error.arg_too_large", what=what, got=value, limit=limit)
    return value


# --------------------------------------------------------------------------- a model to plan for


@dataclass
class ModelSpec:
    """A model to plan for: its config and, when published, its parameter count and where it is from.

    parameters_source and notes are the catalog's own text (data, shown as given).
    """

    name: str
    config: dict[str, Any]
    parameters: int | None = None
    parameters_source: str = ""
    source: str = ""
    notes: str = ""
    aliases: list[str] = field(default_factory=list)


def spec_of(config: dict | ModelSpec) -> ModelSpec:
    """A ModelSpec for a bare config dict (named by its _name_or_path), or the spec itself."""
    if isinstance(config, ModelSpec):
        spec = config
    elif isinstance(config, dict):
        name = config.get("_name_or_path")
        spec = ModelSpec(name=name[:200] if isinstance(name, str) and name else "config", config=config)
    else:
        raise ConfigError("planner.error.not_object", "", got=type(config).__name__)
    check_fields(spec.config)
    return spec
