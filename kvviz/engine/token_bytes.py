"""The raw bytes of each token, read from the tokenizer's own vocabulary.

Byte-level BPE (GPT-2, Llama 3, Qwen, SmolLM2) can split one character into several tokens, so
`decode([id])` of a single token often yields U+FFFD. The truthful view is the token's bytes;
kvviz.analysis.tokens joins them back into characters for display.
"""

from __future__ import annotations

import re
from functools import lru_cache

_BYTE_FALLBACK = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


@lru_cache(maxsize=1)
def _byte_level_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes_to_unicode: the printable stand-in character -> the byte it encodes."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def _decoder_kind(tokenizer) -> str:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    text = repr(getattr(backend, "decoder", None)) if backend is not None else ""
    if "ByteLevel" in text:
        return "byte_level"
    if "ByteFallback" in text or "Metaspace" in text or "▁" in text:
        return "sentencepiece"
    return "text"


def token_bytes(tokenizer, ids: list[int]) -> list[bytes]:
    """Each token's bytes as the tokenizer's decoder would emit them (special tokens: their text)."""
    kind = _decoder_kind(tokenizer)
    pieces = tokenizer.convert_ids_to_tokens(list(ids))
    special = set(getattr(tokenizer, "all_special_tokens", []) or [])
    table = _byte_level_decoder()
    out: list[bytes] = []
    for tid, piece in zip(ids, pieces):
        if piece is None:
            out.append(b"")
        elif piece in special:
            out.append(piece.encode("utf-8"))
        elif kind == "byte_level" and all(ch in table for ch in piece):
            out.append(bytes(table[ch] for ch in piece))
        elif kind == "sentencepiece":
            m = _BYTE_FALLBACK.match(piece)
            out.append(bytes([int(m.group(1), 16)]) if m else piece.replace("▁", " ").encode("utf-8"))
        else:
            out.append(tokenizer.decode([tid]).encode("utf-8", "surrogatepass"))
    return out
