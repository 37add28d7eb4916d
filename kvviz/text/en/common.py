"""Words shared by every room."""

STRINGS: dict[str, str] = {
    "app.title": "kvviz",
}
