"""The language switch (sidebar picker, CLI --lang) and the words inside formatted numbers (kvviz.units)."""

STRINGS: dict[str, str] = {
    "language.picker": "Language / 语言",
    "language.picker_help": "The page's language; kept in the address as ?lang=en or ?lang=zh.",
    "language.cli_help": "language of the output and of this help: en or zh (default: $KVVIZ_LANG, else en)",
    # kvviz.units: the word after an exact byte count ("69,120 bytes").
    "units.bytes": "bytes",
}
