"""访客交给 kvviz 的文件的错误信息：严格的 JSON 读取（kvviz.json_strict）和运行记录读取（kvviz.trace_read、
trace_rules、trace_attention）。文件里的值以文本字段传入。"""

STRINGS: dict[str, str] = {
    # JSON 读取信息里的文件种类（kvviz.json_strict.Limits.what）
    "errors.file.trace": "运行记录",
    "errors.file.file": "文件",
    # JSON 本身
    "errors.json.not_utf8": "不是 kvviz {what}：文件不是有效的 JSON（不是 UTF-8 文本：第 {byte} 字节处 {reason}）。",
    "errors.json.refused": "不是 kvviz {what}：{detail}",
    "errors.json.invalid": "不是 kvviz {what}：文件不是有效的 JSON（第 {line} 行第 {column} 列：{msg}）。",
    "errors.json.recursion": "不是 kvviz {what}：JSON 嵌套过深。",
    "errors.json.surrogate": "不是 kvviz {what}：文本含有孤立的代理项，不是有效的 Unicode。",
    "errors.json.not_text": "不是 kvviz {what}：应为文本或字节，实际是 {got}。",
    "errors.json.bom": "不是 kvviz {what}：文件是 {encoding} 文本；请另存为 UTF-8。",
    "errors.json.nul": "不是 kvviz {what}：文件含有 NUL 字节（UTF-16 或二进制文件？）；请另存为 UTF-8 文本。",
    "errors.json.too_big": "{what}太大：{size:,} 字节；最多读取 {limit:,} 字节。",
    "errors.json.too_many_values": "不是 kvviz {what}：JSON 含有超过 {limit:,} 个值。",
    "errors.json.too_deep": "不是 kvviz {what}：JSON 嵌套超过 {limit} 层。",
    "errors.json.constant": "文件含有 {name}，这不是一次运行能产生的数（JSON 没有 NaN 或 Infinity）。",
    "errors.json.long_int": "文件含有一个 {digits:,} 位的整数；没有任何字段会存这么大的数。",
    "errors.json.not_finite": "数 {text} 太大，不是有限值。",
    "errors.json.duplicate_key": "键 {key!r} 在同一个对象中出现了两次；一个文件对每件事只能说一次。",
    "errors.json.surrogate_in": (
        "不是 kvviz {what}：文本 {text!r} 含有孤立的代理项（\\ud800-\\udfff），不是有效的 Unicode。"
    ),
    # 运行记录的结构
    "errors.trace.not_object": "不是 kvviz 运行记录：顶层应为一个 JSON 对象。",
    "errors.trace.schema": "不是 kvviz 运行记录：schema 是 {got}，应为 {expected}。",
    # 单个字段的类型和范围（kvviz.trace_rules）；{what} 是 errors.trace.what.* 之一
    "errors.trace.int_positive": "运行记录有误：{path}：{what}无效：必须是不超过 {hi:,} 的正整数，实际是 {got}。",
    "errors.trace.int_range": "运行记录有误：{path}：{what}无效：必须是 {lo:,} 到 {hi:,} 之间的整数，实际是 {got}。",
    "errors.trace.num_range": "运行记录有误：{path}：{what}无效：必须是 {lo:g} 到 {hi:g} 之间的数，实际是 {got}。",
    "errors.trace.text": "运行记录有误：{path}：必须是不超过 {limit:,} 个字符的文本，实际是 {got}。",
    "errors.trace.flag": "运行记录有误：{path}：必须是 true 或 false，实际是 {got}。",
    "errors.trace.one_of": "运行记录有误：{path}：必须是 {choices} 之一，实际是 {got}。",
    "errors.trace.entries": "{n:,} 项",
    "errors.trace.list_exact": "运行记录有误：{path}：必须是含 {n} 项的列表，实际是 {got}。",
    "errors.trace.list_range": "运行记录有误：{path}：必须是含 {lo:,} 到 {hi:,} 项的列表，实际是 {got}。",
    "errors.trace.map": "运行记录有误：{path}：必须是最多 {limit:,} 项的对象，实际是 {got}。",
    "errors.trace.object": "运行记录有误：{path}：必须是一个对象，实际是 {got}。",
    "errors.trace.too_many_fields": "运行记录有误：{path}：字段太多（{n:,} 个）。",
    "errors.trace.missing_fields": "运行记录有误：{path}：缺少字段 {names}。",
    "errors.trace.unknown_fields": "运行记录有误：{path}：未知字段 {names}。",
    "errors.trace.hex": "运行记录有误：{path}：必须是最多 {limit:,} 字节的小写十六进制文本，实际是 {got}。",
    "errors.trace.what.count": "计数",
    "errors.trace.what.number": "数值",
    "errors.trace.what.token_id": "token 编号",
    "errors.trace.what.flop_count": "FLOP 数",
    "errors.trace.what.dimension": "维度",
    "errors.trace.what.sliding_window": "滑动窗口",
    "errors.trace.what.position": "位置",
    "errors.trace.what.relative_difference": "相对差",
    "errors.trace.what.milliseconds": "毫秒数",
    "errors.trace.what.probability": "概率",
    "errors.trace.what.time": "时间",
    "errors.trace.what.temperature": "温度",
    "errors.trace.what.top_p": "Top-p",
    "errors.trace.what.seed": "随机种子",
    "errors.trace.what.layer": "层号",
    # 一次真实运行在字段之间满足的关系（kvviz.trace_read）
    "errors.trace.phase.prefill": "预填充",
    "errors.trace.phase.decode": "解码",
    "errors.trace.uneven_heads": "运行记录有误：{path}：query 头数（{heads}）不是 K/V 头数（{kv_heads}）的整数倍。",
    "errors.trace.windows_per_layer": "运行记录有误：{path}：每层必须正好一项（{layers} 层），实际是 {got} 项。",
    "errors.trace.text_per_token": (
        "运行记录有误：{path}：每个提示词 token 必须有一段文本（{tokens} 个），实际是 {got} 段。"
    ),
    "errors.trace.hex_per_token": (
        "运行记录有误：{path}：每个提示词 token 必须有一个十六进制字符串（{tokens} 个），实际是 {got} 个。"
    ),
    "errors.trace.too_many_steps": "运行记录有误：{path}：有 {steps} 步，但 settings.max_new_tokens 是 {limit}。",
    "errors.trace.finish_steps": "运行记录有误：{path}：写的是 max_new_tokens（{limit}），但运行记录有 {steps} 步。",
    "errors.trace.finish_no_steps": "运行记录有误：{path}：已结束的运行至少有一步。",
    "errors.trace.no_layer": "运行记录有误：{path}：第 {layer} 层不存在（共 {layers} 层）。",
    "errors.trace.outside_vocab": "运行记录有误：{path}：token 编号 {token_id} 超出了 {vocab:,} 个 token 的词表。",
    "errors.trace.out_of_order": "运行记录有误：{path}：顺序不对：第 {step} 步的 index 是 {index}，阶段是 {phase}。",
    "errors.trace.context_length": (
        "运行记录有误：{path}：上下文长度必须是提示词的 {prompt} 个 token + 已生成的 {generated} 个 = {context}，"
        "实际是 {got}。"
    ),
    "errors.trace.over_context": "运行记录有误：{path}：{context} 个 token 超过了模型的上下文长度 {limit}。",
    "errors.trace.input_length": "运行记录有误：{path}：{mode}模式的{phase}步输入 {fed} 个 token，实际是 {got}。",
    "errors.trace.top_k_sum": "运行记录有误：{path}：候选 token 的概率之和超过 1。",
    "errors.trace.hidden_shape": (
        "运行记录有误：{path}：应为 [1, {fed}, {hidden}]（batch、输入的 token、隐藏维度），实际是 {got}。"
    ),
    "errors.trace.hidden_bytes": "运行记录有误：{path}：{bytes:,} 字节与 {dtype} 下的形状 {shape} 不符。",
    "errors.trace.hidden_bytes_alone": "运行记录有误：{path}：有字节数却没有 hidden_shape。",
    "errors.trace.flops_modes": "运行记录有误：{path}：FLOP 数无效：成本模型要计算两种模式 {modes}。",
    "errors.trace.flops_missing": "运行记录有误：{path}：FLOP 数无效：缺少 {names}。",
    "errors.trace.flops_total": "运行记录有误：{path}：FLOP 数无效：总数不等于各组件之和。",
    "errors.trace.cache_layers": (
        "运行记录有误：{path}：{mode}模式下 {layers} 层对应了 {got} 个缓存层（应为 {expected} 个）。"
    ),
    "errors.trace.cache_shape": (
        "运行记录有误：{path}：对这个模型和上下文应为 {shape}（batch、K/V 头、位置、head_dim），实际是 {k} 和 {v}。"
    ),
    "errors.trace.layer_bytes": "运行记录有误：{path}：这些形状在 {dtype} 下占 {bytes:,} 字节，实际是 {got:,}。",
    "errors.trace.cache_bytes": "运行记录有误：{path}：各层共占 {bytes:,} 字节，实际是 {got:,}。",
    "errors.trace.held_heads": "运行记录有误：{path}：有 {got} 个 K/V 头的区间，形状里是 {heads} 个头。",
    "errors.trace.held_spans": "运行记录有误：{path}：区间必须是 {context} 个位置以内按升序排列的 [start, stop) 段。",
    "errors.trace.held_count": "运行记录有误：{path}：区间共 {got} 个位置，形状里是 {shape} 个。",
    # 注意力权重（kvviz.trace_attention）
    "errors.trace.attention_layer": "运行记录有误：{path}：注意力权重格式错误：{name} 不是层号（0-{last}）。",
    "errors.trace.attention_type": "运行记录有误：{path}：注意力权重格式错误：应为一个对象，实际是 {got}。",
    "errors.trace.attention_range": "运行记录有误：{path}：注意力权重必须在 [0, 1] 之内。",
    "errors.trace.attention_sum": "运行记录有误：{path}：有一行注意力权重之和为 {sum:.4f}，超过 1。",
    "errors.trace.attention_unknown": "运行记录有误：{path}：注意力权重格式错误：未知字段 {names}。",
    "errors.trace.attention_missing": "运行记录有误：{path}：注意力权重格式错误：缺少字段 {names}。",
    "errors.trace.attention_shape": (
        "运行记录有误：{path}：注意力权重格式错误：对这个模型和这一步应为 {shape}（头、query、key），实际是 {got}。"
    ),
    "errors.trace.attention_causal": "运行记录有误：{path}：因果布局的 query 数不能多于 key 数。",
    "errors.trace.attention_base64_length": (
        "运行记录有误：{path}：注意力权重格式错误：应为 {n:,} 个权重的 base64 文本。"
    ),
    "errors.trace.attention_not_base64": "运行记录有误：{path}：注意力权重格式错误：不是 base64 文本。",
    "errors.trace.attention_count": "运行记录有误：{path}：注意力权重格式错误：应有 {n:,} 个权重。",
    "errors.trace.attention_lists": (
        "运行记录有误：{path}：注意力权重格式错误：对这个模型和这一步应为 {h} x {q} x {k} 个数（头、query、key）。"
    ),
    "errors.attention.unsavable": "无法保存这些注意力权重：应为有限值的 (heads, q, k) 数组。",
    # 缓存实验室文件（kvviz.lab.data）
    "errors.lab_file.too_big": "不是 kvviz 缓存实验室文件：超过了 {mb} MB。",
    "errors.lab_file.not_json": "不是 kvviz 缓存实验室文件：文件不是有效的 JSON（{reason}）。",
    "errors.lab_file.top_level": "不是 kvviz 缓存实验室文件：顶层应为一个 JSON 对象。",
    "errors.lab_file.schema": "不是 kvviz 缓存实验室文件：schema 是 {got}，应为 {expected}。",
    "errors.lab_file.not_object": "缓存实验室文件有误：{path} 不是一个对象。",
    "errors.lab_file.missing": "缓存实验室文件有误：缺少 {path}。",
    "errors.lab_file.unknown": "缓存实验室文件有误：{path} 不是已知字段。",
    "errors.lab_file.int": "缓存实验室文件有误：{path} 必须是 {low} 到 {high} 之间的整数，实际是 {got}。",
    "errors.lab_file.finite": "缓存实验室文件有误：{path} 必须是有限的数，实际是 {got}。",
    "errors.lab_file.range": "缓存实验室文件有误：{path} 必须在 {low} 到 {high} 之间，实际是 {got}。",
    "errors.lab_file.text": "缓存实验室文件有误：{path} 必须是不超过 {limit:,} 个字符的文本。",
    "errors.lab_file.list": "缓存实验室文件有误：{path} 必须是最多 {limit:,} 项的列表。",
    "errors.lab_file.ascending": "缓存实验室文件有误：{path} 必须是按升序排列的原始位置。",
    "errors.lab_file.flag": "缓存实验室文件有误：{path} 必须是 true 或 false。",
    "errors.lab_file.per_layer": "缓存实验室文件有误：{path} 必须每层正好一项（{layers} 层）。",
    "errors.lab_file.per_head": "缓存实验室文件有误：{path} 必须每个 K/V 头一个列表（{heads} 个头）。",
    "errors.lab_file.agree_forced": "缓存实验室文件有误：forced 模式下 {path} 必须是 true 或 false。",
    "errors.lab_file.kl_free": "缓存实验室文件有误：free 模式下 {path} 必须是 null。",
    "errors.lab_file.empty": "缓存实验室文件有误：{path} 为空。",
    "errors.lab_file.one_of": "缓存实验室文件有误：{path} 必须是 {choices} 之一，实际是 {got}。",
    "errors.lab_file.spec": "缓存实验室文件有误：{path} 必须是 1 到 40 个字符的策略写法。",
    "errors.lab_file.too_long": "缓存实验室文件有误：{path} 超出了 kvviz 能读取的最长上下文。",
    "errors.lab_file.same_steps": "缓存实验室文件有误：{path} 的步数必须全部相同。",
}
