"""Where kvviz's own data files live: inside the package, so `pip install .` ships them."""

from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"
