"""Run every benchmark in turn, each in its own process (so each starts cold and alike).

    HF_HUB_OFFLINE=1 python benchmarks/run_all.py [--quick]

--quick skips the first-load conversion and the browser. Figures only; nothing is asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    runs = [
        [sys.executable, str(HERE / "bench_tracer.py")] + (["--no-convert"] if quick else []),
        [sys.executable, str(HERE / "bench_app.py")] + (["--no-browser"] if quick else []),
    ]
    worst = 0
    for cmd in runs:
        print(f"\n=== {' '.join(Path(c).name if c.endswith('.py') else c for c in cmd[1:])} ===", flush=True)
        worst = max(worst, subprocess.call(cmd, cwd=HERE.parent, env=env))
    return worst


if __name__ == "__main__":
    sys.exit(main())
