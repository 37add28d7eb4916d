"""The cache lab's plain data (kvviz.lab/1 runs), no torch: see kvviz.engine.lab for the runner."""
