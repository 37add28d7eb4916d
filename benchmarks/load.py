"""A workshop room against one kvviz server: N visitors at once, over Streamlit's own websocket protocol.

    HF_HUB_OFFLINE=1 python benchmarks/load.py --visitors 30 --clicks 8 --think 1 [--replicas 2] [--json F]
    python benchmarks/load.py --url http://127.0.0.1:8501 ...        # a server that is already running

Without --url it starts the server itself (scripts/serve.sh: one app process, or --replicas N behind
nginx), warms it up, runs the room, and stops it. Each visitor opens the page (GET /, which sets the
proxy's sticky cookie, then the websocket /_stcore/stream), waits for the first render, and presses
"Next token" --clicks times, --think seconds apart. Two thirds stay on the default prompt; one third
first type a prompt of their own (5 to ~120 words) and press Start. Every visitor checks that its
page shows its own run: the Step metric reads "decode k+1" after its k-th click (a run opens on
decode 1), and an own-prompt visitor's text shows its prompt.

Printed and written (--json): click latency p50/p95/max, first render p50/p95, errors (exceptions and
error alerts on the page, disconnects, timeouts, a missing or disabled button, another run shown),
how many slow clicks (> 2 s) the page announced as queued, clicks/s served over the whole room and
at saturation (while every visitor is clicking: see saturated()), the server's CPU (all its
processes: app replicas and nginx) and its peak RSS. The client is one asyncio process that only
parses protobufs, so its own CPU stays small (printed too). Linux only (/proc).

Replicas compared on one small machine share its cores with this client and nginx, so N replicas
get less than N times one replica's CPU. --replica-cpus C gives every replica the same budget of C
cores (a cgroup quota, as a container's --cpus does): 1 and N replicas are then compared as N
machines of one size would be, with the client and nginx outside the budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from stclient import Tab, http_get, squash  # benchmarks/stclient.py: the protocol
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

ROOT = Path(__file__).resolve().parent.parent
NEXT, START, PROMPT = "Next token", "Start with these settings", "Prompt"
DEFAULT_PROMPT = "Lionel Messi is a"  # the page's default prompt
SLOW_S = 2.0  # a click slower than this should have told the visitor it was queued

# The own-prompt visitors' prompts: 5 to ~120 words; each ends mid-sentence so that the built-in
# model keeps writing past --clicks tokens (a run that ends early disables Next).
OWN_PROMPTS = (
    "My favourite thing about autumn is",
    "The train to the coast was late again this morning, so we waited on the platform and",
    "Here is a short story about a robot who learns to paint. One rainy afternoon the robot",
    "A key-value cache stores the keys and values of earlier tokens so that a language model does not "
    "have to compute them again at every step. This matters because",
    "The museum opened its new wing on Saturday. Visitors queued for an hour to see the paintings, "
    "most of which had never been shown in public before. The curator explained that the collection "
    "had been stored in a warehouse for decades, and that restoring it took",
    "Ingredients: flour, butter, sugar, two eggs and a pinch of salt. First, rub the butter into the "
    "flour until it looks like fine breadcrumbs. Then stir in the sugar, beat the eggs, and",
    "It was the last day of the summer school. The students had spent three weeks building a small "
    "weather station on the roof of the physics building, and now it was finally time to switch it on. "
    "Maria checked the cables one more time while Tom read the instructions aloud. The wind was "
    "picking up, dark clouds were gathering over the hills, and somewhere below them a door banged "
    "shut. When the first readings appeared on the laptop screen, everyone",
    "Dear team, thank you all for your hard work this quarter. Sales grew in every region, and",
)

def pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo), 3)


def stats(xs: list[float]) -> dict:
    return {"n": len(xs), "p50": pct(xs, 50), "p95": pct(xs, 95), "max": round(max(xs), 3) if xs else None}


# ---- one visitor ----------------------------------------------------------------------------------

async def visitor(i: int, cfg, prompt: str | None) -> dict:
    rec = {"visitor": i, "prompt": prompt, "first_render_s": None, "start_s": None, "clicks": [],
           "errors": [], "queued_runs": 0, "replica": None}

    def error(kind: str, detail: str = "") -> None:
        rec["errors"].append({"kind": kind, "detail": detail[:300]})

    def check(run: dict, phase: str, step: str | None) -> None:
        for e in run["exceptions"]:
            error("exception", f"{phase}: {e}")
        for e in run["errors"]:
            error("error_alert", f"{phase}: {e}")
        if step is not None and run["metrics"].get("Step") != step:
            error("other_run_shown", f"{phase}: Step reads {run['metrics'].get('Step')!r}, not {step!r}")
        shown = prompt if prompt is not None and rec["start_s"] is not None else DEFAULT_PROMPT
        if not any(squash(shown)[-40:] in squash(t) for t in run["texts"]):  # a long text shows its tail
            error("other_run_shown", f"{phase}: the page does not show this visitor's prompt")
        rec["queued_runs"] += run["queued"]

    await asyncio.sleep(cfg.ramp * i / max(1, cfg.visitors))
    u = urlsplit(cfg.url)
    phase, ws = "connect", None
    try:
        status, cookies = await http_get(u.hostname, u.port or 80, "/", "", cfg.timeout)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        rec["cookie"] = cookie
        rec["replica"] = cookies.get("kvviz_replica")  # None when one process serves without nginx
        ws = await connect(f"ws://{u.hostname}:{u.port or 80}/_stcore/stream", subprotocols=["streamlit"],
                           additional_headers={"Cookie": cookie} if cookie else None,
                           origin=f"http://{u.hostname}:{u.port or 80}", max_size=None, ping_interval=None,
                           open_timeout=cfg.timeout, close_timeout=2, proxy=None)
        tab = Tab(ws)
        phase = "first render"
        run = await tab.rerun(cfg.timeout)
        rec["first_render_s"] = round(run["latency"], 3)
        check(run, phase, None)
        if prompt is not None:
            phase = "start"
            await asyncio.sleep(cfg.think)
            area, start = tab.find(PROMPT, "text_area"), tab.find(START, "button")
            if area is None or start is None:
                error("widget_missing", "no Prompt text area or Start button")
                return rec
            area["state"] = WidgetState(id=area["id"], string_value=prompt)
            run = await tab.rerun(cfg.timeout, start["fragment"], (WidgetState(id=start["id"], trigger_value=True),))
            rec["start_s"] = round(run["latency"], 3)
            check(run, phase, "decode 1")  # a run opens on its first decode step
        for k in range(1, cfg.clicks + 1):
            phase = f"click {k}"
            await asyncio.sleep(cfg.think)
            button = tab.find(NEXT, "button")
            if button is None or button["disabled"]:
                error("button_missing" if button is None else "button_disabled", phase)
                break
            run = await tab.rerun(cfg.timeout, button["fragment"], (WidgetState(id=button["id"], trigger_value=True),))
            rec["clicks"].append({"s": round(run["latency"], 3), "queued": run["queued"],
                                  "sent_t": round(run["sent"] - cfg.t0, 3), "done_t": round(run["done"] - cfg.t0, 3)})
            check(run, phase, f"decode {k + 1}")
    except (TimeoutError, asyncio.TimeoutError):
        error("timeout", phase)
    except (ConnectionClosed, InvalidHandshake, OSError) as e:
        error("disconnect", f"{phase}: {type(e).__name__}: {e}")
    except Exception as e:  # a bug in this client: reported, and the room goes on
        error("client_error", f"{phase}: {type(e).__name__}: {e}")
    finally:
        if ws is not None:
            await ws.close()
    return rec


# ---- the server: start, measure, stop -------------------------------------------------------------

def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _usage(pids: list[int], by_name: dict | None = None) -> tuple[float, int]:
    """CPU seconds (user + system) and resident bytes summed over `pids`; `by_name` gets the CPU
    seconds per process name (python3, nginx, bash)."""
    cpu, rss, tick, page = 0.0, 0, os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                head, rest = f.read().rsplit(")", 1)
            fields = rest.split()
            used = (int(fields[11]) + int(fields[12])) / tick
            cpu += used
            rss += int(fields[21]) * page
            if by_name is not None:
                name = head.split("(", 1)[1]
                by_name[name] = by_name.get(name, 0.0) + used
        except (OSError, IndexError, ValueError):
            pass
    return cpu, rss


def saturated(recs: list[dict], cpu_series: list[tuple[float, float]]) -> dict | None:
    """The room at saturation: from the moment every visitor is clicking (the last one's first click
    sent) to the moment the first one is done (its last click answered). A fixed room's ramp-up and
    tail measure how evenly it arrived and left, not what the server can serve; inside this window
    every visitor keeps the server busy, so clicks answered per second there is the server's rate."""
    active = [r for r in recs if r["clicks"]]
    if not active:
        return None
    t_a = max(r["clicks"][0]["sent_t"] for r in active)
    t_b = min(r["clicks"][-1]["done_t"] for r in active)
    if t_b - t_a < 5:
        return None
    done = sum(t_a <= c["done_t"] <= t_b for r in active for c in r["clicks"])

    def cpu_at(t: float) -> float:  # linear between the sampler's readings
        for (t0, c0), (t1, c1) in zip(cpu_series, cpu_series[1:]):
            if t0 <= t <= t1:
                return c0 + (c1 - c0) * (t - t0) / max(t1 - t0, 1e-9)
        return cpu_series[-1][1] if t > cpu_series[-1][0] else cpu_series[0][1]
    out = {"from_s": round(t_a, 1), "to_s": round(t_b, 1), "clicks": done,
           "clicks_per_s": round(done / (t_b - t_a), 2)}
    if len(cpu_series) > 1:
        out["server_cores_busy"] = round((cpu_at(t_b) - cpu_at(t_a)) / (t_b - t_a), 2)
    return out


class Server:
    """scripts/serve.sh in its own process group: one app process, or replicas behind nginx."""

    def __init__(self, replicas: int, port: int):
        env = {**os.environ, "REPLICAS": str(replicas), "PORT": str(port), "HF_HUB_OFFLINE": "1",
               "PYTHON": os.environ.get("PYTHON", sys.executable)}
        self.log = open(f"/tmp/kvviz-load-server-{port}.log", "wb")  # closed in stop()
        self.proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env,
                                     start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT)
        self.url, self.port = f"http://127.0.0.1:{port}", port

    def replicas(self) -> list[int]:
        """The app processes (streamlit), not nginx or the shell."""
        out = []
        for pid in _descendants(self.proc.pid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"streamlit" in f.read():
                        out.append(pid)
            except OSError:
                pass
        return out

    def cap(self, cpus: float) -> list[str]:
        """Give every replica a budget of `cpus` cores (a cgroup CPU quota, as a container's --cpus or
        a pod's CPU limit does), so that 1 and N replicas are compared at the same CPU per replica and
        the load client and nginx run outside that budget. Needs root and the cgroup CPU controller."""
        v1 = Path("/sys/fs/cgroup/cpu")
        v2 = Path("/sys/fs/cgroup")
        self.cgroups = []
        for i, pid in enumerate(self.replicas()):
            if (v1 / "cpu.cfs_quota_us").exists():
                g = v1 / f"kvviz-load-{self.port}-{i}"
                g.mkdir(exist_ok=True)
                (g / "cpu.cfs_period_us").write_text("100000")
                (g / "cpu.cfs_quota_us").write_text(str(int(cpus * 100000)))
            elif "cpu" in (v2 / "cgroup.controllers").read_text().split():
                (v2 / "cgroup.subtree_control").write_text("+cpu")
                g = v2 / f"kvviz-load-{self.port}-{i}"
                g.mkdir(exist_ok=True)
                (g / "cpu.max").write_text(f"{int(cpus * 100000)} 100000")
            else:
                sys.exit("--replica-cpus needs the cgroup CPU controller (v1 cpu or v2 cpu.max) and root")
            (g / "cgroup.procs").write_text(str(pid))  # its threads follow, and later ones are born there
            self.cgroups.append(g)
        return [str(g) for g in self.cgroups]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()
        for g in getattr(self, "cgroups", []):
            for _ in range(20):  # empty once the replica has exited
                try:
                    g.rmdir()
                    break
                except OSError:
                    time.sleep(0.25)


async def wait_healthy(cfg, proc: subprocess.Popen | None, limit_s: float = 120) -> None:
    u = urlsplit(cfg.url)
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"the server stopped (its log: /tmp/kvviz-load-server-{u.port}.log)")
        try:
            if (await http_get(u.hostname, u.port, "/_stcore/health", "", 5))[0] == 200:
                return
        except (OSError, TimeoutError, asyncio.TimeoutError, IndexError):
            pass
        await asyncio.sleep(0.5)
    sys.exit(f"{cfg.url} did not become healthy in {limit_s:.0f} s")


async def room(cfg, server_pid: int | None) -> dict:
    n_own = round(cfg.visitors * cfg.own_share)
    # Spread the own-prompt visitors evenly over the ramp.
    prompts = [None] * cfg.visitors
    for j in range(n_own):
        prompts[int((j + 0.5) * cfg.visitors / n_own)] = OWN_PROMPTS[j % len(OWN_PROMPTS)]
    peak = {"rss": 0}
    cpu_series: list[tuple[float, float]] = []  # (seconds since the room opened, server CPU seconds)
    stop = asyncio.Event()

    async def sample():
        while not stop.is_set():
            cpu, rss = _usage(_descendants(server_pid))
            peak["rss"] = max(peak["rss"], rss)
            cpu_series.append((time.perf_counter() - t0, cpu))
            await asyncio.sleep(0.5)

    pids = _descendants(server_pid) if server_pid else []
    by_name0: dict[str, float] = {}
    cpu0, t0, own0 = _usage(pids, by_name0)[0], time.perf_counter(), time.process_time()
    cfg.t0 = t0
    sampler = asyncio.create_task(sample()) if server_pid else None
    recs = await asyncio.gather(*(visitor(i, cfg, p) for i, p in enumerate(prompts)))
    wall, client_cpu = time.perf_counter() - t0, time.process_time() - own0
    stop.set()
    if sampler:
        await sampler
    by_name: dict[str, float] = {}
    server_cpu = _usage(_descendants(server_pid), by_name)[0] - cpu0 if server_pid else None
    if server_pid:
        cpu_series.append((wall, server_cpu + cpu0))
    clicks = [c for r in recs for c in r["clicks"]]
    slow = [c for c in clicks if c["s"] > SLOW_S]
    errors: dict[str, int] = {}
    for r in recs:
        for e in r["errors"]:
            errors[e["kind"]] = errors.get(e["kind"], 0) + 1
    return {
        "visitors": cfg.visitors, "own_prompt_visitors": n_own, "clicks_each": cfg.clicks, "think_s": cfg.think,
        "replicas": cfg.replicas, "url": cfg.url, "replica_cpus": cfg.replica_cpus,
        "click_s": stats([c["s"] for c in clicks]),
        "first_render_s": stats([r["first_render_s"] for r in recs if r["first_render_s"] is not None]),
        "start_s": stats([r["start_s"] for r in recs if r["start_s"] is not None]),
        "clicks_done": len(clicks), "clicks_wanted": cfg.visitors * cfg.clicks,
        "errors_total": sum(errors.values()), "errors": errors,
        "slow_clicks": len(slow), "slow_clicks_told_queued": sum(c["queued"] for c in slow),
        "clicks_told_queued": sum(c["queued"] for c in clicks),
        "clicks_per_s": round(len(clicks) / wall, 2),
        "saturated": saturated(recs, cpu_series),
        "visitors_per_replica": {k: sum(str(r["replica"]) == k for r in recs)
                                 for k in sorted({str(r["replica"]) for r in recs})},
        "wall_s": round(wall, 1),
        "server_cpu_s": None if server_cpu is None else round(server_cpu, 1),
        "server_cores_busy": None if server_cpu is None else round(server_cpu / wall, 2),
        # Server CPU per run served (clicks, Starts and first renders): the cost of one interaction.
        "server_cpu_per_run_s": None if server_cpu is None else
        round(server_cpu / max(1, len(clicks) + sum(r["start_s"] is not None for r in recs)
                               + sum(r["first_render_s"] is not None for r in recs)), 3),
        "server_cpu_by_process_s": {k: round(v - by_name0.get(k, 0.0), 1) for k, v in by_name.items()}
        if server_pid else None,
        "server_peak_rss_mb": round(peak["rss"] / 2**20) if server_pid else None,
        "client_cpu_s": round(client_cpu, 1),
        "load_avg_1m": os.getloadavg()[0],
        "visitor_records": recs,
    }


def table(r: dict) -> str:
    c, f, sat = r["click_s"], r["first_render_s"], r["saturated"] or {}
    cpu = "-" if r["server_cores_busy"] is None else \
        f"{r['server_cpu_s']} s ({r['server_cores_busy']} cores, {r['server_cpu_per_run_s']} s/run)"
    served = f"{r['replicas']}" + (f" (capped at {r['replica_cpus']} core each)" if r.get("replica_cpus") else "")
    return (f"| {r['visitors']} ({r['own_prompt_visitors']} own prompts) | {served} | "
            f"{c['p50']} / {c['p95']} / {c['max']} s | {f['p50']} / {f['p95']} s | {r['errors_total']} "
            f"{r['errors'] or ''} | {r['slow_clicks_told_queued']}/{r['slow_clicks']} | {r['clicks_per_s']} | "
            f"{sat.get('clicks_per_s', '-')} | {cpu} | {r['server_peak_rss_mb']} MB | {r['client_cpu_s']} s | "
            f"{r['load_avg_1m']:.1f} |")


HEADER = ("| visitors | replicas | click p50 / p95 / max | first render p50 / p95 | errors | slow clicks told "
          "queued | clicks/s | clicks/s saturated | server CPU | server peak RSS | client CPU | load 1m |\n|"
          + "---|" * 12)


async def main_async(cfg) -> dict:
    server = None
    if cfg.url is None:
        server = Server(cfg.replicas, cfg.port)
        cfg.url = server.url
    try:
        await wait_healthy(cfg, server.proc if server else None)
        pid = server.proc.pid if server else cfg.server_pid
        if cfg.replica_cpus:
            if server is None:
                sys.exit("--replica-cpus needs the server this starts (no --url)")
            server.cap(cfg.replica_cpus)
        if cfg.warmup:  # untimed: load the model and compute the default run in every replica
            # No clicks: a room's first visitor still computes the default run (the store starts empty).
            warm = argparse.Namespace(**{**vars(cfg), "visitors": 2 * cfg.replicas, "clicks": 0,
                                         "think": 0.0, "ramp": 0.0, "own_share": 0.0})
            await room(warm, None)
        rss_before = _usage(_descendants(pid))[1] if pid else None  # warm: models loaded, no visitors
        report = await room(cfg, pid)
        report["server_rss_before_mb"] = None if rss_before is None else round(rss_before / 2**20)
        if cfg.settle and pid:
            # Streamlit keeps a closed page's session for server.disconnectedSessionTTL and drops
            # expired ones when sessions come and go: wait, then let one short visit per replica pass.
            await asyncio.sleep(cfg.settle)
            ping = argparse.Namespace(**{**vars(cfg), "visitors": 2 * cfg.replicas, "clicks": 0, "think": 0.0,
                                         "ramp": 0.0, "own_share": 0.0})
            await room(ping, None)
            await asyncio.sleep(2)
            report["server_rss_after_close_mb"] = round(_usage(_descendants(pid))[1] / 2**20)
            report["settle_s"] = cfg.settle
        return report
    finally:
        if server:
            server.stop()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="a running server (default: start scripts/serve.sh on --port)")
    p.add_argument("--port", type=int, default=8790, help="port for the server this starts")
    p.add_argument("--replicas", type=int, default=1, help="app processes (behind nginx when > 1)")
    p.add_argument("--visitors", type=int, default=10)
    p.add_argument("--clicks", type=int, default=8)
    p.add_argument("--think", type=float, default=1.0, help="seconds before each click (and a Start)")
    p.add_argument("--own-share", type=float, default=1 / 3, help="share of visitors typing their own prompt")
    p.add_argument("--ramp", type=float, default=5.0, help="seconds over which the visitors arrive")
    p.add_argument("--timeout", type=float, default=120.0, help="limit per render or click, seconds")
    p.add_argument("--no-warmup", dest="warmup", action="store_false")
    p.add_argument("--server-pid", type=int, help="with --url: the server's process (its children count too)")
    p.add_argument("--settle", type=float, default=0.0,
                   help="after the room leaves, wait this long and report the server's RSS again")
    p.add_argument("--replica-cpus", type=float, default=None,
                   help="cap every app replica at this many cores (cgroup quota), e.g. 0.8: compares 1 and "
                        "N replicas at the same CPU per replica, with the client and nginx outside it")
    p.add_argument("--json", help="write the report here")
    cfg = p.parse_args(argv)
    report = asyncio.run(main_async(cfg))
    print(HEADER)
    print(table(report))
    if "server_rss_after_close_mb" in report:
        print(f"server RSS before the room: {report['server_rss_before_mb']} MB; {report['settle_s']:.0f} s after "
              f"every visitor left: {report['server_rss_after_close_mb']} MB")
    for r in report["visitor_records"]:
        for e in r["errors"][:2]:
            print(f"  visitor {r['visitor']}: {e['kind']}: {e['detail']}", file=sys.stderr)
    if cfg.json:
        Path(cfg.json).write_text(json.dumps(report, indent=1))
    return 0 if report["errors_total"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
