"""Per-run limits, enforced by the Tracer itself so that every caller (app, CLI, API) is bounded.

A server is shared by strangers: one run must not be able to hold gigabytes. The defaults are
the app's; a caller may pass other limits explicitly (None: only the model's own limit).
"""

from __future__ import annotations

from kvviz.trace_data import ModelInfo
from kvviz.units import fmt_bytes

# Prompt + new tokens per run: bounds each run's memory (eager attention is quadratic).
APP_MAX_CONTEXT = 2048
# Recording every layer's attention costs layers x heads x (prompt² + one row per step) floats per
# run: about 45 MB for the built-in model at 128 + 128 tokens. Longer runs record one layer.
ATTENTION_ALL_LAYERS_MAX_TOKENS = 256
# The attention weights one run may record (float32). The app's choice above stays inside it on
# every preset model (built-in: 70 MB for all 30 layers at 255 + 1 tokens, 151 MB for one layer
# at 2047 + 1; Qwen2.5-0.5B: 235 MB for one layer at 2047 + 1).
ATTENTION_BUDGET_BYTES = 256 * 2**20

ATTENTION_BYTES_PER_WEIGHT = 4  # recorded as float32


def attention_bytes(info: ModelInfo, layers: int, prompt: int, new_tokens: int) -> int:
    """Bytes of attention weights a run records: the prefill square, then one row per decode step.

    An upper bound for evicting cache policies, whose rows cover fewer keys than the context.
    """
    decode_rows = (new_tokens - 1) * prompt + new_tokens * (new_tokens - 1) // 2  # decode step t sees prompt + t keys
    rows = prompt * prompt + decode_rows
    return layers * info.num_attention_heads * rows * ATTENTION_BYTES_PER_WEIGHT


def app_attention_layers(info: ModelInfo, total_tokens: int) -> list[int]:
    """The app's choice: every layer for short runs, else the middle layer."""
    if total_tokens <= ATTENTION_ALL_LAYERS_MAX_TOKENS:
        return list(range(info.num_layers))
    return [info.num_layers // 2]


def budget_message(info: ModelInfo, layers: int, prompt: int, new_tokens: int, budget: int) -> str:
    need = attention_bytes(info, layers, prompt, new_tokens)
    return (
        f"Recording the attention of {layers} layer{'s' if layers != 1 else ''} over {prompt} prompt tokens + "
        f"{new_tokens} new tokens would hold {fmt_bytes(need)}; the limit is {fmt_bytes(budget)} per run. "
        "Record fewer layers or ask for fewer tokens."
    )
