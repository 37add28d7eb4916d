"""简体中文 catalogs: one module per room, each with a STRINGS dict holding the same keys and fields as
kvviz/text/en/. Terms follow docs/glossary.md."""
