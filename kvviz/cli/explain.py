"""`python -m kvviz explain`: run a short generation and answer the article's three questions."""

from __future__ import annotations

from kvviz.engine.caps import DEFAULT_PROMPT
from kvviz.text import t


def register(subparsers) -> None:
    p = subparsers.add_parser("explain", help=t("explain_cli.help"))
    p.add_argument("--model", default=None, help=t("explain_cli.model_help"))
    p.add_argument("--prompt", default=DEFAULT_PROMPT, help=t("explain_cli.prompt_help", prompt=DEFAULT_PROMPT))
    p.add_argument("--max-new-tokens", type=int, default=16)
    p.add_argument("--report", metavar="FILE", help=t("report.cli.help"))
    p.set_defaults(func=run)


def run(args) -> int:
    from kvviz.analysis.article import compare_trace
    from kvviz.engine.models import load_model
    from kvviz.engine.tracer import Tracer
    from kvviz.errors import KvvizError
    from kvviz.text.answers import explain_text
    from kvviz.text.article import plain_text

    if not str(args.prompt).strip():
        raise KvvizError(t("explain_cli.empty_prompt"))
    if args.report:
        from kvviz.cli.main import check_writable

        check_writable(args.report)  # before the run, not after it
    loaded = load_model(args.model)
    info = loaded.info
    # The cost model gives both methods' work at every step, so one cached run is enough.
    tr = Tracer(loaded, args.prompt, args.max_new_tokens, use_cache=True, compare=False).run()
    print(t("explain_cli.model", name=info.name, architecture=info.architecture, layers=info.num_layers,
            heads=info.num_attention_heads, kv_heads=info.num_key_value_heads, head_dim=info.head_dim,
            hidden=info.hidden_size))
    print(t("explain_cli.prompt", prompt_tokens=len(tr.prompt_token_ids), generated=len(tr.steps),
            finish_reason=tr.finish_reason))
    print(t("explain_cli.text", text=tr.text))  # decoded as one byte stream: split characters joined
    print()
    print(plain_text(compare_trace(tr)))  # the article named and linked; its GPT-2 beside this model
    print()
    print(explain_text(tr))
    if args.report:
        from kvviz.report.html import report_html

        try:
            with open(args.report, "w", encoding="utf-8") as f:
                f.write(report_html(tr))
        except OSError as e:
            raise KvvizError(t("report.cli.failed", path=args.report, why=e.strerror)) from None
        print(t("report.cli.written", path=args.report))
    return 0
