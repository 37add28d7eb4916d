"""`python -m kvviz explain`: run a short generation and answer the article's three questions."""

from __future__ import annotations

DEFAULT_PROMPT = "Lionel Messi is a"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "explain",
        help="answer the article's three questions about the KV cache, with figures from a real run",
    )
    p.add_argument("--model", default=None, help="hub id or local folder (default: built-in SmolLM2-135M)")
    p.add_argument("--prompt", default=DEFAULT_PROMPT, help=f"default: {DEFAULT_PROMPT!r}")
    p.add_argument("--max-new-tokens", type=int, default=16)
    p.set_defaults(func=run)


def run(args) -> int:
    from kvviz.errors import KvvizError
    from kvviz.analysis.answers import explain_text
    from kvviz.engine.models import load_model
    from kvviz.engine.tracer import Tracer

    if not str(args.prompt).strip():
        raise KvvizError("The prompt is empty: type some text to start from.")
    loaded = load_model(args.model)
    info = loaded.info
    # The cost model gives both methods' work at every step, so one cached run is enough.
    tr = Tracer(loaded, args.prompt, args.max_new_tokens, use_cache=True, compare=False).run()
    print(
        f"{info.name} ({info.architecture}): {info.num_layers} layers, {info.num_attention_heads} query heads, "
        f"{info.num_key_value_heads} K/V heads, head_dim {info.head_dim}, hidden {info.hidden_size}"
    )
    print(f"prompt: {len(tr.prompt_token_ids)} tokens; generated {len(tr.steps)} ({tr.finish_reason})")
    print(f"text: {tr.prompt_text}{tr.generated_text}")
    print()
    print(explain_text(tr))
    return 0
