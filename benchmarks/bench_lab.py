"""The cache lab on the built-in model, measured in one run (no assertions).

    HF_HUB_OFFLINE=1 python benchmarks/bench_lab.py [--tokens 48] [--budget 16] [--skip-step]

1. The done-table of issue 11: "Lionel Messi is a" + 48 tokens, teacher-forced, a budget of 16
   positions: per policy agreement with the full cache, mean KL(full || policy), peak bytes held,
   decode tokens/s of the policy's own passes, and the bytes against the full fp32 cache.
2. One lab step (a decode step of the full reference plus 3 policies) at a 128-token context: the
   server time a visitor's Next click costs (target <= 1 s), median of several steps.
Timings on a shared 2-core machine are noisy: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROMPT = "Lionel Messi is a"
LONG_SEED = (
    "The key-value cache stores, for every layer of a transformer, the keys and values of all the "
    "tokens it has already read, so that generating the next token only needs the new token's query, "
    "key and value. Without it, a decoder recomputes the keys and values of the whole sequence at "
    "every step, which costs more and more as the text grows. "
)


def done_table(loaded, tokens: int, budget: int) -> None:
    from kvviz.analysis.lab import spec_at_budget, tokens_per_second
    from kvviz.engine.lab import run_lab
    from kvviz.units import fmt_bytes

    specs = ["full"] + [spec_at_budget(f, budget) for f in ("window", "sinks", "h2o", "knorm", "int8", "int4")]
    t0, c0 = time.perf_counter(), time.process_time()
    run = run_lab(loaded, PROMPT, tokens, specs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    full_peak = run.policies[0].summary["peak_cache_bytes"]
    print(f"{run.model.name}, {PROMPT!r} + {tokens} tokens, teacher-forced, budget {budget} positions "
          f"(prompt {len(run.prompt_token_ids)} tokens; whole run {wall:.1f} s wall, {cpu:.1f} s CPU)")
    print(f"| {'policy':<14} | {'agreement':>9} | {'mean KL':>8} | {'peak bytes':>11} | {'vs fp32 full':>12} "
          f"| {'tokens/s':>8} | first diff |")
    print(f"|{'-' * 16}|{'-' * 11}|{'-' * 10}|{'-' * 13}|{'-' * 14}|{'-' * 10}|{'-' * 12}|")
    for p in run.policies:
        s = p.summary
        first = "-" if s["first_divergence"] is None else str(s["first_divergence"])
        peak = fmt_bytes(s['peak_cache_bytes'])
        print(f"| {p.spec:<14} | {s['agreement']:>9.3f} | {s['mean_kl']:>8.4f} | {peak:>11} "
              f"| {s['peak_cache_bytes'] / full_peak:>12.3f} | {tokens_per_second(p):>8.1f} | {first:>10} |")
    for bits in (8, 4):  # a quantized position: codes + an fp16 scale and zero per group of 16, keys and values
        print(f"int{bits}:g16 per quantized position: {bits / 8 + 4 / 16:.3f} bytes a number vs 4 (fp32): "
              f"{(bits / 8 + 4 / 16) / 4:.3f} of fp32; the r16 residual stays fp32")
    text = "".join(st.token_text for st in run.policies[0].steps)
    print(f"full cache's continuation: {text!r}")
    print("tokens/s: decode steps per second of wall-clock time of each policy's own forward passes "
          "(the full cache's passes for 'full'); read them side by side, not as absolutes, on a busy machine")


def lab_step(loaded, repeats: int) -> None:
    from kvviz.engine.lab import LabRunner

    ids = []
    seed = LONG_SEED
    while len(ids) < 127:
        ids = loaded.tokenizer(seed, add_special_tokens=False)["input_ids"]
        seed += LONG_SEED
    prompt = loaded.tokenizer.decode(ids[:127])
    specs = ["sinks:4:60", "h2o:32:32", "int4:g32:r32"]
    runner = LabRunner(loaded, prompt, repeats + 1, specs)
    t0 = time.perf_counter()
    runner.step()  # the prompt pass (the page's Start)
    prefill = time.perf_counter() - t0
    times, cpu = [], []
    while not runner.done:
        t0, c0 = time.perf_counter(), time.process_time()
        runner.step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    ctx = len(runner.prompt_ids)
    print(f"lab step, 3 policies ({', '.join(specs)}) + the full reference, context {ctx}-{ctx + repeats}: "
          f"wall median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}), "
          f"CPU median {statistics.median(cpu) * 1000:.0f} ms (one thread: the step's own work, without waiting "
          f"for a busy machine) over {len(times)} steps; target <= 1000 ms; "
          f"the prompt pass took {prefill * 1000:.0f} ms")


def perplexity_table(loaded, tokens: int, budgets: list[int]) -> None:
    from kvviz.analysis.lab import spec_at_budget
    from kvviz.engine.lab_quality import perplexity, text_ids
    from kvviz.units import fmt_bytes

    ids = text_ids(loaded, tokens)
    full = perplexity(loaded, ids, "full")
    print(f"teacher-forced perplexity, first {len(ids)} tokens of kvviz/assets/texts/alice-ch1.txt (16 read first): "
          f"full {full['perplexity']:.2f} at {fmt_bytes(full['peak_cache_bytes'])}")
    print(f"| {'policy':<16} | {'perplexity':>10} | {'peak bytes':>11} | {'vs full':>7} |")
    for fam in ("window", "sinks", "h2o", "knorm", "int8", "int4"):
        for b in budgets:
            r = perplexity(loaded, ids, spec_at_budget(fam, b))
            print(f"| {r['spec']:<16} | {r['perplexity']:>10.2f} | {fmt_bytes(r['peak_cache_bytes']):>11} "
                  f"| {r['peak_cache_bytes'] / full['peak_cache_bytes']:>7.3f} |", flush=True)


def paged(loaded) -> None:
    from kvviz.engine.lab_quality import paged_demo
    from kvviz.text import t
    from kvviz.units import fmt_bytes

    d = paged_demo(loaded, t("lab.system_prompt"), [t(f"lab.question.{i}") for i in range(1, 5)], repeats=3)
    print(f"paged blocks (block size {d['block_size']}), {len(d['requests'])} requests sharing a system prompt: "
          f"{d['blocks_used']} blocks used vs {d['blocks_if_unshared']} unshared "
          f"({fmt_bytes(d['bytes_shared'])} vs {fmt_bytes(d['bytes_unshared'])}); shared prefix "
          f"{d['shared_prefix_tokens']} tokens; prefill {d['prefill_ms_reusing_prefix']:.0f} ms reusing it vs "
          f"{d['prefill_ms_whole']:.0f} ms whole (best of 3 wall; CPU {d['prefill_cpu_ms_reusing_prefix']:.0f} vs "
          f"{d['prefill_cpu_ms_whole']:.0f} ms); max |dlogit| {d['max_abs_logit_diff']:.1e}; "
          f"copy-on-write after a fork: {d['copies_on_write_after_fork']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=48)
    ap.add_argument("--budget", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip-table", action="store_true")
    ap.add_argument("--skip-step", action="store_true")
    ap.add_argument("--perplexity", action="store_true", help="also the perplexity-vs-bytes table (slow)")
    ap.add_argument("--paged", action="store_true", help="also the paged prefix-sharing measurement")
    args = ap.parse_args()
    from kvviz.engine.models import load_model, use_threads

    use_threads(args.threads)
    loaded = load_model()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; torch threads {args.threads}")
    if not args.skip_step:
        lab_step(loaded, args.repeats)
    if not args.skip_table:
        done_table(loaded, args.tokens, args.budget)
    if args.paged:
        paged(loaded)
    if args.perplexity:
        perplexity_table(loaded, 128, [8, 16, 32, 64])
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
