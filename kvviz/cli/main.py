"""Command line: `python -m kvviz trace|explain|capacity ...` over the same engine as the app."""

from __future__ import annotations

import argparse
import os
import sys

from kvviz.analysis.tokens import hex_bytes, token_text_of
from kvviz.cli import capacity as capacity_cli
from kvviz.cli import explain as explain_cli
from kvviz.cli import lab as lab_cli
from kvviz.cli.table import cell
from kvviz.engine.sampling import Sampling
from kvviz.errors import KvvizError
from kvviz.text import LANGUAGES, language_from_tag, set_language
from kvviz.text import t as text_of


def _shape(shape: list[int]) -> str:
    return "(" + ", ".join(str(x) for x in shape) + ")"


def check_writable(path: str) -> None:
    """Refuse an output path that cannot be written, before a run that would end by writing it."""
    target = os.path.abspath(path)
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise KvvizError(key="errors.cli.write_folder", path=path)
    if not os.path.isdir(folder):
        raise KvvizError(key="errors.cli.write_no_folder", path=path, folder=folder)
    if not os.access(folder, os.W_OK | os.X_OK) or (os.path.exists(target) and not os.access(target, os.W_OK)):
        raise KvvizError(key="errors.cli.write_denied", path=path)


def _token_cell(s) -> str:
    """A step's token for the table: its text, or its bytes ⟨E6 A2⟩ when it is not a whole character."""
    if not s.token_bytes:
        return repr(s.token_text)[:16]
    raw = bytes.fromhex(s.token_bytes)
    whole = token_text_of(raw)
    return repr(whole)[:16] if whole is not None else hex_bytes(raw)[:16]


def check_token_ids(ids: list[int], vocab_size: int, model: str) -> None:
    """A tokenizer larger than the model's embedding would index past it (an IndexError deep in torch)."""
    bad = [t for t in ids if not 0 <= t < vocab_size]
    if bad:
        raise KvvizError(key="errors.cli.tokenizer_vocab", token_id=bad[0], model=model, vocab=vocab_size)


def _trace_args(args) -> Sampling:
    """Everything that can be checked before the model loads (seconds) is checked here."""
    if not args.prompt.strip():
        raise KvvizError(key="errors.prompt_empty")
    if args.max_new_tokens < 1:
        raise KvvizError(key="errors.new_tokens")
    sampling = Sampling(args.temperature, args.top_k, args.top_p, args.seed)
    if args.json:
        check_writable(args.json)
    return sampling


def cmd_trace(args) -> int:
    from kvviz.engine.models import load_model
    from kvviz.engine.tracer import Tracer

    sampling = _trace_args(args)
    loaded = load_model(args.model)
    ids = loaded.tokenizer(args.prompt, add_special_tokens=False)["input_ids"]
    check_token_ids(ids, loaded.info.vocab_size, loaded.info.name)
    tracer = Tracer(
        loaded,
        args.prompt,
        args.max_new_tokens,
        use_cache=not args.no_cache,
        sampling=sampling,
        compare=not args.no_compare,
        measure_flops=args.measure_flops,
    )
    info = loaded.info
    print(text_of("cli.trace.model", name=info.name, architecture=info.architecture, layers=info.num_layers,
                  heads=info.num_attention_heads, kv_heads=info.num_key_value_heads, head_dim=info.head_dim,
                  mode=text_of(f"mode.{tracer.mode}")))
    if info.verified:
        print(text_of("cli.trace.verified", worst=info.verify_worst_rel or 0))
    else:
        print(text_of("cli.trace.unverified", what=", ".join(info.unverified) or text_of("cli.trace.unverified_all"),
                      failed=", ".join(info.verify_failed) or text_of("cli.trace.none_recorded")))
    print(text_of("cli.trace.prompt", tokens=len(tracer.ids)))
    if args.measure_flops:
        print(text_of("cli.trace.measuring"))
    print(_trace_header(args.measure_flops, tracer.shadow is not None))
    while not tracer.done:
        s = tracer.step()
        shape = _shape(s.cache_layers[0].key_shape) if s.cache_layers else "-"
        gflop = s.flops[tracer.mode]["total"] / 1e9  # the cost model, for the mode that ran
        row = (
            f"{s.index:>4}  {cell(text_of(f'cli.trace.phase.{s.phase}'), 7)} {cell(_token_cell(s), 16)} "
            f"{s.input_length:>5}  {shape:<20} "
            f"{s.cache_bytes:>12,} {gflop:>8.3f}"
            + (f" {s.measured_flops['total'] / 1e9:>9.3f}" if s.measured_flops else "")
            + f" {s.time_ms:>8.1f}"
        )
        if s.other_time_ms is not None:
            row += f" {s.other_time_ms:>9.1f} {s.max_abs_logit_diff:>11.2e}"
        print(row, flush=True)
    tr = tracer.trace
    # the text decoded as one byte stream: a character split over tokens comes out whole
    print(text_of("cli.trace.text", text=tr.text))
    why = text_of(f"learn.finish.{tr.finish_reason}") if tr.finish_reason else "-"
    print(text_of("cli.trace.stopped", why=why))
    from kvviz.text.answers import run_summary

    print(text_of("cli.trace.summary", summary=run_summary(tr)))
    if tracer.shadow is not None and tracer.sampling.greedy:
        same = all(s.token_id == s.other_token_id for s in tr.steps)
        worst = max(s.max_abs_logit_diff or 0.0 for s in tr.steps)
        print(text_of("cli.trace.agree", agree=text_of("cli.yes" if same else "cli.agree_no"),
                      same=text_of("cli.yes" if same else "cli.no"), worst=worst))
    if args.json:
        write_text(args.json, tr.to_json(indent=1))
    return 0


def write_text(path: str, body: str) -> None:
    """Write a result file and say so; an OS refusal is a KvvizError naming the path."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(body)
    except OSError as e:
        raise KvvizError(key="errors.cli.write_failed", path=path, reason=e.strerror or str(e)) from None
    print(text_of("cli.wrote", path=path))


def _trace_header(measured: bool, other: bool) -> str:
    """The trace table's header line, in the current language, columns as wide as the rows'."""
    def col(name: str, columns: int, align: str = ">") -> str:
        return cell(text_of(f"cli.trace.col.{name}"), columns, align)

    header = (f"{col('step', 4)}  {col('phase', 7, '<')} {col('token', 16, '<')} {col('fed', 5)}  "
              f"{col('shape', 20, '<')} {col('cache_bytes', 12)} {col('gflop', 8)}"
              + (f" {col('measured', 9)}" if measured else "") + f" {col('ms', 8)}")
    if other:
        header += f" {col('other_ms', 9)} {col('logit_diff', 11)}"
    return header


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m kvviz", description=text_of("cli.description"))
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("trace", help=text_of("cli.trace.help"))
    t.add_argument("--model", default=None, help=text_of("cli.model_help"))
    t.add_argument("--prompt", required=True)
    t.add_argument("--max-new-tokens", type=int, default=16)
    t.add_argument("--no-cache", action="store_true", help=text_of("cli.trace.no_cache_help"))
    t.add_argument("--no-compare", action="store_true", help=text_of("cli.trace.no_compare_help"))
    t.add_argument("--measure-flops", action="store_true", help=text_of("cli.trace.measure_flops_help"))
    t.add_argument("--temperature", type=float, default=0.0, help=text_of("cli.trace.temperature_help"))
    t.add_argument("--top-k", type=int, default=0)
    t.add_argument("--top-p", type=float, default=1.0)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--json", metavar="FILE", help=text_of("cli.json_help"))
    t.set_defaults(func=cmd_trace)
    explain_cli.register(sub)
    capacity_cli.register(sub)
    lab_cli.register(sub)
    # --lang on the top level and on every subcommand (already applied by cli_language(); here for
    # --help and to refuse a language kvviz has no catalog for). SUPPRESS: a subcommand's default
    # must not overwrite a --lang given before the subcommand.
    for parser in (p, *sub.choices.values()):
        parser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS,
                            help=text_of("language.cli_help"))
    return p


def cli_language(argv: list[str] | None) -> str:
    """The output language, known before any parser is built (their help texts come from kvviz.text):
    --lang anywhere on the command line, else $KVVIZ_LANG, else English."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang")
    given, _ = pre.parse_known_args(sys.argv[1:] if argv is None else argv)
    return language_from_tag(given.lang or os.environ.get("KVVIZ_LANG")) or "en"


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    set_language(cli_language(argv))
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KvvizError as e:
        print(text_of("cli.error", message=str(e)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
