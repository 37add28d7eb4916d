"""`python -m kvviz explain`: the lines around the three answers."""

STRINGS: dict[str, str] = {
    "explain_cli.help": "answer the article's three questions about the KV cache, with figures from a real run",
    "explain_cli.model_help": "hub id or local folder (default: built-in SmolLM2-135M)",
    "explain_cli.prompt_help": "default: {prompt!r}",
    "explain_cli.empty_prompt": "The prompt is empty: type some text to start from.",
    "explain_cli.model": (
        "{name} ({architecture}): {layers} layers, {heads} query heads, {kv_heads} K/V heads, "
        "head_dim {head_dim}, hidden {hidden}"
    ),
    "explain_cli.prompt": "prompt: {prompt_tokens} tokens; generated {generated} ({finish_reason})",
    "explain_cli.text": "text: {text}",
}
