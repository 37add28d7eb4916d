"""The source article in words: the lines that name it, and its GPT-2 beside the run's model as a table.

Numbers from kvviz.analysis.article; words from the catalogs (article.*); numbers written by kvviz.units.
The same cells feed the page (a dataframe) and the CLI (plain text, columns aligned for CJK widths).
"""

from __future__ import annotations

import unicodedata

from kvviz.analysis.article import ARTICLE_PROMPT, ARTICLE_TITLE, ARTICLE_URL, ROWS, Comparison, ModelColumn
from kvviz.text import t
from kvviz.units import fmt_bytes, fmt_int


def intro() -> list[str]:
    """The article named and linked, then what it ran."""
    return [t("article.named", title=ARTICLE_TITLE, url=ARTICLE_URL), t("article.ran", prompt=ARTICLE_PROMPT)]


def header(c: Comparison) -> list[str]:
    return [t("article.col.row"), t("article.col.article"), t("article.col.run", name=c.run.name)]


def _bytes(n: int) -> str:
    """Exact, with the rounded size beside it once it is large (fmt_bytes alone rounds from 100 kB on)."""
    exact = f"{fmt_int(n)} {t('units.bytes')}"
    size = fmt_bytes(n)
    return exact if size == exact else f"{exact} ({size})"


def cell(col: ModelColumn, row: str) -> str:
    value = getattr(col, row)
    if row == "attention":
        return t(f"article.attention.{value}", group=col.heads // col.kv_heads)
    if row in ("k_shape", "v_shape"):
        return "(" + ", ".join(fmt_int(x) for x in value) + ")"
    if row == "dtype":
        return t("article.dtype", dtype=value, bytes=col.value_bytes)
    if row.startswith("bytes_"):
        return _bytes(value)
    return fmt_int(value)


def rows(c: Comparison) -> list[list[str]]:
    """[row label, GPT-2 small, the run's model] for each of ROWS."""
    return [[t(f"article.row.{r}", tokens=fmt_int(c.tokens)), cell(c.article, r), cell(c.run, r)] for r in ROWS]


def caption(c: Comparison) -> str:
    return t("article.table_caption", tokens=fmt_int(c.tokens))


def ratio_line(c: Comparison) -> str:
    a, r = c.article, c.run
    return t("article.ratio", run=r.name, ratio=c.ratio, run_layers=r.layers, run_kv=r.kv_heads,
             run_head_dim=r.head_dim, run_value_bytes=r.value_bytes, run_bytes=_bytes(r.bytes_per_token),
             article_layers=a.layers, article_kv=a.kv_heads, article_head_dim=a.head_dim,
             article_value_bytes=a.value_bytes, article_bytes=_bytes(a.bytes_per_token))


def width(s: str) -> int:
    """Terminal columns: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def plain_table(c: Comparison) -> str:
    """The table for a terminal: columns padded to their widest cell."""
    table = [header(c), *rows(c)]
    widths = [max(width(r[i]) for r in table) for i in range(3)]
    return "\n".join("  " + "  ".join(cell_ + " " * (w - width(cell_)) for cell_, w in zip(r, widths)).rstrip()
                     for r in table)


def plain_text(c: Comparison) -> str:
    """The whole section for the CLI: heading, the article named and linked, the table, the ratio."""
    return "\n".join([t("article.heading"), *intro(), "", caption(c), plain_table(c), ratio_line(c)])
