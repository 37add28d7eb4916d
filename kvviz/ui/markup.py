"""Show user text (prompts, tokens) safely in Streamlit markdown: as text, never as markup."""

import string

from kvviz.analysis.tokens import hex_bytes

_PUNCT = set(string.punctuation)


def md_escape(text: str) -> str:
    """Backslash-escape every ASCII punctuation character (CommonMark allows it for all of them),
    so that *, _, [, ], $, <, >, ` and friends are shown literally; newlines become ↵."""
    out = []
    for ch in text:
        if ch in _PUNCT:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("↵")
        elif ch == "\r" or ch == "\t":
            out.append("→" if ch == "\t" else "")
        else:
            out.append(ch)
    return "".join(out)


def token_chip(text: str, color: str, bold: bool = False) -> str:
    """One token as a coloured chip; spaces shown as ␣ so the boundaries and leading spaces are visible."""
    body = md_escape(text.replace(" ", "␣")) or "∅"
    if bold:
        body = f"**{body}**"
    return f":{color}-background[{body}]"


def byte_chip(raw: bytes, color: str, bold: bool = False) -> str:
    """A token that is part of a character split over tokens, shown as its bytes: ⟨E6 A2⟩."""
    body = md_escape(hex_bytes(raw))
    if bold:
        body = f"**{body}**"
    return f":{color}-background[{body}]"
