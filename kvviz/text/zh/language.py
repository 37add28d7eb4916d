"""语言切换（侧栏选择器、命令行 --lang）与数字格式中的词（kvviz.units）。"""

STRINGS: dict[str, str] = {
    "language.picker": "语言 / Language",
    "language.picker_help": "页面语言；保存在网址中：?lang=zh 或 ?lang=en。",
    "language.cli_help": "输出和本帮助的语言：en 或 zh（默认：$KVVIZ_LANG，否则 en）",
    "units.bytes": "字节",
}
