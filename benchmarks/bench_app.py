"""The app's responsiveness on the built-in model, measured side by side in one run (no assertions).

    HF_HUB_OFFLINE=1 python benchmarks/bench_app.py [--clicks 9] [--no-browser]

(a) One "Next token" click at a 128-token context (targets: <= 0.5 s):
    - engine: Tracer.step() as the app runs it (cached + recompute alongside, attention weights of
      every layer), and its two forward passes; plus the cached forward alone (compare=False);
    - whole rerun in AppTest (the full script, every tab built; no browser, no network);
    - in headless Chromium: click to the updated metric (server rerun + websocket + drawing).
(b) Opening the page in headless Chromium to the first full render (prefill metrics shown, every
    Plotly chart drawn), model already converted on disk (target <= 10 s): a fresh server process
    (loads the model) and a second visitor on the same server.
Timings on a shared 2-core machine are noisy; medians are printed.
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
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_tracer import prompt_of  # noqa: E402

TARGET_CONTEXT = 128


def med(xs) -> float:
    return statistics.median(xs)


def engine(loaded, prompt: str, clicks: int) -> None:
    from kvviz.engine.tracer import Tracer

    tr = Tracer(loaded, prompt, clicks + 2, compare=True, attention_layers="all")
    tr.step()
    walls = []
    for _ in range(clicks):
        t0 = time.perf_counter()
        tr.step()
        walls.append(time.perf_counter() - t0)
    steps = tr.trace.steps[1:]
    ctx = [s.context_length for s in steps]
    print(f"  engine, Tracer.step() as the app runs it (contexts {ctx[0]}-{ctx[-1]}):  "
          f"median {1000 * med(walls):.0f} ms  (cached forward {med(s.time_ms for s in steps):.0f} ms + "
          f"recompute forward {med(s.other_time_ms for s in steps):.0f} ms)")
    solo = Tracer(loaded, prompt, clicks + 2, compare=False)
    solo.step()
    walls = []
    for _ in range(clicks):
        t0 = time.perf_counter()
        solo.step()
        walls.append(time.perf_counter() - t0)
    print(f"  engine, cached step alone (compare=False, no attention weights):     median {1000 * med(walls):.0f} ms")


def apptest(prompt: str, clicks: int) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.text_area(key="prompt").set_value(prompt).run()
    t0 = time.perf_counter()
    at.button(key="start").click().run()
    start = time.perf_counter() - t0
    assert not at.exception, at.exception
    walls = []
    for _ in range(clicks):
        t0 = time.perf_counter()
        at.button(key="next").click().run()
        walls.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    steps = at.session_state.tracer.trace.steps[1:]
    engine_ms = [s.time_ms + s.other_time_ms for s in steps]
    print(f"  AppTest, whole rerun of a Next click (contexts {steps[0].context_length}-{steps[-1].context_length}): "
          f"median {1000 * med(walls):.0f} ms, of which the two forwards {med(engine_ms):.0f} ms  "
          f"(Start with the prompt: {start:.2f} s)")


def browser(prompt: str, clicks: int) -> None:
    from browser_util import launch, metric, missing_browser_reason, served, wait_ready
    from playwright.sync_api import expect, sync_playwright

    reason = missing_browser_reason()
    if reason:
        print(f"  browser: skipped ({reason})")
        return
    # Only the open tab is drawn (lazy tabs); the first tab has text, the Cache tab three charts.
    drawn = """(n) => { const p = [...document.querySelectorAll('.js-plotly-plot')];
                       return p.length >= n && p.every(el => el._fullLayout && el.querySelector('.main-svg')); }"""
    with sync_playwright() as pw:
        b = launch(pw)
        t_server = time.perf_counter()
        with served(ROOT / "app.py") as server:
            healthy = time.perf_counter() - t_server
            opens = []
            for visitor in range(2):
                ctx = b.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(server.url)
                expect(metric(page, "Tokens in the cache")).to_have_text("7", timeout=300_000)
                t_metric = time.perf_counter() - t0
                wait_ready(page)
                page.wait_for_function(drawn, arg=0, timeout=120_000)
                t_ready = time.perf_counter() - t0
                t1 = time.perf_counter()
                page.get_by_role("tab", name="Cache", exact=True).click()
                page.wait_for_function(drawn, arg=3, timeout=120_000)
                t_cache = time.perf_counter() - t1
                n = page.locator(".js-plotly-plot").count()
                opens.append((t_ready, t_metric, n, t_cache))
                if visitor == 0:
                    first_page = page
                else:
                    ctx.close()
            print("(b) open the page in headless Chromium -> prefill metrics shown and every chart drawn:")
            print(f"  server process healthy after {healthy:.2f} s")
            for who, o in zip(("first visitor (fresh server: loads the converted model, prefill)",
                               "second visitor (model already in memory)                        "), opens):
                print(f"  {who}: {o[0]:.2f} s to the full first tab (metrics at {o[1]:.2f} s); "
                      f"then the Cache tab's {o[2]} charts drawn {o[3]:.2f} s after its click")

            page = first_page
            box = page.get_by_label("Prompt")
            box.fill(prompt)
            box.press("Control+Enter")
            expect(page.get_by_text("The sidebar has changes")).to_be_visible(timeout=120_000)
            wait_ready(page)
            page.get_by_role("button", name="Start with these settings").click()
            plen = TARGET_CONTEXT - (clicks + 1) // 2
            expect(metric(page, "Tokens in the cache")).to_have_text(str(plen), timeout=120_000)
            wait_ready(page)
            walls = []
            for i in range(1, clicks + 1):
                t0 = time.perf_counter()
                page.get_by_role("button", name="Next token").click()
                expect(metric(page, "Tokens in the cache")).to_have_text(str(plen + i), timeout=120_000)
                walls.append(time.perf_counter() - t0)
                wait_ready(page)
            print(f"(a) in headless Chromium, click -> updated metric (contexts {plen + 1}-{plen + clicks}): "
                  f"median {1000 * med(walls):.0f} ms, max {1000 * max(walls):.0f} ms")
        b.close()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clicks", type=int, default=9, help="Next clicks timed (centred on a 128-token context)")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args(argv)
    from kvviz.engine.models import load_model

    loaded = load_model(progress=lambda s: None)
    plen = TARGET_CONTEXT - (args.clicks + 1) // 2  # the median click attends over ~128 tokens
    prompt = prompt_of(loaded.tokenizer, plen)
    print(f"bench_app: prompt of {plen} tokens, {args.clicks} Next clicks (median at a {TARGET_CONTEXT}-token context)")
    print("(a) one Next-token click (target <= 0.5 s):")
    from kvviz.engine.models import use_threads

    for threads in (2, 1):  # torch's default here, then what the app uses (KVVIZ_THREADS=1)
        use_threads(threads)
        print(f" torch threads: {threads}")
        engine(loaded, prompt, args.clicks)
    apptest(prompt, args.clicks)  # AppTest runs the page, which sets 1 thread
    if not args.no_browser:
        browser(prompt, args.clicks)


if __name__ == "__main__":
    main()
