"""The Learn room's cache map and attention view at the app's longest runs (2,048 positions):
no blank columns, the attention view windowed to the last keys with an overview of the whole run."""

import base64
import functools

import numpy as np
import pytest
from tiny_models import tiny_model, tokenizer

import kvviz
from kvviz.charts import trace as charts
from kvviz.engine import selfcheck
from kvviz.engine.models import LoadedModel, model_info

NEW = 8


def array(value) -> np.ndarray:
    """A figure's array as served: Plotly's base64 typed array ({"dtype", "bdata", "shape"}) or a list."""
    if isinstance(value, dict):
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return a.reshape([int(d) for d in str(value.get("shape", len(a))).split(",")])
    return np.asarray(value, dtype=float)


@functools.cache
def long_llama() -> LoadedModel:
    """The tiny grouped-query llama with room for the app's longest run."""
    from transformers import LlamaConfig

    config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=49152, max_position_embeddings=4096)
    model = tiny_model(config)
    return selfcheck.attach(LoadedModel("tiny-llama-long", model, tokenizer(), model_info(model, "tiny-llama-long")))


@pytest.fixture(scope="module")
def long_trace():
    tok = tokenizer()
    ids = tok("word " * 2100)["input_ids"][: 2048 - NEW]
    prompt = tok.decode(ids)
    tr = kvviz.trace(long_llama(), prompt, NEW, attention_layers=[0], compare=False)
    assert tr.steps[-1].context_length >= 2040
    return tr


def assert_position_ticks(axis, n: int, first: int = 0) -> None:
    """Numbered ticks readable at any length: at most MAX_POSITION_TICKS flat labels, every round step
    (1, 2 or 5 × 10^k) of the positions shown and no other, each tick on the category it names."""
    numbers = [int(x) for x in axis.ticktext]
    assert 2 <= len(numbers) <= charts.MAX_POSITION_TICKS, numbers
    every = numbers[1] - numbers[0]
    assert every in {b * 10**k for b in charts.TICK_STEPS for k in range(5)}
    assert numbers == [p for p in range(first, first + n) if p % every == 0]  # all of them, evenly spaced
    assert [v.split(" ", 1)[0] for v in axis.tickvals] == [str(p) for p in numbers]  # the category of that position
    assert axis.tickangle == 0 and axis.tickmode == "array"


@pytest.mark.parametrize(("n", "every", "count"), [
    (41, 10, 5), (100, 20, 5), (128, 20, 7), (379, 50, 8), (393, 50, 8), (401, 100, 5), (1000, 200, 5),
    (2048, 500, 5), (100_000, 20_000, 5)])
def test_position_ticks_stay_few_and_round_at_any_length(n, every, count):
    assert charts.tick_every(n) == every
    assert -(-n // every) == count <= charts.MAX_POSITION_TICKS
    smaller = max([b * 10**k for b in charts.TICK_STEPS for k in range(6) if b * 10**k < every])
    assert -(-n // smaller) > charts.MAX_POSITION_TICKS  # the smallest round step that fits


@pytest.mark.parametrize("prompt_words", [45, 385])
def test_cache_map_numbers_positions_beyond_forty_tokens(prompt_words):
    """The long-context scenario's length (379 prompt tokens + decode) and one just past the token limit."""
    tok = tokenizer()
    tr = kvviz.trace(long_llama(), tok.decode(tok("word " * prompt_words)["input_ids"][:prompt_words]), 4,
                     compare=False)
    view = len(tr.steps) - 1
    n = tr.steps[view].context_length
    assert n > charts.TOKENS_ON_AXIS
    axis = charts.cache_map_figure(tr, view).layout.xaxis
    assert_position_ticks(axis, n)
    assert len(axis.ticktext) == -(-n // charts.tick_every(n))


def test_cache_map_has_no_blank_columns_at_2048_positions(long_trace):
    tr = long_trace
    view = len(tr.steps) - 1
    fig = charts.cache_map_figure(tr, view)
    heat = fig.data[0]
    z = array(heat.z)
    total = tr.steps[view].context_length
    assert z.shape == (tr.model.num_layers, total)
    held = np.array(charts.writer_steps(tr, view), dtype=object) != None  # noqa: E711
    assert held.all()  # full-attention layers hold every position
    assert not np.isnan(z).any()  # so no column of the map is blank
    assert heat.xgap == 0 and heat.ygap == 0  # and no gap is drawn between cells
    assert list(z[0, -3:]) == [view - 2, view - 1, view]  # the newest positions, by the steps that wrote them
    assert len(heat.x) == total and heat.x[-1].startswith(f"{total - 1} ")  # hover: position and token
    assert_position_ticks(fig.layout.xaxis, total)  # round positions, not 2,048 token labels
    assert list(fig.layout.xaxis.ticktext) == ["0", "500", "1000", "1500", "2000"]
    assert heat.text is None  # no sentence per cell at this size: the payload stays small
    assert len(fig.to_json()) < 400_000


def test_short_cache_map_shows_tokens_on_the_axis():
    from tiny_models import tiny_loaded

    tr = kvviz.trace(tiny_loaded("llama"), "One two three", 4)
    view = len(tr.steps) - 1
    fig = charts.cache_map_figure(tr, view)
    n = tr.steps[view].context_length
    assert list(fig.layout.xaxis.ticktext) == [repr(tok) for tok in tr.token_texts[:n]]
    assert list(fig.layout.xaxis.tickvals) == list(fig.data[0].x)  # every position labelled by its token
    assert fig.layout.xaxis.tickangle is None  # Plotly turns the tokens when they would overlap
    assert fig.data[0].xgap == 0 and f"written by decode step {view}" in fig.data[0].text[0][-1]


def test_attention_view_is_the_last_keys_with_an_overview(long_trace):
    tr = long_trace
    view = len(tr.steps) - 1
    width = tr.steps[view].context_length
    n = charts.ATTENTION_WINDOW
    fig = charts.attention_figure(tr, view, layer=0, head=1)
    main, overview = fig.data[0], fig.data[-1]
    assert [lab.split(" ", 1)[0] for lab in main.x] == [str(k) for k in range(width - n, width)]  # last N keys
    assert [lab.split(" ", 1)[0] for lab in main.y] == [str(q) for q in range(width - n, width)]
    m = charts.attention_array(tr, view, 0, 1)
    assert m.shape == (width, width)
    np.testing.assert_array_equal(array(main.z), m[-n:, -n:])
    newest = tr.steps[view].attention[0][1][-1]  # the newest query's real weights, cache and fresh key
    np.testing.assert_allclose(array(main.z)[-1], newest[-n:], rtol=0, atol=0)
    # the overview: the whole run, averaged over blocks; its rows still sum to one weight per query
    ov = array(overview.z)
    assert ov.shape[1] <= charts.OVERVIEW_CELLS and array(overview.x)[-1] > width - 64
    ref, block = charts.overview(m)
    assert block * ov.shape[1] >= width
    full = np.nan_to_num(m).sum(axis=1)
    np.testing.assert_allclose(full, 1, atol=1e-4)
    assert_position_ticks(fig.layout.xaxis, n, first=width - n)  # the window's keys, numbered
    rect = fig.layout.shapes[0]
    assert (rect.x0, rect.x1) == (width - n - 0.5, width - 0.5)


def test_short_attention_view_is_the_whole_matrix():
    from tiny_models import tiny_loaded

    tr = kvviz.trace(tiny_loaded("llama"), "One two three four", 4, attention_layers=[0])
    view = len(tr.steps) - 1
    fig = charts.attention_figure(tr, view, 0, 0)
    m = charts.attention_matrix(tr, view, 0, 0)
    assert len(fig.data[0].x) == len(m[0]) and len(fig.data[0].y) == len(m)
    assert not fig.layout.shapes  # no overview: the view is the whole run
