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

LANGUAGES = ("en", "zh")  # English, Simplified Chinese (简体中文)
DEFAULT = "en"
# Each language's name in itself, the same whatever language is current (so not in the catalogs):
# a visitor who cannot read the page can still find their own.
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}
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


def language_name(lang: str) -> str:
    """A language's name in itself: "English", "简体中文" (the picker's labels)."""
    return LANGUAGE_NAMES[lang]


def language_from_tag(tag: str | None) -> str | None:
    """One BCP 47 tag or POSIX locale -> a supported language, or None.

    "zh", "zh-CN", "zh-TW", "zh_Hant", "zh_CN.UTF-8" -> "zh" (the only Chinese catalog is Simplified:
    a Traditional reader gets it rather than English); "en", "en-US", "en_GB" -> "en"; else None.
    """
    base = str(tag or "").strip().replace("_", "-").split(".")[0].split("-")[0].lower()
    return base if base in LANGUAGES else None


def language_from_header(accept_language: str | None) -> str | None:
    """The supported language a browser's Accept-Language header prefers most, or None.

    "fr-FR,zh;q=0.8,en;q=0.5" -> "zh": tags in order of their q weight (a missing q is 1, q=0 is
    a refusal), the first one kvviz has a catalog for.
    """
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(str(accept_language or "")[:1000].split(",")):
        tag, _, params = part.partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:  # NaN fails too
            ranked.append((-q, i, tag))
    for _, _, tag in sorted(ranked):
        lang = language_from_tag(tag)
        if lang is not None:
            return lang
    return None


def choose_language(url: str | None = None, session: str | None = None, locale: str | None = None,
                    accept_language: str | None = None) -> str:
    """The visitor's language, by precedence: the URL's ?lang= (a value kvviz has no catalog for
    gives English, never an error), then the choice already in their session, then the browser's
    own language (navigator.language, then its Accept-Language header), then English."""
    if url is not None:
        return language_from_tag(url) or DEFAULT
    if session in LANGUAGES:
        return session
    return language_from_tag(locale) or language_from_header(accept_language) or DEFAULT
