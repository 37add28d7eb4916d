"""English catalogs: one module per room, each with a STRINGS dict."""
