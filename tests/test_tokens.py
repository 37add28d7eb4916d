"""Tokens shown as they are: bytes where a token splits a character, characters once they join."""

import pytest

from kvviz.analysis.tokens import decoded_text, hex_bytes, label, view

PROMPTS = ["梅西是一名", "日本語のテキスト", "emoji 🙂👍🏽 ok", "café naïve Ångström", "Lionel Messi is a"]


def test_split_character_is_bytes_then_joined_span():
    raws = [b"\xe6", b"\xa2", b"\x85", "是".encode()]  # 梅 over three tokens, then 是 whole
    views, spans = view(raws)
    assert [v.text for v in views] == [None, None, None, "是"]
    assert [label(v) for v in views[:3]] == ["⟨E6⟩", "⟨A2⟩", "⟨85⟩"]
    assert [(s.first, s.last, s.text, s.complete) for s in spans] == [(0, 2, "梅", True)]
    assert [v.span for v in views] == [0, 0, 0, None]
    assert decoded_text(raws) == "梅是"


def test_incomplete_tail_is_an_open_span_and_left_out_of_the_text():
    raws = [b"a", b"\xe6\xa2"]
    views, spans = view(raws)
    assert [(s.first, s.last, s.complete) for s in spans] == [(1, 1, False)]
    assert decoded_text(raws) == "a"
    assert hex_bytes(b"\xe6\xa2") == "⟨E6 A2⟩"


def test_token_with_space_and_partial_character():
    raws = [b" \xe6", b"\x97", b"\xa5"]  # " 日" split after its first byte
    views, spans = view(raws)
    assert spans[0].text == " 日" and (spans[0].first, spans[0].last) == (0, 2)
    assert decoded_text(raws) == " 日"


@pytest.mark.slow
@pytest.mark.parametrize("prompt", PROMPTS)
def test_builtin_tokenizer_bytes_rejoin_to_the_prompt(builtin, prompt):
    from kvviz.engine.token_bytes import token_bytes

    ids = builtin.tokenizer(prompt)["input_ids"]
    raws = token_bytes(builtin.tokenizer, ids)
    assert b"".join(raws) == prompt.encode()
    views, spans = view(raws)
    assert decoded_text(raws) == prompt
    # every token is either whole text or inside a complete span; no replacement characters shown
    for v in views:
        assert v.text is not None or (v.span is not None and spans[v.span].complete)
    assert all("\ufffd" not in s.text for s in spans)
    assert all("\ufffd" not in label(v) for v in views)


@pytest.mark.slow
def test_builtin_splits_chinese_into_bytes(builtin):
    from kvviz.engine.token_bytes import token_bytes

    ids = builtin.tokenizer("梅西是一名")["input_ids"]
    views, spans = view(token_bytes(builtin.tokenizer, ids))
    assert [s.text for s in spans] == ["梅", "西"]
    assert sum(v.text is None for v in views) == 6
