"""The source article beside this run: GPT-2 small (what the article ran) and the run's model, side by side.

The article is a 知乎专栏 (Zhihu column) article titled "KV-Cache" (ARTICLE_URL). It ran GPT-2 on
"Lionel Messi is a" with a naive generation loop that feeds the whole sequence again at every
step, and again with the KV cache, and asks the three questions kvviz.analysis.answers answers.

GPT-2's figures come from its published config in the planner's catalog (entry "GPT-2"), the run's
model's from its ModelInfo, both through kvviz.planner's functions: no figure is typed here.
Numbers and stable keys only (ROWS); the words are in kvviz.text (article.*).
"""

from __future__ import annotations

from dataclasses import dataclass

from kvviz.analysis import memo
from kvviz.engine.caps import DEFAULT_PROMPT
from kvviz.planner.catalog import resolve_config
from kvviz.planner.configs import read_int, text_config
from kvviz.planner.dtypes import get_dtype
from kvviz.planner.layout import HIDDEN, attention_shape, attention_variant, cache_bytes_for
from kvviz.planner.plan import plan
from kvviz.trace_data import ModelInfo, Trace

ARTICLE_URL = "https://zhuanlan.zhihu.com/p/630832593"
ARTICLE_TITLE = "KV-Cache"  # as the article names itself (data, the same in every language)
ARTICLE_PROMPT = DEFAULT_PROMPT  # "Lionel Messi is a": kvviz starts from the article's prompt
ARTICLE_MODEL = "GPT-2"  # the planner catalog's entry for GPT-2 small (124M)
ARTICLE_DTYPE = "fp32"  # transformers loads GPT-2 in float32 unless told otherwise
BUILTIN_MODEL = "SmolLM2-135M"  # the catalog entry of kvviz's built-in model, when there is no run

# The table's rows, top to bottom (words: kvviz.text "article.row.<id>").
ROWS = ("layers", "hidden", "heads", "kv_heads", "head_dim", "attention", "k_shape", "v_shape", "dtype",
        "bytes_per_token", "bytes_at_context")


@dataclass(frozen=True)
class ModelColumn:
    """One model's side of the table: what its K/V cache is made of, and its bytes."""

    name: str
    layers: int
    hidden: int
    heads: int  # query heads
    kv_heads: int
    head_dim: int
    attention: str  # "mha", "gqa" or "mqa" (kvviz.planner.layout.attention_variant)
    dtype: str  # the planner's dtype name ("fp32", "bf16", ...)
    value_bytes: int  # bytes per cached value in that dtype
    k_shape: tuple[int, int, int, int]  # one layer's K at `tokens` cached tokens: (1, kv_heads, tokens, head_dim)
    v_shape: tuple[int, int, int, int]  # the same for V
    bytes_per_token: int  # K and V of every layer for one token (no window capping)
    bytes_at_context: int  # the whole cache at `tokens` tokens, as transformers' DynamicCache holds it


@dataclass(frozen=True)
class Comparison:
    tokens: int  # cached tokens both columns are sized for: the run's context
    article: ModelColumn  # GPT-2 small, from its published config
    run: ModelColumn  # the run's model (the built-in SmolLM2-135M unless the visitor chose another)

    @property
    def ratio(self) -> float:
        """The run's model's bytes per token over GPT-2 small's."""
        return self.run.bytes_per_token / self.article.bytes_per_token


def _column(name: str, config: dict, dtype: str, tokens: int, windows: list[int | None] | None = None) -> ModelColumn:
    layers, heads, kv_heads, head_dim = attention_shape(config)
    dt = get_dtype(dtype)
    if windows is None:
        p = plan(config, dtype=dt.name, context=tokens)
        per_token, at_context = p.bytes_per_token, p.total_bytes_transformers
    else:  # a run's model: its own per-layer windows, the real cache's convention
        per_token = cache_bytes_for([None] * layers, kv_heads, head_dim, dt.bits // 8, 1)
        at_context = cache_bytes_for(windows, kv_heads, head_dim, dt.bits // 8, tokens)
    shape = (1, kv_heads, tokens, head_dim)
    return ModelColumn(name=name, layers=layers, hidden=read_int(text_config(config), HIDDEN), heads=heads,
                       kv_heads=kv_heads, head_dim=head_dim, attention=attention_variant(config).scheme,
                       dtype=dt.name, value_bytes=dt.bits // 8, k_shape=shape, v_shape=shape, bytes_per_token=per_token,
                       bytes_at_context=at_context)


def catalog_column(name: str, dtype: str, tokens: int) -> ModelColumn:
    """A model of the planner's catalog, sized by the planner."""
    spec = resolve_config(name)
    return _column(spec.name, spec.config, dtype, tokens)


def info_column(info: ModelInfo, tokens: int) -> ModelColumn:
    """The run's model, from the dims it was loaded with and the dtype it ran in."""
    config = {"num_hidden_layers": info.num_layers, "hidden_size": info.hidden_size,
              "num_attention_heads": info.num_attention_heads, "num_key_value_heads": info.num_key_value_heads,
              "head_dim": info.head_dim}
    dtype = get_dtype(info.dtype).name  # "float32" -> "fp32"; one it has no name for is a KvvizError
    windows = list(info.layer_windows) or [None] * info.num_layers
    return _column(info.name, config, dtype, tokens, windows)


def compare(info: ModelInfo | None, tokens: int) -> Comparison:
    """GPT-2 small next to `info`'s model (None: the built-in model's catalog entry, in fp32 as it runs here)."""
    tokens = max(1, int(tokens))
    run = info_column(info, tokens) if info is not None else catalog_column(BUILTIN_MODEL, "fp32", tokens)
    return Comparison(tokens=tokens, article=catalog_column(ARTICLE_MODEL, ARTICLE_DTYPE, tokens), run=run)


def compare_trace(trace: Trace) -> Comparison:
    """The comparison at the run's context: the tokens the last step's cache holds."""
    tokens = trace.steps[-1].context_length if trace.steps else len(trace.prompt_token_ids)
    if trace.model is None:
        return compare(None, tokens)
    # Made once per (model, tokens) for every visitor: the questions tab asks on every click.
    return memo.shared.get(("article.compare", tokens), (trace.model,), lambda: compare(trace.model, tokens))
