"""Simplified Chinese catalogs (简体中文), one module per room, the same keys as kvviz/text/en/."""
