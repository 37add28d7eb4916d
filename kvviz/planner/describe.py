"""Words for the planner's numbers and keys, from kvviz.text: shared by the page and the command line.

The computing modules return ids (an attention scheme, a split, a warning key); this module
picks the text key and fills in the numbers, in the current language.
"""

from __future__ import annotations

from kvviz.planner.configs import ModelSpec
from kvviz.planner.fit import Sharding
from kvviz.planner.layout import Attention
from kvviz.planner.plan import Notice, Plan
from kvviz.text import t
from kvviz.units import fmt_bytes_binary


def attention_label(a: Attention) -> str:
    """'GQA (4 query heads per KV head), hybrid: 21 of 42 layers sliding'."""
    base = t(f"planner.attention.{a.scheme}", group=a.group)
    if a.sliding_layers == 0:
        return base
    if a.sliding_layers == a.layers:
        return t("planner.attention.all_sliding", base=base, window=f"{a.window:,}")
    return t("planner.attention.hybrid", base=base, sliding=a.sliding_layers, layers=a.layers)


def warning_text(n: Notice) -> str:
    fields = {k: (fmt_bytes_binary(v) if k in ("bytes", "limit") else f"{v:,}") for k, v in n.fields.items()}
    return t(f"planner.warn.{n.key}", **fields)


def split_note(s: Sharding) -> str:
    """How the KV heads split over the devices, in words."""
    if s.split == "replicated":
        copies = (f"{s.gpus // s.kv_heads}" if s.gpus % s.kv_heads == 0
                  else t("planner.about", n=f"{s.gpus / s.kv_heads:.1f}"))
        return t("planner.split.replicated", gpus=s.gpus, kv_heads=s.kv_heads, copies=copies)
    return t(f"planner.split.{s.split}", gpus=s.gpus, kv_heads=s.kv_heads, per=s.kv_heads_per_device)


def parameters_note(p: Plan, spec: ModelSpec | None = None) -> str:
    """Where the parameter count comes from: the catalog's own words when it has them."""
    if p.parameters_source == "published" and spec is not None and spec.parameters_source:
        return spec.parameters_source
    return t(f"planner.params.{p.parameters_source}")


def dtype_note(name: str) -> str:
    return t(f"planner.dtype.note.{name}")


def limited_by(key: str) -> str:
    return t(f"planner.limited_by.{key}")


def tp_assumption() -> str:
    return t("planner.tp.assumption")
