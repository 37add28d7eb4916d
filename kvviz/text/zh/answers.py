"""原文的三个问题及其答案（由 kvviz.text.answers 填入数字）。

The article's three questions and their answers. Figures arrive already formatted (kvviz.units);
shapes as "[1, 7, 576]". The three questions are the article's own words (zhuanlan.zhihu.com/p/630832593).
"""

STRINGS: dict[str, str] = {
    "answers.question.attention": "KV Cache 节省了 Self-Attention 层中哪部分的计算?",
    "answers.question.mlp": "KV Cache 对 MLP 层的计算量有影响吗?",
    "answers.question.hidden": "KV Cache 对 block 间的数据传输量有影响吗?",
    "answers.intro": "原文的三个问题，用本次运行截至你正在查看的这一步的数据作答。",
    # --- 1. 注意力
    "answers.attention.prefill": (
        "预填充时还没有什么可省：两种方式都要为提示词的全部 {context} 个 token 计算 Q、K、V 投影"
        "（其中 K 和 V 为 {kv_proj_cached}），并把结果填入缓存；节省从生成第一个 token 时才开始。"
    ),
    "answers.attention.decode_skipped": (
        "有了缓存，之前 {earlier} 个位置的全部计算都被省掉了：它们的 Q、K、V 投影和输出投影、"
        "它们在注意力矩阵中的那几行，以及它们的 MLP。在最后一步（上下文 {context} 个 token），"
        "整步的计算量因此是 {total_cached} 而不是 {total_recompute}（相差 {total_ratio}），"
        "其中自注意力是 {attn_cached} 而不是 {attn_recompute}（相差 {attn_ratio}）。"
        "剩下的只有新 token 自己的计算：它的 query 要与全部 {context} 个 key 计算注意力分数，"
        "之前各位置的 K 和 V 直接从缓存读取（{reused_kv_bytes}）。"
    ),
    "answers.attention.decode_windowed_skipped": (
        "有了缓存，之前 {earlier} 个位置的全部计算都被省掉了：它们的 Q、K、V 投影和输出投影、"
        "它们在注意力矩阵中的那几行，以及它们的 MLP。在最后一步（上下文 {context} 个 token），"
        "整步的计算量因此是 {total_cached} 而不是 {total_recompute}（相差 {total_ratio}），"
        "其中自注意力是 {attn_cached} 而不是 {attn_recompute}（相差 {attn_ratio}）。"
        "剩下的只有新 token 自己的计算：它的 query 要与各层滑动窗口内的 key 计算注意力分数，"
        "之前各位置的 K 和 V 直接从缓存读取（{reused_kv_bytes}）。"
    ),
    "answers.attention.line.kv_proj": (
        "最后一步的 K、V 投影：有缓存 {kv_proj_cached}，重新计算 {kv_proj_recompute}（{ratio}）"
    ),
    "answers.attention.line.q_proj": "Q 投影：有缓存 {q_proj_cached}，重新计算 {q_proj_recompute}",
    "answers.attention.line.scores_attn_v": (
        "Q·Kᵀ + 注意力 × V：实际执行的有缓存 {att_cached}，重新计算 {att_recompute}（因果掩码下真正需要的是 "
        "{att_needed}）"
    ),
    "answers.attention.line.reused_kv": (
        "最后一步从缓存读取的 K/V：{reused_kv_bytes}（{reused_kv_elements} 个数值）；"
        "整个运行累计：{run_reused_kv_bytes}"
    ),
    # --- 2. MLP
    "answers.mlp.prefill_not_yet": (
        "预填充时还没有：两种方式都要对提示词的全部 {positions_cached} 个位置运行 MLP（前馈），共 {mlp_cached}"
        "（每个位置经过全部 {blocks} 个 block 需要 {per_token}）。从生成第一个 token 起，有缓存的循环每步只对 1 个位置"
        "运行 MLP，无缓存的循环则要对全部位置运行。"
    ),
    "answers.mlp.decode_positions": (
        "有，影响的是它要处理的位置数：在最后一步，MLP 有缓存时只处理 {positions_cached_n}，无缓存时要处理 "
        "{positions_recompute_n}（{mlp_cached} 对比 {mlp_recompute}，相差 {mlp_ratio}）。对每个位置做的计算不变："
        "每个 token 经过全部 {blocks} 个 block 都是 {per_token}，各个位置独立计算。"
    ),
    "answers.mlp.line.per_token": (
        "每个 token 在每个 block 中的 MLP：{per_token_block}（{matrices}个矩阵，隐藏维度 {hidden_size} ↔ 中间维度 "
        "{intermediate_size}）"
    ),
    "answers.mlp.line.last_step": (
        "最后一步的 MLP：有缓存 {mlp_cached}（{positions_cached_n}），重新计算 {mlp_recompute}"
        "（{positions_recompute_n}）"
    ),
    "answers.mlp.line.run": (
        "整个运行的 MLP：有缓存 {run_mlp_cached}，重新计算 {run_mlp_recompute}；占有缓存运行总 FLOPs 的 {share:.0%}"
    ),
    "answers.count.2": "两",
    "answers.count.3": "三",
    "answers.positions.one": "{n} 个位置",
    "answers.positions.many": "{n} 个位置",
    # --- 3. block 之间的隐藏状态
    "answers.hidden.prefill": (
        "预填充时没有：两种方式在 block 之间传递的都是 {shape_cached}（{bytes_cached}）；从生成第一个 token 起，"
        "缓存把它缩减到一个位置。"
    ),
    "answers.hidden.decode": (
        "有：在最后一步，有缓存时每个 block 交给下一个 block 的隐藏状态是 {shape_cached}（{bytes_cached}），"
        "无缓存时则是 {shape_recompute}（{bytes_recompute}）。"
    ),
    "answers.hidden.line.per_position": (
        "每个位置：{hidden_size} 个数值 × {dtype_bytes} 字节 = {bytes_per_token}，两种模式相同"
    ),
    "answers.hidden.line.all_blocks": (
        "最后一步全部 {blocks} 个 block 传出的数据：有缓存 {all_blocks_cached}，重新计算 {all_blocks_recompute}"
    ),
    "answers.hidden.line.measured": (
        "本次运行实测（{mode}模式）：block 0 收到 {shape_ran}，{bytes_ran}"
    ),
    "answers.mode.cached": "有缓存",
    "answers.mode.recompute": "重新计算",
    # --- 整个运行
    "answers.run_summary": (
        "整个运行（{steps} 步）：有缓存 {cached}，重新计算 {recompute}（是有缓存的 {ratio}）。"
    ),
    "answers.ratio": "{x}×",
    "answers.ratio_unknown": "不适用",
}
