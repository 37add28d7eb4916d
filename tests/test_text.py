"""The text layer: per-visitor language (a ContextVar, never process-global), every key the Learn room,
its charts, the answers and the explain CLI use exists, and none of their keys is left unused."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from kvviz import presets, text
from kvviz.analysis import answers, ledger
from kvviz.text import catalog, t

ROOT = Path(__file__).resolve().parent.parent
# Modules whose words this layer holds (the planner's and speed's catalogs have their own tests).
USERS = ["app.py", "kvviz/ui/pages/learn.py", "kvviz/ui/pages/learn_views.py", "kvviz/ui/state.py",
         "kvviz/charts/trace.py", "kvviz/text/answers.py", "kvviz/cli/explain.py",
         "kvviz/charts/lesson.py", "kvviz/text/lesson.py",
         "kvviz/ui/share.py", "kvviz/ui/follow.py", "kvviz/ui/presenter.py", "kvviz/ui/url_state.py",
         "kvviz/ui/sidebar.py", "kvviz/ui/turns.py"]
CATALOGS = ["answers", "learn", "trace_charts", "explain_cli", "lesson", "share"]  # common.py is shared by every room
LITERAL = re.compile(r"""\bt\(\s*"([a-z0-9_.]+)"[,)]""")
KEYLIKE = re.compile(r'"([a-z0-9_]+(?:\.[a-z0-9_]+)+)"')  # any "a.b.c" string literal
NOTE = re.compile(r"""\bNote\(\s*"([a-z0-9_.]+)"[,)]""")
DYNAMIC = re.compile(r"""\bt\(\s*f"([a-z0-9_.]*?)\{""")


def _fake(lang: str):
    """A second language for the tests: English with a marker, so a switch is visible."""
    en = catalog("en")
    return {k: f"[{lang}] {v}" for k, v in en.items()} if lang == "xx" else en


@pytest.fixture
def two_languages(monkeypatch):
    monkeypatch.setattr(text, "LANGUAGES", ("en", "xx"))
    monkeypatch.setattr(text, "catalog", _fake)
    yield
    text.set_language("en")


def test_language_is_per_thread_not_per_process(two_languages):
    """Two visitors' script runs at once: each sees its own language; a new thread starts in English."""
    barrier = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def visitor(lang: str) -> None:
        text.set_language(lang)
        barrier.wait()  # both have set their language before either reads
        seen[lang] = [t("learn.next"), text.language()]
        barrier.wait()
        seen[lang].append(t("learn.next"))

    threads = [threading.Thread(target=visitor, args=(lang,)) for lang in ("en", "xx")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    en = catalog("en")["learn.next"]
    assert seen["en"] == [en, "en", en]
    assert seen["xx"] == [f"[xx] {en}", "xx", f"[xx] {en}"]
    fresh: list[str] = []
    th = threading.Thread(target=lambda: fresh.append(text.language()))
    th.start()
    th.join()
    assert fresh == ["en"]
    text.set_language("zz")  # unknown: falls back to the default
    assert text.language() == "en"


def test_charts_take_their_words_from_the_current_language(two_languages):
    from kvviz.charts import trace as charts

    text.set_language("xx")
    fig = charts.head_sharing_figure(9, 3)
    assert fig.layout.title.text.startswith("[xx] ")
    assert all(label.startswith("[xx] ") for label in fig.data[0].node.label)
    text.set_language("en")
    assert not charts.head_sharing_figure(9, 3).layout.title.text.startswith("[xx]")


def test_missing_key_is_an_error_and_fields_are_filled():
    with pytest.raises(KeyError):
        t("no.such.key")
    assert "7" in t("step.decode", index=7)


def _sources() -> str:
    return "\n".join((ROOT / p).read_text(encoding="utf-8") for p in USERS)


def test_every_literal_key_exists():
    keys = set(catalog("en"))
    used = set(LITERAL.findall(_sources())) | set(NOTE.findall(_sources()))
    assert used, "no t() calls found: the pattern is wrong"
    assert not used - keys, sorted(used - keys)


def _families() -> dict[str, tuple]:
    """The keys built from ids (t(f"prefix.{id}")): prefix -> every id the code can pass."""
    from kvviz.ui.pages import learn, learn_views

    families = {
        "learn.model": tuple(learn.PRESETS),
        "learn.pace": tuple(learn.PACES),
        "learn.decoding": learn.DECODINGS,
        "learn.tab": learn_views.VIEWS,
        "learn.finish": learn_views.FINISH_REASONS,
        "component": ledger.COMPONENTS,
        "mode": ledger.MODES,
        "answers.question": answers.QUESTION_KEYS,
        "answers.mode": ledger.MODES,
        "chart.heads.kind": ("mha", "mqa", "gqa"),
        "learn.candidates": ("token", "id", "probability", "chosen"),
        "learn.cache.col": ("layer", "k_shape", "v_shape", "window", "bytes"),
        "chart.components": ledger.MODES,
        "answers.count": (2, 3),  # an MLP's matrices, in words
        "lesson": ("decode", "decode_windowed"),  # kvviz.analysis.lesson.Lesson.key past the prefill
        "lesson.time": ("one_mode", "same", "longer"),  # kvviz.analysis.lesson.TimeNote.key
    }
    for scenario in presets.scenarios():
        families[f"share.scenario.{scenario.id}"] = ("title", "sentence")
    for key, lines in answers.LINES.items():
        families[f"answers.{key}.line"] = lines
    cases = {"attention": ("prefill", "decode_skipped", "decode_windowed_skipped"),
             "mlp": ("prefill_not_yet", "decode_positions"), "hidden": ("prefill", "decode")}
    for key, ids in cases.items():
        families[f"answers.{key}"] = ids
    return families


def test_every_dynamic_key_family_exists():
    """Each id of each family has its text, and every t(f"...{") in the code is a known family."""
    families = _families()
    keys = set(catalog("en"))
    missing = [f"{p}.{i}" for p, ids in families.items() for i in ids if f"{p}.{i}" not in keys]
    assert not missing, missing
    prefixes = {p.rstrip(".") for p in DYNAMIC.findall(_sources())}
    assert prefixes <= set(families) | {"answers"}, prefixes - set(families)  # answers.{key}.{case}


def test_no_key_of_these_catalogs_is_unused():
    import importlib

    src = _sources()
    literal = set(KEYLIKE.findall(src))  # t("..."), Note("..."), key = "..." if ... else "..."
    built = {f"{p}.{i}" for p, ids in _families().items() for i in ids}
    unused = []
    for name in CATALOGS:
        for key in importlib.import_module(f"kvviz.text.en.{name}").STRINGS:
            if key not in literal and key not in built:
                unused.append(key)
    assert not unused, unused
