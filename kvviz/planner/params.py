"""Parameter counts from a config, for the weights beside the cache.

Used for configs that do not come with a published count; checked in the tests against
published counts (GPT-2, Llama, Mistral, Mixtral, Qwen2.5, Gemma, Phi-3, SmolLM2, DeepSeek).
Unknown architectures are counted as a Llama-style decoder (an estimate).
"""

from __future__ import annotations

from kvviz.planner.configs import check_fields, read_flag, read_int, text_config
from kvviz.planner.layout import HIDDEN, attention_shape, is_mla, num_layers

TIED_BY_DEFAULT = ("gpt2", "gemma", "gemma2", "gemma3", "gemma3_text")


def count_parameters(config: dict) -> int:
    """Parameter count computed from the config, for the architectures whose layout is known."""
    check_fields(config)
    cfg = text_config(config)
    mtype = str(cfg.get("model_type") or "")
    layers = num_layers(config)
    vocab = read_int(cfg, ("vocab_size",))
    hidden = read_int(cfg, HIDDEN)
    tied = read_flag(cfg, "tie_word_embeddings", mtype in TIED_BY_DEFAULT)
    embed = vocab * hidden * (1 if tied else 2)
    if mtype == "gpt2" or "n_embd" in cfg:
        return _count_gpt2(cfg, layers, vocab, hidden)
    if is_mla(config):
        return _count_deepseek(cfg, layers, hidden, embed)
    _, heads, kv_heads, head_dim = attention_shape(config)
    inter = read_int(cfg, ("intermediate_size",))
    q, kv = heads * head_dim, kv_heads * head_dim
    attn = hidden * q + 2 * hidden * kv + q * hidden  # (hidden, q) Q, (hidden, kv) K and V, (q, hidden) O
    if mtype in ("qwen2", "qwen2_moe") or read_flag(cfg, "attention_bias", False):
        attn += q + 2 * kv  # q/k/v biases
    mlp = 3 * hidden * inter  # gate, up: (hidden, inter); down: (inter, hidden)
    experts = read_int(cfg, ("num_local_experts",), required=False)
    if experts:
        mlp = experts * mlp + hidden * experts  # experts + router
    norms = 2 * hidden
    if mtype in ("gemma2", "gemma3", "gemma3_text"):
        norms = 4 * hidden  # pre/post attention and feed-forward norms
    if mtype in ("gemma3", "gemma3_text", "qwen3"):
        norms += 2 * head_dim  # q_norm, k_norm
    return embed + layers * (attn + mlp + norms) + hidden


def _count_gpt2(cfg: dict, layers: int, vocab: int, hidden: int) -> int:
    """GPT-2: learned positions, fused c_attn, biases everywhere, tied LM head."""
    positions = read_int(cfg, ("n_positions", "n_ctx"))
    inner = read_int(cfg, ("n_inner",), required=False, default=4 * hidden)
    per_layer = (
        2 * 2 * hidden  # ln_1, ln_2 (weight + bias)
        + hidden * 3 * hidden + 3 * hidden  # c_attn
        + hidden * hidden + hidden  # c_proj
        + hidden * inner + inner + inner * hidden + hidden  # mlp
    )
    return vocab * hidden + positions * hidden + layers * per_layer + 2 * hidden


def _count_deepseek(cfg: dict, layers: int, hidden: int, embed: int) -> int:
    """DeepSeek-V2/V3: MLA projections, dense first layers, routed + shared experts (MTP layers excluded)."""
    heads = read_int(cfg, ("num_attention_heads",))
    rank = read_int(cfg, ("kv_lora_rank",))
    q_rank = read_int(cfg, ("q_lora_rank",), required=False)
    nope = read_int(cfg, ("qk_nope_head_dim",))
    rope = read_int(cfg, ("qk_rope_head_dim",))
    v = read_int(cfg, ("v_head_dim",))
    qk = heads * (nope + rope)
    q = hidden * q_rank + q_rank + q_rank * qk if q_rank else hidden * qk
    attn = q + hidden * (rank + rope) + rank + rank * heads * (nope + v) + heads * v * hidden
    dense_inter = read_int(cfg, ("intermediate_size",))
    moe_inter = read_int(cfg, ("moe_intermediate_size",))
    routed = read_int(cfg, ("n_routed_experts",))
    shared = read_int(cfg, ("n_shared_experts",), required=False, default=0)
    first_dense = min(read_int(cfg, ("first_k_dense_replace",), required=False, default=0), layers)
    moe = (routed + shared) * 3 * hidden * moe_inter + routed * hidden
    if str(cfg.get("model_type")) == "deepseek_v3":
        moe += routed  # e_score_correction_bias
    per_layer = attn + 2 * hidden
    return (embed + first_dense * (per_layer + 3 * hidden * dense_inter)
            + (layers - first_dense) * (per_layer + moe) + hidden)
