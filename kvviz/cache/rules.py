"""What a layer's cache holds: the one place these rules are written.

The ledger, the planner and the charts ask here; the policies in this package implement them.
No torch import: the planner uses these rules without a model.
"""

from __future__ import annotations


def transformers_positions(window: int | None, context: int) -> int:
    """Positions transformers 5.x's DynamicCache holds in a layer after `context` tokens went through.

    DynamicSlidingWindowLayer.update keeps `states[:, :, -sliding_window + 1:, :]`, i.e. the last
    W - 1 positions, because the next token brings itself as the W-th (for W == 1 that slice is
    [0:], which keeps everything).
    """
    if window is None or window <= 1:
        return context
    return min(context, window - 1)


def transformers_span(window: int | None, context: int) -> tuple[int, int]:
    """[start, stop) of the original positions a DynamicCache layer holds: always the most recent ones."""
    return context - transformers_positions(window, context), context


def tensor_bytes(*tensors) -> int:
    """True bytes held by tensors (keys, values, and for a quantized layer its codes, scales and zero points).

    A policy stores what it holds in tensors of their own (never views into a larger buffer), so
    numel x element size is the memory they keep alive.
    """
    return sum(t.numel() * t.element_size() for t in tensors if t is not None)


def spans(positions) -> list[list[int]]:
    """Ascending original positions as [start, stop) runs: [0, 1, 2, 7, 8] -> [[0, 3], [7, 9]]."""
    out: list[list[int]] = []
    for p in positions:
        p = int(p)
        if out and out[-1][1] == p:
            out[-1][1] = p + 1
        else:
            out.append([p, p + 1])
    return out
