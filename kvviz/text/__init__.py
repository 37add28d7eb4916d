"""Every word a visitor reads, by stable key: the one place the pages and the CLI get text from.

Computing modules return numbers and keys; this layer turns them into a language. Catalogs are
plain dicts of `key -> template` (str.format fields), one module per room and language under
`kvviz/text/<lang>/`, merged here. A key missing from the current language falls back to English.

    from kvviz.text import t
    t("learn.next")                      # "Next token"
    t("answers.q1.headline", ratio=14)   # fields filled by str.format
"""

from __future__ import annotations

import importlib
import pkgutil
from contextvars import ContextVar
from functools import cache

LANGUAGES = ("en",)
DEFAULT = "en"
# Per thread/context, never per process: each Streamlit script run sets its visitor's language.
_current: ContextVar[str] = ContextVar("kvviz_lang", default=DEFAULT)


@cache
def catalog(lang: str) -> dict[str, str]:
    """All keys of one language, from every module in kvviz/text/<lang>/."""
    pkg = importlib.import_module(f"kvviz.text.{lang}")
    merged: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"kvviz.text.{lang}.{info.name}")
        strings = getattr(mod, "STRINGS", {})
        dup = merged.keys() & strings.keys()
        if dup:
            raise RuntimeError(f"text keys defined twice in {lang}: {sorted(dup)[:5]}")
        merged.update(strings)
    return merged


def set_language(lang: str) -> None:
    _current.set(lang if lang in LANGUAGES else DEFAULT)


def language() -> str:
    return _current.get()


def t(key: str, lang: str | None = None, /, **fields) -> str:
    """The text for `key` in `lang` (default: the current language), fields filled in."""
    lang = lang or _current.get()
    template = catalog(lang).get(key)
    if template is None:
        template = catalog(DEFAULT).get(key)
    if template is None:
        raise KeyError(f"no text for key {key!r}")
    return template.format(**fields) if fields else template
