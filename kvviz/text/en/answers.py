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
    "answers.attention.decode_skipped": (
        "With the cache, all the work for the {earlier} earlier positions is skipped: their Q, K, V and output "
        "projections, their attention rows and their MLP. At the last step (context {context} tokens) that makes the "
        "whole step {total_cached} instead of {total_recompute} ({total_ratio} less work) and its self-attention "
        "{attn_cached} instead of {attn_recompute} ({attn_ratio} less). What is left is the new token's own work: its "
        "query meets all {context} keys, the earlier ones' K and V read from the cache ({reused_kv_bytes})."
    ),
    "answers.attention.decode_windowed_skipped": (
        "With the cache, all the work for the {earlier} earlier positions is skipped: their Q, K, V and output "
        "projections, their attention rows and their MLP. At the last step (context {context} tokens) that makes the "
        "whole step {total_cached} instead of {total_recompute} ({total_ratio} less work) and its self-attention "
        "{attn_cached} instead of {attn_recompute} ({attn_ratio} less). What is left is the new token's own work: its "
        "query meets the keys inside each layer's sliding window, the earlier ones' K and V read from the cache "
        "({reused_kv_bytes})."
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
    "answers.mlp.prefill_not_yet": (
        "Not yet at prefill: both methods run the MLP on all {positions_cached} prompt positions ({mlp_cached}, "
        "{per_token} per position through all {blocks} blocks). From the first generated token on, the cached loop "
        "runs it on 1 position per step, the cache-less loop on all of them."
    ),
    "answers.mlp.decode_positions": (
        "Yes, in how many positions it runs on: at the last step the MLP runs on {positions_cached_n} with the cache "
        "instead of {positions_recompute_n} without ({mlp_cached} instead of {mlp_recompute}, {mlp_ratio} less). "
        "What it does per position is unchanged: {per_token} per token through all {blocks} blocks, each position "
        "on its own."
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
