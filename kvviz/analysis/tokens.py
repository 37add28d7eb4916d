"""Tokens as they really are: whole characters where a token's bytes are text, bytes where not.

A byte-level tokenizer may split 梅 (E6 A2 85) over three tokens. Each token is shown as its
text when its bytes are complete UTF-8 on their own, else as its bytes; a run of tokens whose
bytes only join into characters together is a `span`, shown once with the characters it makes.
Pure functions over bytes: the engine reads the bytes (kvviz.engine.token_bytes), the text layer
and the charts render these records.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenView:
    index: int
    raw: bytes
    text: str | None  # the token's own text when its bytes are whole UTF-8 characters, else None
    span: int | None  # index into `Spans` when this token is part of a character split over tokens


@dataclass(frozen=True)
class Span:
    first: int  # token indices, inclusive
    last: int
    text: str  # the characters the joined bytes make ('' while still incomplete at the end)
    complete: bool


def hex_bytes(raw: bytes) -> str:
    """b'\\xe6\\xa2' -> '⟨E6 A2⟩'."""
    return "⟨" + " ".join(f"{b:02X}" for b in raw) + "⟩"


def token_text_of(raw: bytes) -> str | None:
    """A token's own text when its bytes are whole UTF-8 characters, else None."""
    return _whole(raw)


def _whole(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _char_len(lead: int) -> int:
    """Bytes in the UTF-8 character that starts with `lead` (1 for ASCII or an invalid lead)."""
    if lead >= 0xF0:
        return 4
    if lead >= 0xE0:
        return 3
    if lead >= 0xC0:
        return 2
    return 1


def _pending_after(stream: bytes) -> int:
    """Bytes at the end of `stream` that start a character not yet complete (0 if at a boundary)."""
    for back in range(1, min(4, len(stream)) + 1):
        b = stream[-back]
        if b & 0xC0 != 0x80:  # a lead byte (or ASCII)
            need = _char_len(b)
            return back if need > back else 0
    return 0


def view(raws: list[bytes]) -> tuple[list[TokenView], list[Span]]:
    """Each token's display record and the spans of tokens that only make characters together."""
    spans: list[Span] = []
    span_of: list[int | None] = [None] * len(raws)
    stream = b""
    open_from: int | None = None  # first token of a span still waiting for bytes
    for i, raw in enumerate(raws):
        before = _pending_after(stream)
        stream += raw
        after = _pending_after(stream)
        if before and open_from is None:  # pragma: no cover - defensive: cannot happen from the start
            open_from = i
        if after and open_from is None:
            open_from = i
        if open_from is not None and not after:
            spans.append(_make_span(raws, open_from, i, complete=True))
            for j in range(open_from, i + 1):
                span_of[j] = len(spans) - 1
            open_from = None
    if open_from is not None:
        spans.append(_make_span(raws, open_from, len(raws) - 1, complete=False))
        for j in range(open_from, len(raws)):
            span_of[j] = len(spans) - 1
    views = [TokenView(i, raw, _whole(raw), span_of[i]) for i, raw in enumerate(raws)]
    return views, spans


def _make_span(raws: list[bytes], first: int, last: int, complete: bool) -> Span:
    joined = b"".join(raws[first:last + 1])
    return Span(first, last, joined.decode("utf-8", "replace") if complete else "", complete)


def decoded_text(raws: list[bytes]) -> str:
    """The text so far, decoded as one byte stream (a character still incomplete at the end is left out)."""
    stream = b"".join(raws)
    cut = len(stream) - _pending_after(stream)
    return stream[:cut].decode("utf-8", "replace")


def label(tok: TokenView) -> str:
    """One token as a chip label: its text, or its bytes when it is part of a character."""
    return tok.text if tok.text is not None else hex_bytes(tok.raw)
