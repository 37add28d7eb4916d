"""Column cells for the CLI's tables, padded by terminal width: a CJK character takes two columns,
so a Chinese header lines up with its English-width numbers below."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Terminal columns of `text`: wide and full-width characters count 2, combining marks 0."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cell(text: str, columns: int, align: str = "<") -> str:
    """`text` padded to `columns` terminal columns (">" right-aligned), never cut."""
    pad = " " * max(0, columns - width(text))
    return pad + text if align == ">" else text + pad
