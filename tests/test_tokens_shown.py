"""Tokens as they really are, end to end on the built-in model (issue 12, deliverable 1): the raw
bytes in the trace JSON, the CLI's text line and token column, and the Learn page's strip.

SmolLM2's byte-level BPE splits 梅 (E6 A2 85) over three tokens; each token decoded alone is
U+FFFD. These tests assert the bytes, the decoded text and the absence of U+FFFD, not English.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kvviz.__main__ import main
from kvviz.analysis import tokens
from kvviz.engine.token_bytes import token_bytes
from kvviz.engine.tracer import trace
from kvviz.text import t
from kvviz.trace_data import Trace

pytestmark = pytest.mark.slow  # the built-in model
FFFD = "\ufffd"
MESSI = "梅西是一名"
PROMPTS = [MESSI, "日本語のテキストです", "I love pizza 🍕🎉", "Café, naïve façade, Ångström"]
APP = Path(__file__).resolve().parent.parent / "app.py"


@pytest.mark.parametrize("prompt", PROMPTS)
def test_trace_records_each_tokens_bytes_and_round_trips(builtin, prompt):
    tr = trace(builtin, prompt, 6)
    ids = tr.prompt_token_ids
    assert len(tr.prompt_token_bytes) == len(ids)
    # The prompt's bytes are exactly the prompt, token by token.
    assert b"".join(bytes.fromhex(h) for h in tr.prompt_token_bytes) == prompt.encode("utf-8")
    for s in tr.steps:
        assert s.token_bytes and bytes.fromhex(s.token_bytes) == token_bytes(builtin.tokenizer, [s.token_id])[0]
        assert all(c.token_bytes for c in s.top_k)
    # The whole text, decoded as one stream, is what the tokenizer decodes from all the ids at once
    # (up to a character still incomplete at the end).
    all_ids = ids + tr.generated_ids
    assert builtin.tokenizer.decode(all_ids).startswith(tr.text)
    assert tr.text.startswith(prompt) and FFFD not in tr.text
    assert FFFD not in "".join(tr.token_texts)  # labels: text or ⟨bytes⟩, never U+FFFD
    back = Trace.from_json(tr.to_json())
    assert back.to_json() == tr.to_json()
    assert back.prompt_token_bytes == tr.prompt_token_bytes
    assert [s.token_bytes for s in back.steps] == [s.token_bytes for s in tr.steps]
    assert [[c.token_bytes for c in s.top_k] for s in back.steps] == [[c.token_bytes for c in s.top_k]
                                                                       for s in tr.steps]


def test_messi_splits_characters_over_tokens(builtin):
    tr = trace(builtin, MESSI, 1)
    assert tr.prompt_token_bytes[:3] == ["e6", "a2", "85"]  # 梅 over three tokens
    views, spans = tokens.view(tr.token_raws)
    assert [s.text for s in spans][:2] == ["梅", "西"]
    assert tr.token_texts[:3] == ["⟨E6⟩", "⟨A2⟩", "⟨85⟩"]


def test_older_files_without_bytes_still_read(builtin):
    data = json.loads(trace(builtin, MESSI, 2).to_json())
    del data["prompt"]["token_bytes"]
    for s in data["steps"]:
        del s["token_bytes"]
        for c in s["top_k"]:
            del c["token_bytes"]
    old = Trace.from_dict(data)
    assert old.token_raws is None and old.prompt_token_bytes == []
    assert old.text.startswith(MESSI)


@pytest.mark.parametrize("bad", ["E6", "e", "zz", "e6 a2", 12, "00" * 1025])
def test_bad_hex_is_refused(builtin, bad):
    from kvviz.errors import KvvizError

    data = json.loads(trace(builtin, MESSI, 1).to_json())
    data["steps"][0]["token_bytes"] = bad
    with pytest.raises(KvvizError) as e:
        Trace.from_dict(data)
    assert e.value.text_key.startswith("errors.trace.") and "token_bytes" in e.value.text_fields["path"]


def test_prompt_bytes_one_per_token(builtin):
    from kvviz.errors import KvvizError

    data = json.loads(trace(builtin, MESSI, 1).to_json())
    data["prompt"]["token_bytes"] = data["prompt"]["token_bytes"][:-1]
    with pytest.raises(KvvizError) as e:
        Trace.from_dict(data)
    assert e.value.text_key == "errors.trace.hex_per_token" and e.value.text_fields["path"] == "prompt.token_bytes"


def test_cli_text_line_is_the_whole_decoded_text(capsys):
    assert main(["trace", "--prompt", MESSI, "--max-new-tokens", "8", "--no-compare"]) == 0
    out = capsys.readouterr().out
    text = [line for line in out.splitlines() if line.startswith("text: ")]
    assert len(text) == 1 and MESSI in text[0] and FFFD not in text[0]
    rows = [line for line in out.splitlines()
            if line.split()[:1] and line.split()[0].isdigit() and line.split()[1:2] in (["prefill"], ["decode"])]
    assert len(rows) == 8
    assert FFFD not in out
    assert any("⟨" in r for r in rows)  # at least one token is part of a character: shown as bytes


def _all_text(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                                  "success", "error") for e in getattr(at, kind)]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    return "\n".join(str(p) for p in parts)


def test_learn_page_shows_bytes_and_the_decoded_text():
    AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    for w in at.text_area:
        if w.key == "prompt":
            w.set_value(MESSI)
    at.run()
    at.button(key="start").click().run()
    for _ in range(3):
        at.button(key="next").click().run()
    assert not at.exception, [e.value for e in at.exception]
    tr = at.session_state.tracer.trace
    assert tr.prompt_text == MESSI and len(tr.steps) == 5
    page = _all_text(at)
    for tab in ("cache", "attention"):
        at.session_state["view_tab"] = t(f"learn.tab.{tab}")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        page += _all_text(at)
    assert FFFD not in page
    decoded = [md.value for md in at.markdown if md.value.startswith(t("learn.strip.decoded", text=""))]
    assert len(decoded) == 1 and MESSI in decoded[0]
    assert tr.text in decoded[0].replace("\\", "")
    # The strip: the cache bracket (every position the cache holds), then the new token outside it.
    label = t("lesson.strip.cache", n=tr.steps[-1].context_length)
    mds = [md.value for md in at.markdown]
    at_label = [i for i, md in enumerate(mds) if md.startswith(f":green-badge[{label}]")]
    outside = [md for md in mds if md.startswith(":orange-badge[" + t("lesson.strip.new"))]
    assert len(at_label) == 1 and len(outside) == 1
    strip = mds[at_label[0] + 1] + outside[0]  # the chips beside the bracket's label, then the new token
    raws = tr.token_raws[len(tr.prompt_token_ids):]
    for raw in raws:
        if tokens.token_text_of(raw) is None:
            assert tokens.hex_bytes(raw) in strip
    # Each character the generated bytes complete is shown once, next to its bytes.
    _, spans = tokens.view(tr.token_raws)
    for span in spans:
        if span.first >= len(tr.prompt_token_ids) and span.complete:
            assert f":violet-badge[{t('learn.strip.joins', text=span.text)}]" in strip
