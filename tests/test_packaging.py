"""A hosted demo installs with `pip install .` (not only editable): the wheel must carry every data
file the app reads (the planner's catalog, accelerators, recorded GPU runs, the scenarios' text)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_the_wheel_ships_every_asset(tmp_path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--wheel-dir", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("kvviz-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assets = [p.relative_to(ROOT).as_posix() for p in (ROOT / "kvviz" / "assets").rglob("*") if p.is_file()]
    assert assets and not [a for a in assets if a not in names]
    assert "kvviz/text/zh/learn.py" in names and "kvviz/ui/turns.py" in names
