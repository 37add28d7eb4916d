"""A room on one preset, drawn with and without the process-wide memo (kvviz.analysis.memo).

    HF_HUB_OFFLINE=1 python benchmarks/bench_memo.py [--visitors 20] [--steps 8] [--json F]

N visitors open cursors on the same run (kvviz.engine.runstore) and step through it; at each step
every visitor draws what the Learn page's chart tabs draw (cache map and size, the work split and
running totals, FLOPs by component, time, attention; the ledger behind them), serialized as
st.plotly_chart serializes it (to_dict + to_json). Printed: CPU seconds per visitor-step with the
memo and without it (a memo that keeps nothing), side by side. The forward passes are done once,
before timing: only the page's own work is measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import plotly.io as pio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kvviz.analysis import ledger, memo
from kvviz.charts import trace as charts
from kvviz.engine.models import load_model
from kvviz.engine.runstore import RunStore
from kvviz.engine.tracer import Tracer


def draw(trace, view: int) -> int:
    """What the chart tabs draw for one visitor at one step; returns the bytes sent."""
    run = ledger.split_trace(replace(trace, steps=trace.steps[: view + 1]))
    info = trace.model
    figs = [charts.cache_map_figure(trace, view), charts.cache_bytes_figure(trace, view),
            charts.work_split_figure(run, view), charts.running_totals_figure(run, view),
            charts.components_figure(trace.steps[view]), charts.time_figure(trace, view),
            charts.head_sharing_figure(info.num_attention_heads, info.num_key_value_heads)]
    if trace.steps[0].attention:
        figs.append(charts.attention_figure(trace, view, sorted(trace.steps[0].attention)[0], 0))
    return sum(len(pio.to_json(f.to_dict(), validate=False)) for f in figs)


def room(loaded, prompt: str, visitors: int, steps: int, keep_mb: int) -> dict:
    memo.shared = memo.Memo(keep_mb << 20)
    store = RunStore()
    cursors = []
    for i in range(visitors):
        tracer = Tracer(loaded, prompt, steps, compare=True)
        tracer.record_attention([loaded.info.num_layers // 2])
        cursors.append(store.open(tracer, "builtin", f"visitor-{i}"))
    for c in cursors:  # the forward passes, once, untimed
        while not c.done:
            c.step()
    cpu0, sent = time.process_time(), 0
    for view in range(len(cursors[0].trace.steps)):
        for c in cursors:
            sent += draw(c.trace, view)
    cpu = time.process_time() - cpu0
    n = visitors * len(cursors[0].trace.steps)
    return {"keep_mb": keep_mb, "visitor_steps": n, "cpu_s": round(cpu, 2), "cpu_ms_per_visitor_step":
            round(1000 * cpu / n, 2), "bytes_per_visitor_step": sent // n, "memo_hits": memo.shared.hits,
            "memo_misses": memo.shared.misses}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--visitors", type=int, default=20)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--prompt", default="Lionel Messi is a")
    p.add_argument("--json")
    cfg = p.parse_args(argv)
    loaded = load_model()
    off = room(loaded, cfg.prompt, cfg.visitors, cfg.steps, 0)
    on = room(loaded, cfg.prompt, cfg.visitors, cfg.steps, 64)
    print(f"{cfg.visitors} visitors on one run, {off['visitor_steps']} visitor-steps, chart tabs drawn at each")
    print(f"{'':24s}{'no memo':>12s}{'memo':>12s}{'ratio':>8s}")
    print(f"{'CPU ms / visitor-step':24s}{off['cpu_ms_per_visitor_step']:12.2f}{on['cpu_ms_per_visitor_step']:12.2f}"
          f"{off['cpu_ms_per_visitor_step'] / max(on['cpu_ms_per_visitor_step'], 1e-9):8.1f}x")
    print(f"{'bytes / visitor-step':24s}{off['bytes_per_visitor_step']:12d}{on['bytes_per_visitor_step']:12d}")
    if cfg.json:
        Path(cfg.json).write_text(json.dumps({"no_memo": off, "memo": on}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
