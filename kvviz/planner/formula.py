"""The cache formula with a config's numbers filled in: as numbers (Formula), and written out.

plan() builds the Formula from the same layout and dtype that produced its total, so the
formula shown beside a number is the one that produced it. The words ("layers", "positions")
come from kvviz.text; the byte figures from kvviz.units.
"""

from __future__ import annotations

from dataclasses import dataclass

from kvviz.planner.dtypes import DType
from kvviz.planner.layout import LayerKV
from kvviz.text import t
from kvviz.units import fmt_bytes_binary


@dataclass(frozen=True)
class Term:
    """Identical layers counted once: `layers` of them, each caching `parts` per position."""

    layers: int
    kind: str  # "full", "sliding" or "mla"
    parts: tuple[tuple[str, int, int], ...]  # (part id, vectors, values per vector)
    window: int | None


@dataclass(frozen=True)
class Formula:
    batch: int
    context: int
    dtype: DType
    terms: tuple[Term, ...]
    total: int  # bytes: what plan() reports as total_bytes


def formula(layout: list[LayerKV], dtype: DType, context: int, batch: int, total: int) -> Formula:
    groups: dict[tuple, int] = {}
    for layer in layout:
        key = (layer.kind, layer.parts, layer.window)
        groups[key] = groups.get(key, 0) + 1
    terms = tuple(Term(n, kind, parts, window) for (kind, parts, window), n in groups.items())
    return Formula(batch, context, dtype, terms, total)


def _bytes_per_value(dtype: DType) -> str:
    return f"{dtype.bits}/8" if dtype.bits % 8 else f"{dtype.bits // 8}"


def _scales(dtype: DType) -> str:
    if dtype.group_size:
        return t("planner.formula.group_scales", bytes=dtype.group_overhead_bytes, group=dtype.group_size)
    if dtype.tensor_scale_bytes:
        return t("planner.formula.tensor_scales", bytes=2 * dtype.tensor_scale_bytes)
    return ""


def formula_text(f: Formula) -> str:
    ("""Plain text: 'cache = batch 2 x [ 32 full layers x 2 (K,V) x ... ] x 2 B (fp16) """
     """= ... bytes = ... GiB (... GB)'.""")
    terms = []
    for term in f.terms:
        positions = f"{f.context:,}" if term.window is None else f"min({f.context:,}, {term.window:,})"
        if term.kind == "mla":
            terms.append(t("planner.formula.mla_term", layers=term.layers,
                           values=" + ".join(str(d) for _, _, d in term.parts),
                           parts=" + ".join(t(f"planner.part.{p}") for p, _, _ in term.parts), positions=positions))
        else:
            (_, heads, dim) = term.parts[0]
            kind = (t("planner.formula.full") if term.window is None
                    else t("planner.formula.sliding", window=f"{term.window:,}"))
            terms.append(t("planner.formula.kv_term", layers=term.layers, kind=kind, heads=heads, dim=dim,
                           positions=positions))
    return t("planner.formula.text", batch=f.batch, terms=" + ".join(terms), per_value=_bytes_per_value(f.dtype),
             dtype=f.dtype.name, scales=_scales(f.dtype), total=f"{f.total:,}", size=fmt_bytes_binary(f.total))


def _tex_num(n: int) -> str:
    return f"{n:,}".replace(",", "{,}")


def _tex_label(key: str, **fields) -> str:
    """A word under a brace: kvviz.text's words, with LaTeX's special characters removed."""
    return "".join(ch for ch in t(key, **fields) if ch not in "\\{}$^_%&#~")


def formula_latex(f: Formula) -> str:
    """The same formula for st.latex, each factor labelled under a brace."""
    terms = []
    for term in f.terms:
        pos = _tex_num(f.context) if term.window is None else rf"\min({_tex_num(f.context)}, {_tex_num(term.window)})"
        pos = rf"\underbrace{{{pos}}}_{{\text{{{_tex_label('planner.tex.positions')}}}}}"
        layers = rf"\underbrace{{{term.layers}}}_{{\text{{{_tex_label('planner.tex.layers')}}}}}"
        if term.kind == "mla":
            inner = " + ".join(str(d) for _, _, d in term.parts)
            terms.append(rf"{layers} \times \underbrace{{({inner})}}_{{\text{{{_tex_label('planner.tex.latent')}}}}} "
                         rf"\times {pos}")
        else:
            (_, heads, dim) = term.parts[0]
            terms.append(
                rf"{layers} \times \underbrace{{2}}_{{K,V}} \times "
                rf"\underbrace{{{heads}}}_{{\text{{{_tex_label('planner.tex.kv_heads')}}}}} \times "
                rf"\underbrace{{{dim}}}_{{\text{{{_tex_label('planner.tex.head_dim')}}}}} \times {pos}"
            )
    return (
        rf"\underbrace{{{f.batch}}}_{{\text{{{_tex_label('planner.tex.batch')}}}}} \times \Big[" + " + ".join(terms)
        + rf"\Big] \times \underbrace{{{_bytes_per_value(f.dtype)}\,\text{{B}}}}_{{\text{{{f.dtype.name}}}}}"
        + (rf" + \text{{{_tex_label('planner.tex.scales')}}}" if _scales(f.dtype) else "")
        + rf" = {_tex_num(f.total)}\,\text{{B}} = \text{{{fmt_bytes_binary(f.total)}}}"
    )
