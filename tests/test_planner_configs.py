"""The one strict config reader: every refusal is a ConfigError naming the field, never another exception."""

from __future__ import annotations

import json

import pytest

from kvviz.errors import KvvizError
from kvviz.planner.catalog import resolve_config
from kvviz.planner.configs import MAX_CONFIG_BYTES, MAX_DEPTH, ConfigError, ModelSpec, parse_config_text
from kvviz.planner.fit import fit, validate_config
from kvviz.planner.params import count_parameters
from kvviz.planner.plan import PLAUSIBLE_BYTES, plan


def _cfg(**changes) -> bytes:
    """A small valid Llama-style config.json with some fields changed (None removes a field)."""
    cfg = {"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
           "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 100, "max_position_embeddings": 256}
    cfg.update(changes)
    return json.dumps({k: v for k, v in cfg.items() if v is not None}).encode()


def _mla(**changes) -> bytes:
    """A small valid DeepSeek-V3-style (MLA + MoE) config.json with some fields changed."""
    cfg = {"model_type": "deepseek_v3", "num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 4,
           "kv_lora_rank": 16, "q_lora_rank": 24, "qk_rope_head_dim": 8, "qk_nope_head_dim": 8, "v_head_dim": 8,
           "intermediate_size": 64, "moe_intermediate_size": 16, "n_routed_experts": 4, "n_shared_experts": 1,
           "first_k_dense_replace": 1, "vocab_size": 97, "max_position_embeddings": 64}
    cfg.update(changes)
    return json.dumps({k: v for k, v in cfg.items() if v is not None}).encode()


def load(content: bytes | str) -> dict:
    """What the page does with an upload: read strictly, then check the planner can plan for it."""
    config = parse_config_text(content)
    validate_config(config)
    return config


def test_small_configs_are_valid():
    for content in (_cfg(), _mla(), _cfg(num_local_experts=2), _mla(first_k_dense_replace=0, n_shared_experts=0)):
        load(content)
    # first_k_dense_replace counts dense layers: 1 dense + 1 MoE layer differs from 0 dense + 2 MoE
    assert count_parameters(json.loads(_mla())) != count_parameters(json.loads(_mla(first_k_dense_replace=0)))


def test_validate_runs_the_whole_plan():
    # validate_config passing means plan and fit cannot fail on the config
    bad = json.loads(_cfg(vocab_size=None))
    with pytest.raises(ConfigError) as e:
        validate_config(bad, "upload")
    assert (e.value.key, e.value.field) == ("planner.error.missing", "vocab_size")
    assert str(e.value).startswith("upload: ")
    validate_config(bad, "loaded", parameters=1000)  # a known parameter count needs no vocab_size
    fit(ModelSpec("x", bad, parameters=1000), 2**30)


BAD = [
    # content, key, field
    (b"\x80\x81 not text", "not_utf8", ""),
    ("{}".encode("utf-16"), "not_utf8", ""),  # UTF-16 is refused, not guessed
    (b"{not json", "not_json", ""),
    (b"[1, 2, 3]", "not_object", ""),
    (b'{"architectures": ["BertModel"], "vocab_size": 30522}', "missing", "num_hidden_layers or n_layer or num_layers"),
    (b'{"num_hidden_layers": 4, "hidden_size": 64}', "missing", "num_attention_heads or n_head or num_heads"),
    (b'{"num_hidden_layers": -4, "hidden_size": 64, "num_attention_heads": 4}', "too_small", "num_hidden_layers"),
    (b'{"num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 3}',
     "uneven_heads", "num_key_value_heads"),
    (b'{"num_hidden_layers": 4.5, "hidden_size": 64, "num_attention_heads": 4}', "not_whole", "num_hidden_layers"),
    (b'{"num_hidden_layers": 4, "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": "8"}',
     "not_whole", "num_key_value_heads"),
    (b'{"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, "layer_types": ["full_attention"]}',
     "layer_types_length", "layer_types"),
    (b'{"num_hidden_layers": 1, "hidden_size": 64, "num_attention_heads": 4, "layer_types": ["mamba"]}',
     "layer_type", "layer_types"),
    (b'{"num_hidden_layers": 1, "hidden_size": 64, "num_attention_heads": 4, "sliding_window": 0}',
     "too_small", "sliding_window"),
    # every numeric field is read through one checker, including those only the weights or the fit use
    (_cfg(max_position_embeddings="abc"), "not_whole", "max_position_embeddings"),
    (_cfg(max_position_embeddings=-5), "too_small", "max_position_embeddings"),
    (_cfg(max_position_embeddings=None, n_positions=0), "too_small", "n_positions"),
    (_cfg(num_local_experts="2"), "not_whole", "num_local_experts"),  # was "2" * mlp: a huge string
    (_cfg(num_local_experts=2.5), "not_whole", "num_local_experts"),
    (_cfg(vocab_size=None), "missing", "vocab_size"),  # the parameter count is part of validation
    (_cfg(vocab_size=True), "not_whole", "vocab_size"),
    (_cfg(intermediate_size="128"), "not_whole", "intermediate_size"),
    (_cfg(tie_word_embeddings="false"), "not_bool", "tie_word_embeddings"),
    (_cfg(use_sliding_window="no", sliding_window=8), "not_bool", "use_sliding_window"),
    (_cfg(max_window_layers=-1, sliding_window=8), "negative", "max_window_layers"),
    (_mla(first_k_dense_replace="1"), "not_whole", "first_k_dense_replace"),
    (_mla(first_k_dense_replace=-1), "negative", "first_k_dense_replace"),
    (_mla(n_shared_experts="1"), "not_whole", "n_shared_experts"),
    (_mla(moe_intermediate_size=None), "missing", "moe_intermediate_size"),
    # issue 9's measured failures: each was a raw exception
    (b"[" * 1000 + b"]" * 1000, "too_deep", ""),  # RecursionError
    (b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", "too_deep", ""),
    # ValueError
    (_cfg(num_hidden_layers=None)[:-1] + b', "num_hidden_layers": ' + b"9" * 5000 + b"}", "long_number", ""),
    (_cfg(layer_types=5), "layer_types_type", "layer_types"),
    (_cfg(layer_types=[None, None]), "layer_types_type", "layer_types"),
    (_cfg(text_config=5), "field_not_object", "text_config"),
    (_cfg(model_type=["llama"]), "not_string", "model_type"),
    (_cfg(_name_or_path={"a": 1}), "not_string", "_name_or_path"),
    # impossible sizes
    (_cfg(num_hidden_layers=2**40), "too_large", "num_hidden_layers"),
    (_cfg(num_attention_heads=10**9), "too_large", "num_attention_heads"),
    (_cfg(head_dim=10**12), "too_large", "head_dim"),
    # JSON that Python's json module accepts but a config must not hold
    (_cfg()[:-1] + b', "rope_theta": NaN}', "not_finite", ""),
    (_cfg()[:-1] + b', "rope_theta": -Infinity}', "not_finite", ""),
    (_cfg()[:-1] + b', "rope_theta": 1e400}', "not_finite", ""),
    (_cfg()[:-1] + b', "vocab_size": 7}', "duplicate_key", "vocab_size"),
    (_cfg()[:-1] + b', "note": "\\ud800"}', "surrogate", ""),
    (b" " * (MAX_CONFIG_BYTES + 1), "too_big", ""),
]


@pytest.mark.parametrize("content, key, field", BAD)
def test_bad_config_files(tmp_path, content, key, field):
    path = tmp_path / "config.json"
    path.write_bytes(content)
    for read in (lambda: resolve_config(str(path)), lambda: load(content)):
        with pytest.raises(ConfigError) as e:
            read()
        assert (e.value.key, e.value.field) == (f"planner.error.{key}", field)
    if key in ("missing", "not_whole", "too_small", "too_large", "not_bool", "duplicate_key"):
        assert field.split(" or ")[0] in str(e.value)  # the message names the field


def test_a_str_with_a_lone_surrogate_is_refused():
    with pytest.raises(ConfigError) as e:
        parse_config_text('{"num_hidden_layers": 2, "x": "\ud800"}')
    assert e.value.key == "planner.error.surrogate"


def test_whole_floats_and_a_bom_are_read():
    config = load(b"\xef\xbb\xbf" + _cfg(num_hidden_layers=2.0))
    assert plan(config, dtype="fp32", context=1).num_layers == 2


def test_depth_limit_is_exact():
    inner = b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1)
    parse_config_text(_cfg()[:-1] + b', "deep": ' + inner + b"}")  # the object itself is one level
    with pytest.raises(ConfigError):
        parse_config_text(_cfg()[:-1] + b', "deep": [' + inner + b"]}")
    # brackets inside strings are not nesting
    parse_config_text(_cfg()[:-1] + b', "s": "' + b"[" * 100 + b'"}')


def test_good_config_file_and_folder(tmp_path):
    (tmp_path / "config.json").write_bytes(_cfg())
    for where in (str(tmp_path / "config.json"), str(tmp_path)):
        spec = resolve_config(where)
        assert plan(spec, dtype="fp32", context=1).bytes_per_token == 2 * 2 * 2 * 16 * 4


def test_missing_file_is_a_kvviz_error():
    with pytest.raises(KvvizError) as e:
        resolve_config("/nonexistent/config.json")
    assert "/nonexistent/config.json" in str(e.value)


def test_implausible_results_are_flagged():
    # the largest dimensions the reader allows: a plan that answers, but says it is no real deployment
    huge = json.loads(_cfg(num_hidden_layers=10_000, num_attention_heads=100_000, num_key_value_heads=100_000,
                           head_dim=10_000_000))
    p = plan(huge, context=2**20, batch=1000, parameters=0)
    assert p.total_bytes > PLAUSIBLE_BYTES
    assert [w.key for w in p.warnings] == ["beyond_max_positions", "implausible"]
    assert p.warnings[1].fields["bytes"] == p.total_bytes
    assert not [w for w in plan(json.loads(_cfg()), context=256).warnings]
