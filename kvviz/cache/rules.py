"""What a layer's cache holds: the one place these rules are written.

The ledger, the planner and the charts ask here; the policies in this package implement them.
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
