"""Tiny random-weight models of several architectures, built from configs (no downloads).

Their text is gibberish; their shapes, caches and FLOPs are real. They share the built-in
model's tokenizer so that prompts can be text.
"""

from __future__ import annotations

import functools

import torch

from kvviz.engine.models import LoadedModel, builtin_folder, model_info

VOCAB = 49152  # the built-in tokenizer's vocabulary


def _configs():
    from transformers import (
        Gemma2Config,
        Gemma3TextConfig,
        GPT2Config,
        LlamaConfig,
        MistralConfig,
        Qwen2Config,
    )

    common = dict(vocab_size=VOCAB, max_position_embeddings=256)
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
    }


ARCHS = ["gpt2", "llama", "qwen2", "gemma2", "gemma3", "mistral"]


@functools.lru_cache(maxsize=1)
def tokenizer():
    from transformers import AutoTokenizer

    folder, _ = builtin_folder()
    return AutoTokenizer.from_pretrained(folder)


@functools.lru_cache(maxsize=None)
def tiny_loaded(arch: str) -> LoadedModel:
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    config = _configs()[arch]
    config._attn_implementation = "eager"
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager").float().eval()
    return LoadedModel(f"tiny-{arch}", model, tokenizer(), model_info(model, f"tiny-{arch}"))
