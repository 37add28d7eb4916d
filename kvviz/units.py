"""How a number is written for a person: bytes and FLOPs, once for the whole app, in each language.

Bytes: exact integers underneath. GB = 10**9 bytes, GiB = 2**30 bytes; a figure says which.
`fmt_bytes` (decimal, three significant figures) is for figures of one run; `fmt_bytes_binary`
(GiB with GB beside it) is for sizing memory, where accelerators are sold in GiB.

Per language (NUMBER_STYLES): the digit-group separator and the decimal mark; the words ("bytes",
"字节") come from kvviz.text (`units.*`). Chinese technical writing uses Arabic digits grouped in
threes with "," and a "." decimal point, and SI / IEC unit symbols as in English (kB, MB, GiB,
FLOP), not 万/亿 grouping: so only the words change ("69,120 字节", "1.23 GFLOP"), and a figure
reads the same on a Chinese and an English page. English output is unchanged byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from kvviz.text import language, t

GIB = 2**30
GB = 10**9


@dataclass(frozen=True)
class NumberStyle:
    group: str  # between groups of three digits
    decimal: str  # before the fraction


NUMBER_STYLES: dict[str, NumberStyle] = {
    "en": NumberStyle(group=",", decimal="."),
    "zh": NumberStyle(group=",", decimal="."),  # 69,120 字节 · 1.23 GFLOP (see the module docstring)
}


def _local(number: str) -> str:
    """A number written with Python's ',' and '.' -> the current language's marks (both swapped at once)."""
    style = NUMBER_STYLES.get(language(), NUMBER_STYLES["en"])
    if (style.group, style.decimal) == (",", "."):
        return number
    return number.translate(str.maketrans({",": style.group, ".": style.decimal}))


def fmt_int(n: int | float) -> str:
    """69120 -> '69,120': an exact count, digits grouped in the current language's style."""
    return _local(f"{int(n):,}")


def fmt_flops(n: float) -> str:
    """12,345,678 -> '12.3 MFLOP' (three significant figures, decimal prefixes)."""
    n = float(n)
    for unit, scale in (("TFLOP", 1e12), ("GFLOP", 1e9), ("MFLOP", 1e6), ("kFLOP", 1e3)):
        if abs(n) >= scale:
            return f"{sig3(n / scale)} {unit}"
    return f"{int(n)} FLOP"


def fmt_bytes(n: float) -> str:
    """Exact bytes with thousands separators below 100 kB, else kB/MB/GB to three significant figures."""
    n = float(n)
    if abs(n) < 100_000:
        return f"{fmt_int(n)} {t('units.bytes')}"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{sig3(n / scale)} {unit}"
    return f"{fmt_int(n)} {t('units.bytes')}"  # pragma: no cover


def sig3(x: float) -> str:
    if abs(x) >= 100:
        return _local(f"{x:.0f}")
    if abs(x) >= 10:
        return _local(f"{x:.1f}")
    return _local(f"{x:.2f}")


def fmt_bytes_binary(n: int | float) -> str:
    """'12.50 GiB (13.42 GB)': binary and decimal, both named."""
    n = float(n)
    if abs(n) >= GIB / 10:
        return _local(f"{n / GIB:,.2f} GiB ({n / GB:,.2f} GB)")
    if abs(n) >= 2**20:
        return _local(f"{n / 2**20:,.2f} MiB ({n / 1e6:,.2f} MB)")
    if abs(n) >= 2**10:
        return _local(f"{n / 2**10:,.2f} KiB ({n / 1e3:,.2f} kB)")
    return f"{fmt_int(n)} {t('units.bytes')}"


def _in_unit(n: float, units: tuple[tuple[str, float], ...], like: float, floor: tuple[str, float]) -> str:
    """n written in the unit that `like` would get, so two figures of one sentence compare at a glance."""
    unit, scale = next(((u, s) for u, s in units if abs(like) >= s), floor)
    x = float(n) / scale
    if unit == "bytes":
        unit = t("units.bytes")
    return f"{_local(f'{x:,.0f}')} {unit}" if abs(x) >= 1000 or scale == 1 else f"{sig3(x)} {unit}"


def fmt_flops_as(n: float, like: float) -> str:
    """fmt_flops(n) in the unit fmt_flops(like) uses: fmt_flops_as(1.23e9, 28.5e6) -> '1,230 MFLOP'."""
    units = (("TFLOP", 1e12), ("GFLOP", 1e9), ("MFLOP", 1e6), ("kFLOP", 1e3))
    return _in_unit(n, units, like, ("FLOP", 1))


def fmt_bytes_as(n: float, like: float) -> str:
    """fmt_bytes(n) in the unit fmt_bytes(like) uses: fmt_bytes_as(1_179_648, 69_120) -> '1,179,648 bytes'."""
    if abs(like) < 100_000:
        return f"{fmt_int(n)} {t('units.bytes')}"
    return _in_unit(n, (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)), like, ("bytes", 1))
