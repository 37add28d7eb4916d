"""The article's three questions and their answers (filled by kvviz.text.answers).

Figures arrive already formatted (kvviz.units); shapes as "[1, 7, 576]".
"""

STRINGS: dict[str, str] = {
    "answers.question.attention": "Which part of self-attention's computation does the KV cache save?",
    "answers.question.mlp": "Does the KV cache change the MLP layers' computation?",
    "answers.question.hidden": "Does the KV cache change how much data passes between blocks?",
    "answers.intro": "The source article's three questions, answered from this run up to the step you are viewing.",
    # --- 1. attention
    "answers.attention.prefill": (
        "At prefill there is nothing to save yet: both methods project Q, K and V for all {context} prompt tokens "
        "({kv_proj_cached} for K and V) and fill the cache; the saving starts with the first generated token."
    ),
    "answers.attention.decode": (
        "It saves recomputing the keys and values of the tokens already seen: at the last step (context {context} "
        "tokens) the K and V projections cost {kv_proj_cached} with the cache against {kv_proj_recompute} without, "
        "because the {earlier} earlier tokens' K/V ({reused_kv_bytes}) are read from the cache, and the attention "
        "matmuls shrink from {att_recompute} to {att_cached} since only the new token's query is scored, though it "
        "still meets all {context} keys."
    ),
    "answers.attention.decode_windowed": (
        "It saves recomputing the keys and values of the tokens already seen: at the last step (context {context} "
        "tokens) the K and V projections cost {kv_proj_cached} with the cache against {kv_proj_recompute} without, "
        "because the earlier tokens' K/V still inside each layer's sliding window ({reused_kv_bytes}) are read from "
        "the cache, and the attention matmuls shrink from {att_recompute} to {att_cached} since only the new "
        "token's query is scored, though it still meets every key inside each layer's window."
    ),
    "answers.attention.line.kv_proj": (
        "K and V projections at the last step: {kv_proj_cached} cached vs {kv_proj_recompute} recompute ({ratio})"
    ),
    "answers.attention.line.q_proj": "Q projection: {q_proj_cached} vs {q_proj_recompute}",
    "answers.attention.line.scores_attn_v": (
        "Q·Kᵀ + attention × V: {att_cached} vs {att_recompute} executed ({att_needed} needed under the causal mask)"
    ),
    "answers.attention.line.reused_kv": (
        "K/V read from the cache at the last step: {reused_kv_bytes} ({reused_kv_elements} values); "
        "over the run: {run_reused_kv_bytes}"
    ),
    # --- 2. MLP
    "answers.mlp.prefill": (
        "Not per token: the MLP works on each position on its own, {per_token} per token through all {blocks} "
        "blocks with or without the cache, but the cache changes how many positions it runs on: at prefill both "
        "run it on all {positions_cached} prompt positions ({mlp_cached}); from the first generated token on, the "
        "cached loop runs it on 1 position per step, the cache-less loop on all."
    ),
    "answers.mlp.decode": (
        "Not per token: the MLP works on each position on its own, {per_token} per token through all {blocks} "
        "blocks with or without the cache, but the cache changes how many positions it runs on, "
        "{positions_cached} instead of {positions_recompute} at the last step ({mlp_cached} against "
        "{mlp_recompute})."
    ),
    "answers.mlp.line.per_token": (
        "MLP per token per block: {per_token_block} ({matrices} matrices, hidden {hidden_size} ↔ intermediate "
        "{intermediate_size})"
    ),
    "answers.mlp.line.last_step": (
        "MLP at the last step: {mlp_cached} cached ({positions_cached_n}) vs {mlp_recompute} recompute "
        "({positions_recompute_n})"
    ),
    "answers.mlp.line.run": (
        "MLP over the run: {run_mlp_cached} cached vs {run_mlp_recompute} recompute; {share:.0%} of the cached "
        "run's FLOPs"
    ),
    "answers.count.2": "two",
    "answers.count.3": "three",
    "answers.positions.one": "{n} position",
    "answers.positions.many": "{n} positions",
    # --- 3. hidden state between blocks
    "answers.hidden.prefill": (
        "Not at prefill: both methods hand {shape_cached} ({bytes_cached}) from block to block; from the first "
        "generated token on, the cache cuts it to one position."
    ),
    "answers.hidden.decode": (
        "Yes: with the cache each block hands the next a {shape_cached} hidden state ({bytes_cached}) instead of "
        "{shape_recompute} ({bytes_recompute}) without it, at the last step."
    ),
    "answers.hidden.line.per_position": (
        "Per position: {hidden_size} values × {dtype_bytes} bytes = {bytes_per_token}, the same in both modes"
    ),
    "answers.hidden.line.all_blocks": (
        "Handed on by all {blocks} blocks at the last step: {all_blocks_cached} cached vs {all_blocks_recompute} "
        "recompute"
    ),
    "answers.hidden.line.measured": (
        "Measured from the run ({mode} mode): block 0 received {shape_ran}, {bytes_ran}"
    ),
    "answers.mode.cached": "cached",
    "answers.mode.recompute": "recompute",
    # --- the run as a whole
    "answers.run_summary": (
        "Whole run ({steps} steps): {cached} with the cache vs {recompute} recomputing ({ratio} more)."
    ),
    "answers.ratio": "{x}×",
    "answers.ratio_unknown": "n/a",
}
