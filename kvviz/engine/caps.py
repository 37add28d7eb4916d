"""Per-run limits, enforced by the Tracer itself so that every caller (app, CLI, API) is bounded.

A server is shared by strangers: one run must not be able to hold gigabytes. The defaults are
the app's; a caller may pass other limits explicitly (None: only the model's own limit).
"""

from __future__ import annotations

from kvviz.errors import Bytes, KvvizError
from kvviz.trace_data import ModelInfo

# The source article's prompt (GPT-2 on "Lionel Messi is a"): every page and command starts from it.
DEFAULT_PROMPT = "Lionel Messi is a"
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


def check_context(info: ModelInfo, prompt: int, new_tokens: int, max_context: int | None) -> None:
    """Prompt + new tokens within the model's context and the limit per run (None: the model's only)."""
    bad = not isinstance(max_context, int) or isinstance(max_context, bool) or max_context < 2
    if max_context is not None and bad:
        raise KvvizError(key="errors.caps.context_limit", got=repr(max_context)[:40])
    # Whose limit: the model's context, or the limit per run (text keys errors.<what>.model / .run).
    limit, whose = info.max_position_embeddings or 0, "model"
    if max_context and (not limit or max_context < limit):
        limit, whose = max_context, "run"
    if limit and prompt >= limit:
        raise KvvizError(key=f"errors.prompt_too_long.{whose}", prompt=prompt, limit=limit, model=info.name)
    if limit and prompt + new_tokens > limit:
        raise KvvizError(key=f"errors.context_exceeded.{whose}", prompt=prompt, new=new_tokens, limit=limit,
                         most=limit - prompt, model=info.name)


def checked_budget(budget: int | None) -> int | None:
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 0):
        raise KvvizError(key="errors.caps.attention_budget", got=repr(budget)[:40])
    return budget


def check_attention(info: ModelInfo, layers: int, prompt: int, new_tokens: int, budget: int | None) -> None:
    """Refuse a recording that would hold more than `budget` bytes of attention weights (None: no budget)."""
    need = attention_bytes(info, layers, prompt, new_tokens)
    if budget is not None and need > budget:
        raise KvvizError(key="errors.caps.attention_" + ("one" if layers == 1 else "many"), layers=layers,
                         prompt=prompt, new=new_tokens, need=Bytes(need), limit=Bytes(budget))
