"""The source article, named and linked, and its GPT-2 beside the run's model (kvviz.text.article)."""

STRINGS: dict[str, str] = {
    "article.heading": "The source article",
    "article.named": "This explainer grew from a Chinese article on the KV cache: “{title}”, a 知乎专栏 (Zhihu "
                     "column) article, {url}",
    "article.ran": (
        "It ran GPT-2 small on “{prompt}” twice: with a naive generation loop that feeds the whole sequence to "
        "the model again at every step (no cache), and with the KV cache, which feeds only the new token; then "
        "it asked the three questions answered here."
    ),
    "article.table_caption": (
        "GPT-2 small from its published config next to this run's model, both sized by the capacity planner "
        "for the same N = {tokens} cached tokens (this run's context)."
    ),
    "article.ratio": (
        "Per token, {run} caches {ratio:.1%} of GPT-2 small's bytes: 2 (K and V) × {run_layers} layers × "
        "{run_kv} K/V heads × {run_head_dim} × {run_value_bytes} bytes = {run_bytes}, against 2 × {article_layers} "
        "× {article_kv} × {article_head_dim} × {article_value_bytes} = {article_bytes}."
    ),
    "article.col.row": "figure",
    "article.col.article": "GPT-2 small (the article)",
    "article.col.run": "{name} (this run)",
    "article.row.layers": "layers",
    "article.row.hidden": "hidden size",
    "article.row.heads": "query heads",
    "article.row.kv_heads": "K/V heads",
    "article.row.head_dim": "head dim",
    "article.row.attention": "attention",
    "article.row.k_shape": "K per layer (batch, K/V heads, N, head dim)",
    "article.row.v_shape": "V per layer (batch, K/V heads, N, head dim)",
    "article.row.dtype": "cache dtype",
    "article.row.bytes_per_token": "KV bytes per token (all layers)",
    "article.row.bytes_at_context": "KV bytes at N = {tokens} tokens",
    "article.attention.mha": "MHA: every query head has its own K/V",
    "article.attention.gqa": "GQA: {group} query heads share each K/V head",
    "article.attention.mqa": "MQA: all query heads share one K/V head",
    "article.dtype": "{dtype} ({bytes} bytes per value)",
}
