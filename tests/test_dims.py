"""Sizes read from the loaded modules, not from config keys; what kvviz cannot map, it refuses."""

import pytest
from tiny_models import ARCHS, _configs, refused_configs, tiny_loaded, tiny_model
from torch import nn

from kvviz.engine.models import decoder_layers, model_info
from kvviz.errors import KvvizError

# (K/V heads, head_dim, MLP inner width, MLP matrices), worked out by hand from each family's code.
EXPECTED = {
    "gpt2": (4, 16, 256, 2),  # n_inner None: 4 x hidden, from no config key
    "llama": (2, 16, 128, 3),
    "qwen2": (2, 16, 96, 3),
    "gemma2": (1, 32, 128, 3),
    "gemma3": (1, 16, 128, 3),
    "mistral": (2, 16, 128, 3),
    "gpt_neox": (4, 16, 160, 2),
    "phi3": (2, 16, 96, 3),  # fused gate_up_proj counts as two matrices
    "phi": (4, 16, 112, 2),
    "gpt_bigcode": (1, 16, 80, 2),  # multi_query=True: one K/V head inside the fused c_attn
    "falcon": (1, 16, 256, 2),  # multi_query flag, no num_key_value_heads key; MLP 4 x hidden
    "falcon_new": (4, 16, 96, 2),  # ffn_hidden_size
    "opt": (4, 16, 96, 2),  # ffn_dim; fc1/fc2 sit in the block itself
    "gemma": (1, 32, 96, 3),
    "bloom": (4, 16, 256, 2),  # 4 x hidden, hard-wired in the module
    "mpt": (4, 16, 256, 2),  # the config says expansion_ratio=3; the module hard-wires 4 x hidden
    "nemotron": (2, 16, 96, 2),  # up_proj/down_proj but not gated
}


def test_every_arch_has_expected_sizes():
    assert set(EXPECTED) == set(ARCHS)


@pytest.mark.parametrize("arch", ARCHS)
def test_sizes_come_from_the_modules(arch):
    info = tiny_loaded(arch).info
    assert info.dims_source == "modules"
    got = (info.num_key_value_heads, info.head_dim, info.intermediate_size, info.mlp_matrices)
    assert got == EXPECTED[arch]
    assert info.mlp_kind == ("gated" if info.mlp_matrices == 3 else "plain")
    assert info.hidden_size == 64 and info.num_attention_heads == 4
    assert info.vocab_size == tiny_loaded(arch).model.get_output_embeddings().out_features
    # every bias element of the model is on a projection, an MLP matrix or the LM head, or is a norm's
    biases = sum(p.numel() for n, p in tiny_loaded(arch).model.named_parameters() if n.endswith(".bias"))
    assert 0 <= info.bias_parameters <= biases


def test_config_keys_the_old_fallback_got_wrong():
    """What `intermediate_size or n_inner or 4 x hidden` and `num_key_value_heads or heads` gave."""
    for arch, (kv, _, inner, _) in EXPECTED.items():
        cfg = _configs()[arch].get_text_config(decoder=True)
        old_inner = getattr(cfg, "intermediate_size", None) or getattr(cfg, "n_inner", None) or 4 * cfg.hidden_size
        old_kv = getattr(cfg, "num_key_value_heads", None) or cfg.num_attention_heads
        if arch in ("opt", "falcon_new"):
            assert old_inner != inner, arch
        if arch == "falcon":
            assert old_kv != kv
        assert tiny_loaded(arch).info.intermediate_size == inner


def test_config_contradiction_is_recorded_not_believed():
    model = tiny_model(_configs()["llama"])
    model.config.intermediate_size = 999  # the config lies; the weights do not
    info = model_info(model, "liar")
    assert info.intermediate_size == 128
    assert info.config_mismatch == ["intermediate_size"]
    assert tiny_loaded("llama").info.config_mismatch == []


def test_a_matrix_kvviz_cannot_place_is_named():
    model = tiny_model(_configs()["llama"])
    for block in decoder_layers(model):
        block.self_attn.rotate = nn.Linear(64, 64)  # not Q, K, V, O, nor MLP
    with pytest.raises(KvvizError) as e:
        model_info(model, "odd")
    assert e.value.text_key == "errors.dims.module" and "layers.0.self_attn.rotate" in e.value.text_fields["module"]


def test_blocks_of_different_shapes_are_refused():
    model = tiny_model(_configs()["llama"])
    layer = decoder_layers(model)[1]
    layer.mlp.down_proj = nn.Linear(100, 64, bias=False)
    layer.mlp.up_proj = nn.Linear(64, 100, bias=False)
    layer.mlp.gate_proj = nn.Linear(64, 100, bias=False)
    with pytest.raises(KvvizError) as e:
        model_info(model, "uneven")
    assert e.value.text_key == "errors.dims.uneven_blocks" and e.value.text_fields["block"] == 1


@pytest.mark.parametrize("arch", sorted(refused_configs()))
def test_unmodelled_families_are_refused_clearly(arch):
    with pytest.raises(KvvizError) as e:
        model_info(tiny_model(refused_configs()[arch]), arch)
    if arch == "opt_proj":
        assert e.value.text_key == "errors.dims.outside" and "project_out" in e.value.text_fields["module"]
    else:
        assert (arch, e.value.text_key) == ("falcon_new_gqa", "errors.model.falcon")
