"""Engine speed on the built-in model, measured side by side in one run (no assertions).

    HF_HUB_OFFLINE=1 python benchmarks/bench_tracer.py [--tokens 16] [--no-convert]

1. Load times: the first load (GGUF -> fp32 safetensors conversion, forced with a temporary
   KVVIZ_CACHE_DIR) and a later load of the converted folder.
2. Tokens per second at a 7-token and a ~128-token context, for
   - the cached tracer (compare=False, no attention recorded, the default full-cache policy),
   - transformers' model.generate() (greedy, use_cache=True, same prompt and token count),
   - the cached tracer with the window:16 cache policy,
   - the recompute tracer (the source article's loop: whole sequence every step),
   - the cached tracer recording attention weights of every layer (as the app does),
   - the tracer as the app runs it (cached + recompute alongside, attention on all layers),
   each timed over the whole generation (prefill included), plus the decode-only rate;
   with --baseline PATH also another tracer.py's Tracer (before/after, in the same run).
Timings on a shared 2-core machine are noisy: read the ratios, which come from one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHORT_PROMPT = "Lionel Messi is a"  # 7 tokens
LONG_SEED = (
    "The key-value cache stores, for every layer of a transformer, the keys and values of all the "
    "tokens it has already read, so that generating the next token only needs the new token's query, "
    "key and value. Without it, a decoder recomputes the keys and values of the whole sequence at "
    "every step, which costs more and more as the text grows. "
)


def prompt_of(tokenizer, n: int) -> str:
    """A natural-text prompt of exactly n tokens (cut at a token boundary)."""
    text = LONG_SEED * (n // 40 + 2)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"][:n]
    out = tokenizer.decode(ids)
    got = len(tokenizer(out, add_special_tokens=False)["input_ids"])
    return out if got == n else tokenizer.decode(ids[: n - (got - n)])


def load_times(convert: bool) -> dict[str, float]:
    from kvviz.engine.models import load_model

    out: dict[str, float] = {}
    if convert:
        tmp = tempfile.mkdtemp(prefix="kvviz-bench-")
        old = os.environ.get("KVVIZ_CACHE_DIR")
        os.environ["KVVIZ_CACHE_DIR"] = tmp
        try:
            t0 = time.perf_counter()
            m = load_model(progress=lambda s: None)
            out["first load (convert GGUF -> fp32, save)"] = time.perf_counter() - t0
            assert m.converted
            del m
            t0 = time.perf_counter()
            m = load_model(progress=lambda s: None)
            out["later load (same fresh folder)"] = time.perf_counter() - t0
            assert not m.converted
            del m
        finally:
            if old is None:
                os.environ.pop("KVVIZ_CACHE_DIR", None)
            else:
                os.environ["KVVIZ_CACHE_DIR"] = old
            shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    load_model(progress=lambda s: None)
    out["later load (default cache folder)"] = time.perf_counter() - t0
    return out


def time_tracer(loaded, prompt: str, n: int, tracer_cls=None, **kw) -> tuple[float, float, list[int]]:
    """(whole-generation seconds, decode-only seconds, generated ids)."""
    from kvviz.engine.tracer import Tracer

    tracer = (tracer_cls or Tracer)(loaded, prompt, n, **kw)
    t0 = time.perf_counter()
    tracer.step()
    t1 = time.perf_counter()
    while not tracer.done:
        tracer.step()
    t2 = time.perf_counter()
    return t2 - t0, t2 - t1, tracer.trace.generated_ids


def baseline_tracer(path: str):
    """The Tracer class of another tracer.py (e.g. main's), to time before and after side by side."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("kvviz_baseline_tracer", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.Tracer


def time_generate(loaded, prompt: str, n: int) -> tuple[float, float, list[int]]:
    import torch

    tok, model = loaded.tokenizer, loaded.model
    ids = torch.tensor([tok(prompt, add_special_tokens=False)["input_ids"]])
    common = {"do_sample": False, "use_cache": True, "pad_token_id": tok.eos_token_id or 0,
                  "temperature": None, "top_p": None, "top_k": None}
    with torch.inference_mode():
        t0 = time.perf_counter()
        model.generate(ids, max_new_tokens=1, min_new_tokens=1, **common)  # the prefill alone
        t1 = time.perf_counter()
        out = model.generate(ids, max_new_tokens=n, min_new_tokens=n, **common)
        t2 = time.perf_counter()
    whole = t2 - t1
    return whole, max(whole - (t1 - t0), 1e-9), out[0, ids.shape[1]:].tolist()


CORE = ("cached tracer (compare=False)", "model.generate(use_cache=True)", "cached tracer, window:16 policy",
        "baseline cached tracer (compare=False)")


def bench_speed(loaded, n: int, repeats: int, baseline: str | None = None, core: bool = False) -> None:
    tok = loaded.tokenizer
    contexts = [("7-token", SHORT_PROMPT), ("128-token", prompt_of(tok, 128))]
    methods = [
        ("cached tracer (compare=False)", lambda p: time_tracer(loaded, p, n, compare=False)),
        ("model.generate(use_cache=True)", lambda p: time_generate(loaded, p, n)),
        ("cached tracer, window:16 policy", lambda p: time_tracer(loaded, p, n, compare=False, policy="window:16")),
        ("recompute tracer (compare=False)", lambda p: time_tracer(loaded, p, n, use_cache=False, compare=False)),
        ("cached tracer + attention weights of all layers", lambda p: time_tracer(loaded, p, n, compare=False,
                                                                             attention_layers="all")),
        ("app's tracer (cached + recompute alongside, attention on)",
         lambda p: time_tracer(loaded, p, n, compare=True, attention_layers="all")),
    ]
    if baseline:
        old = baseline_tracer(baseline)
        methods.insert(1, ("baseline cached tracer (compare=False)",
                           lambda p: time_tracer(loaded, p, n, tracer_cls=old, compare=False)))
        methods.append(("baseline cached tracer + attention of all layers",
                        lambda p: time_tracer(loaded, p, n, tracer_cls=old, compare=False, attention_layers="all")))
    if core:  # the speed goal only: tracer vs generate (and the baseline), on a busy machine
        methods = [(name, fn) for name, fn in methods if name in CORE]
    time_tracer(loaded, SHORT_PROMPT, 2, compare=False)  # warm-up
    time_generate(loaded, SHORT_PROMPT, 2)
    for label, prompt in contexts:
        plen = len(tok(prompt, add_special_tokens=False)["input_ids"])
        print(f"\n{label} context ({plen} prompt tokens, {n} new tokens, median of {repeats}, methods interleaved):")
        print(f"  {'method':60s} {'whole tok/s':>11s} {'decode tok/s':>12s} {'ms/decode step':>14s}")
        runs: dict[str, list] = {name: [] for name, _ in methods}
        for _ in range(repeats):  # one round of every method per repeat: a busy spell hits them alike
            for name, fn in methods:
                runs[name].append(fn(prompt))
        rates = {}
        for name, _ in methods:
            whole = statistics.median(r[0] for r in runs[name])
            decode = statistics.median(r[1] for r in runs[name])
            rates[name] = (n / whole, (n - 1) / decode)
            print(f"  {name:60s} {n / whole:11.1f} {(n - 1) / decode:12.1f} {1000 * decode / (n - 1):14.1f}")
        base = rates["cached tracer (compare=False)"]
        gen = rates["model.generate(use_cache=True)"]
        print(f"  time per token, cached tracer (full policy) / model.generate(): whole {gen[0] / base[0]:.2f}x, "
              f"decode {gen[1] / base[1]:.2f}x (goal <= 1.10x)")
        for name, r in rates.items():
            if name.startswith(("cached tracer (", "model.generate")):
                continue
            print(f"  time per token, {name} / cached tracer: whole {base[0] / r[0]:.2f}x, "
                  f"decode {base[1] / r[1]:.2f}x")
        ref = runs["cached tracer (compare=False)"][0][2]
        same = {name: runs[name][0][2] == ref for name, _ in methods}
        print("  same tokens as the cached tracer: " + ", ".join(f"{k}={v}" for k, v in same.items()))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokens", type=int, default=16, help="new tokens per generation (default 16)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-convert", action="store_true", help="skip the first-load conversion (about 20-40 s)")
    ap.add_argument("--core", action="store_true", help="only the cached tracers and generate() (the speed goal)")
    ap.add_argument("--baseline", metavar="TRACER_PY", help="also time the Tracer of another tracer.py (e.g. main's)")
    args = ap.parse_args(argv)
    import torch

    print(f"bench_tracer: torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs")
    print("\nLoad times (seconds):")
    for k, v in load_times(not args.no_convert).items():
        print(f"  {k:45s} {v:7.2f}")
    from kvviz.engine.models import load_model

    loaded = load_model(progress=lambda s: None)
    bench_speed(loaded, args.tokens, args.repeats, args.baseline, args.core)


if __name__ == "__main__":
    main()
