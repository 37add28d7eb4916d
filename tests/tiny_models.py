"""Tiny random-weight models of several architectures, built from configs (no downloads).

Their text is gibberish; their shapes, caches and FLOPs are real. They share the built-in
model's tokenizer so that prompts can be text.
"""

from __future__ import annotations

import functools

import torch

from kvviz.engine import selfcheck
from kvviz.engine.models import LoadedModel, builtin_folder, model_info

VOCAB = 49152  # the built-in tokenizer's vocabulary


def _configs():
    from transformers import (
        BloomConfig,
        FalconConfig,
        Gemma2Config,
        Gemma3TextConfig,
        GemmaConfig,
        GPT2Config,
        GPTBigCodeConfig,
        GPTNeoXConfig,
        LlamaConfig,
        MistralConfig,
        MptConfig,
        NemotronConfig,
        OPTConfig,
        Phi3Config,
        PhiConfig,
        Qwen2Config,
    )

    common = {"vocab_size": VOCAB, "max_position_embeddings": 256}
    return {
        # multi-head attention, fused QKV, two-matrix MLP
        "gpt2": GPT2Config(n_layer=2, n_head=4, n_embd=64, vocab_size=VOCAB, n_positions=256,
                           bos_token_id=0, eos_token_id=0),
        # grouped-query: 4 query heads share 2 K/V heads
        "llama": LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, **common),
        # grouped-query with biases on q/k/v
        "qwen2": Qwen2Config(hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, **common),
        # multi-query, head_dim not hidden/heads, sliding and global layers alternating
        "gemma2": Gemma2Config(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=1, head_dim=32,
                               sliding_window=6, **common),
        # hybrid local/global: 5 sliding layers then one global, window 5, MQA
        "gemma3": Gemma3TextConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=6,
                                   num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                                   sliding_window=5, **common),
        # every layer sliding
        "mistral": MistralConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                 num_attention_heads=4, num_key_value_heads=2, sliding_window=6, **common),
        # Families whose sizes live in other config keys, or in no key at all (module reading):
        # Pythia: fused query_key_value, parallel attention + MLP, partial rotary, MLP 2.5 x hidden
        "gpt_neox": GPTNeoXConfig(hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                                  num_attention_heads=4, use_parallel_residual=True, rotary_pct=0.25,
                                  bos_token_id=0, eos_token_id=0, **common),
        # fused qkv_proj (grouped-query) and fused gate_up_proj
        "phi3": Phi3Config(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                           num_key_value_heads=2, pad_token_id=0, bos_token_id=0, eos_token_id=0, **common),
        # q/k/v/dense with biases, fc1/fc2 MLP, biased LM head, parallel block
        "phi": PhiConfig(hidden_size=64, intermediate_size=112, num_hidden_layers=2, num_attention_heads=4,
                         bos_token_id=0, eos_token_id=0, **common),
        # Starcoder: multi-query from a boolean flag, fused c_attn of Q + one K + one V, n_inner
        "gpt_bigcode": GPTBigCodeConfig(n_embd=64, n_inner=80, n_layer=2, n_head=4, multi_query=True,
                                        vocab_size=VOCAB, n_positions=256, bos_token_id=0, eos_token_id=0),
        # Falcon-7B style: multi_query flag (no num_key_value_heads key), parallel attention, MLP 4 x hidden
        # from no config key at all
        "falcon": FalconConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, multi_query=True,
                               parallel_attn=True, bias=False, vocab_size=VOCAB, bos_token_id=0, eos_token_id=0),
        # Falcon-40B style: new_decoder_architecture, ffn_hidden_size (with as many K/V heads as query
        # heads: fewer is refused, see refused_configs)
        "falcon_new": FalconConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_kv_heads=4,
                                   new_decoder_architecture=True, ffn_hidden_size=96, vocab_size=VOCAB,
                                   bos_token_id=0, eos_token_id=0),
        # fc1/fc2 directly in the block (no mlp module), ffn_dim, learned positions
        "opt": OPTConfig(hidden_size=64, ffn_dim=96, num_hidden_layers=2, num_attention_heads=4,
                         word_embed_proj_dim=64, bos_token_id=0, eos_token_id=0, pad_token_id=1, **common),
        # GeGLU, head_dim * heads != hidden, multi-query
        "gemma": GemmaConfig(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                             num_key_value_heads=1, head_dim=32, **common),
        # fused query_key_value, ALiBi (no positions), MLP 4 x hidden from no config key
        "bloom": BloomConfig(hidden_size=64, n_layer=2, n_head=4, vocab_size=VOCAB, bos_token_id=0, eos_token_id=0),
        # Wqkv, ffn.up_proj/down_proj, expansion_ratio, max_seq_len
        "mpt": MptConfig(d_model=64, n_heads=4, n_layers=2, expansion_ratio=3, vocab_size=VOCAB, max_seq_len=256),
        # a plain two-matrix MLP named up_proj / down_proj (squared ReLU), not gated
        "nemotron": NemotronConfig(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                                   num_key_value_heads=2, bos_token_id=0, eos_token_id=0, **common),
    }


def refused_configs():
    """Families kvviz refuses (KvvizError naming what it cannot map) rather than mis-count."""
    from transformers import FalconConfig, OPTConfig

    common = {"vocab_size": VOCAB, "max_position_embeddings": 256}
    return {
        # Falcon-40B style with grouped K/V: broadcast to every query head before the cache stores them
        "falcon_new_gqa": FalconConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_kv_heads=2,
                                       new_decoder_architecture=True, ffn_hidden_size=96, vocab_size=VOCAB,
                                       bos_token_id=0, eos_token_id=0),
        # OPT-350m style: project_in / project_out around the blocks (word_embed_proj_dim != hidden)
        "opt_proj": OPTConfig(hidden_size=64, ffn_dim=96, num_hidden_layers=2, num_attention_heads=4,
                              word_embed_proj_dim=32, bos_token_id=0, eos_token_id=0, pad_token_id=1, **common),
    }


ARCHS = ["gpt2", "llama", "qwen2", "gemma2", "gemma3", "mistral", "gpt_neox", "phi3", "phi", "gpt_bigcode",
         "falcon", "falcon_new", "opt", "gemma", "bloom", "mpt", "nemotron"]
FUSED_QKV = {"gpt2", "gpt_neox", "phi3", "gpt_bigcode", "falcon", "falcon_new", "bloom", "mpt"}


@functools.lru_cache(maxsize=1)
def tokenizer():
    from transformers import AutoTokenizer

    folder, _ = builtin_folder()
    return AutoTokenizer.from_pretrained(folder)


def tiny_model(config):
    """A random-weight fp32 model in eval mode, eager attention, from a config."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    config._attn_implementation = "eager"
    return AutoModelForCausalLM.from_config(config, attn_implementation="eager").float().eval()


@functools.cache
def tiny_loaded(arch: str) -> LoadedModel:
    """A tiny model as load_model returns one: sizes read from its modules, self-check attached."""
    model = tiny_model(_configs()[arch])
    loaded = LoadedModel(f"tiny-{arch}", model, tokenizer(), model_info(model, f"tiny-{arch}"))
    return selfcheck.attach(loaded)
