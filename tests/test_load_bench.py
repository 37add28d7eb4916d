"""The room benchmark's arithmetic (benchmarks/load.py, load_ratio.py): the saturated window and the
replica ratio, on made-up visitor records (the benchmark itself runs in `make load`, not here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
load = pytest.importorskip("load")
load_ratio = pytest.importorskip("load_ratio")


def _visitor(first_sent: float, gap: float, clicks: int) -> dict:
    return {"clicks": [{"sent_t": first_sent + k * gap, "done_t": first_sent + k * gap + 0.5}
                       for k in range(clicks)]}


def test_the_saturated_window_runs_from_the_last_first_click_to_the_first_last_answer():
    # visitor a clicks from t=0 (answers 0.5, 2.5, ... 18.5); b from t=4 (answers 4.5 ... 22.5)
    recs = [_visitor(0.0, 2.0, 10), _visitor(4.0, 2.0, 10), {"clicks": []}]
    cpu = [(0.0, 0.0), (30.0, 30.0)]  # one core busy throughout
    sat = load.saturated(recs, cpu)
    assert (sat["from_s"], sat["to_s"]) == (4.0, 18.5)
    # answers inside [4, 18.5]: a's 4.5 ... 18.5 (8) and b's 4.5 ... 18.5 (8)
    assert sat["clicks"] == 16
    assert sat["clicks_per_s"] == round(16 / 14.5, 2)
    assert sat["server_cores_busy"] == 1.0


def test_no_window_when_the_visitors_never_all_click_at_once():
    assert load.saturated([_visitor(0.0, 1.0, 3), _visitor(10.0, 1.0, 3)], [(0, 0), (20, 5)]) is None
    assert load.saturated([{"clicks": []}], []) is None


def test_the_ratio_line_names_how_the_replicas_were_served():
    one = {"replicas": 1, "visitors": 100, "clicks_per_s": 10.0, "replica_cpus": 0.8,
           "saturated": {"clicks_per_s": 8.0, "server_cores_busy": 0.8}}
    two = {"replicas": 2, "visitors": 100, "clicks_per_s": 18.0, "replica_cpus": 0.8,
           "saturated": {"clicks_per_s": 15.2, "server_cores_busy": 1.6}}
    text = load_ratio.line(one, two)
    assert "1.90x at saturation" in text and "1.80x over the whole room" in text and "capped at 0.8" in text
    assert "uncapped" in load_ratio.line({**one, "replica_cpus": None}, {**two, "replica_cpus": None})
