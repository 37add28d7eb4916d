"""The capacity planner's words (page, command line, charts, config errors), Simplified Chinese."""

_TP = (
    "张量并行（N 张加速卡）：权重和 KV 缓存均匀切分，每张卡持有 1/N 的权重（向上取整到字节）和每一层 1/N 的 KV 头。"
    "N 不能整除 KV 头数时，按负载最重的那张卡计算（ceil(kv_heads / N) 个头；vLLM 不接受这样的 N）。"
    "N 大于 KV 头数时，KV 头会被复制：每张卡仍持有一个完整的 KV 头，因此 N 超过 kv_heads 之后，每张卡上的缓存不再减小。"
    "多头潜在注意力（MLA，DeepSeek）缓存的是所有头共享的一个潜在向量：它无法按头切分，所以每张卡都持有完整的潜在向量缓存。"
    "每张卡各自保留自己的预留显存。"
)
_RESIDUAL = "transformers 还会让最近至多 residual_length=128 个 token 保持未量化；这部分缓冲区未计入。"

STRINGS: dict[str, str] = {
    "planner.nav": "容量规划",
    "planner.col.floor_ms": "每步下限（ms）",
    "planner.col.floor_ms_help": (
        "一次解码步在 {accelerator} 上所需时间的下限：每张卡以数据手册标称的显存带宽，把自己那份权重和 KV 缓存"
        "（全部 {batch} 条序列）各读一遍。这是下限而非承诺：实际的每一步还要加上 kernel 启动、Python 开销和通信"
        "（实测结果见“速度”页）。"
    ),
    "planner.col.cache_share": "KV 缓存占读取字节的比例",
    "planner.col.cache_share_help": (
        "一次解码步读取的字节中 KV 缓存所占的部分。它占主导时，GQA、MLA、量化缓存或缓存实验室里的驱逐策略才真正见效。"
    ),
    # element types
    "planner.dtype.note.fp32": "每个值 4 字节。",
    "planner.dtype.note.bf16": "每个值 2 字节。",
    "planner.dtype.note.fp16": "每个值 2 字节。",
    "planner.dtype.note.fp8": (
        "每个值 1 字节（e4m3），另加每层每个缓存张量一个 fp32 缩放因子（transformers 的 Fp8QuantizedLayer、"
        "vLLM 的 k_scale/v_scale）：每层 8 字节，与 token 数无关。"
    ),
    "planner.dtype.note.int8": (
        "每个值 1 字节，另外每 64 个值为一组，每组一个 fp16 缩放因子和一个 fp16 零点（transformers QuantizedCache "
        "默认 q_group_size=64）：每 64 个值多 4 字节，即额外 6.25%。" + _RESIDUAL
    ),
    "planner.dtype.note.int4": (
        "每个值半个字节，另外每 64 个值为一组，每组一个 fp16 缩放因子和一个 fp16 零点（transformers QuantizedCache "
        "默认 q_group_size=64）：每 64 个值多 4 字节，即额外 12.5%。" + _RESIDUAL
    ),
    # attention schemes and cached parts
    "planner.attention.mha": "MHA",
    "planner.attention.gqa": "GQA（每个 KV 头对应 {group} 个 query 头）",
    "planner.attention.mqa": "MQA",
    "planner.attention.mla": "MLA（多头潜在注意力）",
    "planner.attention.all_sliding": "{base}，所有层均为滑动窗口 {window}",
    "planner.attention.hybrid": "{base}，混合：{layers} 层中有 {sliding} 层为滑动窗口",
    "planner.part.latent": "潜在向量 c_KV",
    "planner.part.rope_key": "RoPE 键 k_R",
    "planner.variant.mha": "MHA（32 个 KV 头）",
    "planner.variant.gqa": "GQA（8 个 KV 头）",
    "planner.variant.mqa": "MQA（1 个 KV 头）",
    "planner.variant.mla": "MLA（潜在向量 512 + RoPE 64）",
    # parameter counts, fit, tensor parallelism
    "planner.params.published": "官方公布",
    "planner.params.computed": "由配置计算",
    "planner.params.given": "手动指定",
    "planner.params.loaded": "在已加载的模型上统计",
    "planner.limited_by.weights": "权重放不下",
    "planner.limited_by.max_positions": "模型的 max_position_embeddings",
    "planner.limited_by.asked": "所要求的上限",
    "planner.limited_by.memory": "显存",
    "planner.split.whole": "单张加速卡：持有全部 KV 头。",
    "planner.split.split": "{kv_heads} 个 KV 头 / {gpus} 张卡 = 每张卡 {per} 个。",
    "planner.split.replicated": (
        "{gpus} 张卡 > {kv_heads} 个 KV 头：每张卡仍持有一个完整的 KV 头（每个头存放在 {copies} 张卡上），"
        "因此每张卡上的缓存与 N = {kv_heads} 时相同。"
    ),
    "planner.split.uneven": (
        "{kv_heads} 个 KV 头无法在 {gpus} 张卡上均分：按负载最重的卡计算，为 {per} 个头（vLLM 不接受不能整除 KV "
        "头数的张量并行度）。"
    ),
    "planner.split.mla": "MLA：潜在向量由所有头共享，因此每张卡都持有完整的缓存。",
    "planner.about": "约 {n}",
    "planner.tp.assumption": _TP,
    # warnings
    "planner.warn.beyond_max_positions": (
        "上下文 {context} 超过了模型的 max_position_embeddings（{max_positions}）：这里的字节数是这样一个缓存"
        "会占用的量，但模型本身并不是为这个长度训练的。"
    ),
    "planner.warn.implausible": (
        "{bytes} 超过了任何加速卡集群的容量（超过 {limit}）：请检查配置里的各项尺寸，以及所要求的上下文和批大小；"
        "没有人会这样部署。"
    ),
    # the formula
    "planner.formula.full": "全注意力",
    "planner.formula.sliding": "滑动窗口 {window}",
    "planner.formula.kv_term": (
        "{layers} 层（{kind}）× 2 (K,V) × {heads} kv_heads × {dim} head_dim × {positions} 个位置"
    ),
    "planner.formula.mla_term": "{layers} 层 × ({values}) 个值 [{parts}] × {positions} 个位置",
    "planner.formula.group_scales": " + 每 {group} 个值 {bytes} B（缩放因子 + 零点）",
    "planner.formula.tensor_scales": " + 每层 {bytes} B（逐张量缩放因子）",
    "planner.formula.text": (
        "缓存 = 批大小 {batch} × [ {terms} ] × {per_value} B（{dtype}）{scales} = {total} 字节 = {size}"
    ),
    "planner.tex.positions": "位置数",
    "planner.tex.layers": "层数",
    "planner.tex.latent": "潜在向量 + RoPE",
    "planner.tex.kv_heads": "KV 头数",
    "planner.tex.head_dim": "头维度",
    "planner.tex.batch": "批大小",
    "planner.tex.scales": "缩放因子",
    # config errors (field: the config field; got: the value, cut short)
    "planner.error.in": "{label}：{message}",
    "planner.error.too_big": "{size:,} 字节；config.json 通常只有几 kB（上限 {limit:,}）。",
    "planner.error.not_utf8": "不是 UTF-8 文本文件：应为 config.json。",
    "planner.error.surrogate": "含有无效的 Unicode 文本（孤立的代理项）。",
    "planner.error.too_deep": "嵌套超过 {limit} 层：不是 config.json。",
    "planner.error.long_number": "某个数字长达 {digits:,} 位（最多只读 {limit} 位）。",
    "planner.error.not_finite": "{value} 不是有限数。",
    "planner.error.duplicate_key": "同一个对象中键 {field!r} 出现了两次。",
    "planner.error.not_json": "不是有效的 JSON（第 {line} 行第 {column} 列：{msg}）。",
    "planner.error.not_object": "不是模型配置：应为 JSON 对象，实际是 {got}。",
    "planner.error.field_not_object": "配置有误：{field} 必须是 JSON 对象，实际是 {got}。",
    "planner.error.not_whole": "配置有误：{field} 必须是整数，实际是 {got}。",
    "planner.error.too_small": "配置有误：{field} 必须为正数，实际是 {got}。",
    "planner.error.negative": "配置有误：{field} 至少应为 {minimum}，实际是 {got}。",
    "planner.error.too_large": "配置有误：{field} = {got:,} 大得不合理（上限 {limit:,}）。",
    "planner.error.not_bool": "配置有误：{field} 必须是 true 或 false，实际是 {got}。",
    "planner.error.not_string": "配置有误：{field} 必须是字符串，实际是 {got}。",
    "planner.error.layer_types_type": "配置有误：layer_types 必须是注意力类型名称的列表，实际是 {got}。",
    "planner.error.layer_types_length": (
        "配置有误：layer_types 必须有 {layers} 项（每层一项），实际有 {got} 项。"
    ),
    "planner.error.layer_type": (
        "第 {layer} 层的注意力类型是 {got!r}，规划器没有对它建模（支持全注意力、滑动窗口注意力、分块注意力，"
        "以及 DeepSeek 的潜在注意力）。"
    ),
    "planner.error.no_window": "配置有误：第 {layer} 层是 sliding_attention，但没有设置 sliding_window。",
    "planner.error.missing": (
        "不是解码器模型的配置：缺少 {field}。应为 decoder-only 语言模型的 Hugging Face config.json。"
    ),
    "planner.error.uneven_heads": (
        "配置有误：{heads} 个 query 头无法均分给 {kv_heads} 个 K/V 头。"
    ),
    "planner.error.hidden_not_multiple": (
        "配置有误：隐藏维度 {hidden} 不是头数 {heads} 的整数倍，且没有给出 head_dim。"
    ),
    "planner.error.encoder_decoder": (
        "不支持编码器-解码器模型（T5、BART 等）：规划器只面向 decoder-only 语言模型。"
    ),
    # argument and lookup errors
    "planner.error.arg_not_whole": "{what} 必须是整数，实际是 {got}。",
    "planner.error.arg_not_positive": "{what} 必须为正数，实际是 {got}。",
    "planner.error.arg_negative": "{what} 必须大于或等于 0，实际是 {got}。",
    "planner.error.arg_too_large": "{what} 最大为 {limit:,}，实际是 {got:,}。",
    "planner.error.reserve": "预留比例必须是 0 到 1 之间的小数（含 0，不含 1），实际是 {got!r}。",
    "planner.error.no_model": "未指定模型：请从目录中选一个名称，或给出 config.json 的路径。",
    "planner.error.unknown_model": "未知模型 {name!r}。目录中的名称：{names}；也可以给出 config.json 的路径。",
    "planner.error.no_config_in_folder": "文件夹 {path!r} 中没有 config.json。",
    "planner.error.no_file": "{path!r} 处没有文件。请给出 config.json 的路径或目录中的名称：{names}。",
    "planner.error.cannot_read": "无法读取 {path}：{reason}。",
    "planner.error.unknown_dtype": "未知的元素类型 {name!r}；可选：{names}。",
    "planner.error.unknown_accelerator": "未知的加速卡 {name!r}；可选：{names}。",
    # charts (hover templates: Plotly's %{...} placeholders, no fields)
    "planner.chart.curve_hover": (
        "<b>%{text}</b><br>上下文 %{x:,} token<br>%{customdata[0]:,} 字节"
        "<br>%{y:.3f} GiB = %{customdata[1]:.3f} GB<extra></extra>"
    ),
    "planner.chart.capacity_hover": "%{text}：%{customdata[0]:,} 字节 = %{y:.2f} GiB<extra></extra>",
    "planner.chart.bar_hover": (
        "%{y} %{fullData.name}：%{customdata[0]:,} 字节<br>%{x:.2f} GiB = %{customdata[1]:.2f} GB<extra></extra>"
    ),
    "planner.chart.variants_hover": (
        "%{x}<br>每 token %{customdata[2]:,} 字节<br>%{customdata[3]:,} token 时的缓存：%{customdata[0]:,} 字节"
        "<br>%{y:.3f} GiB = %{customdata[1]:.3f} GB<extra></extra>"
    ),
    "planner.chart.free_memory": "可用显存",
    "planner.chart.curve_title": "KV 缓存随上下文长度的变化（{dtype}，批大小 {batch}）",
    "planner.chart.context_axis": "上下文长度（token，对数坐标）",
    "planner.chart.cache_axis": "KV 缓存（GiB，2^30 字节）",
    "planner.chart.memory_axis": "显存（GiB，2^30 字节）",
    "planner.chart.weights": "权重",
    "planner.chart.kv_cache": "KV 缓存",
    "planner.chart.usable": "{accelerator}：可用 {gib} GiB",
    "planner.chart.bars_title": "{accelerator} 上的权重与缓存",
    "planner.chart.bars_title_tp": "每张卡上的权重与缓存，{n} × {accelerator}（张量并行）",
    "planner.chart.per_token": "{bytes} B/token",
    "planner.chart.variants_title": "同一个 7B 规模的模型，四种注意力方案（{dtype}，{context} token，批大小 1）",
}

STRINGS.update({
    # the page
    "planner.ui.title": "KV 缓存容量规划",
    "planner.ui.intro": (
        "对真实公开的模型配置，KV 缓存实际要占多少显存；在一张或多张加速卡（张量并行）上，除了权重还能放下多少。"
        "大小以 GiB（2^30 字节）为单位，并附上 GB（10^9 字节）；把鼠标悬停在图表上可以看到精确的字节数。"
    ),
    "planner.ui.models": "模型",
    "planner.ui.loaded_option": "当前加载的模型",
    "planner.ui.loaded_label": "已加载模型的配置",
    "planner.ui.loaded_default": "已加载的模型",
    "planner.ui.loaded_name": "{name}（已加载）",
    "planner.ui.loaded_source": "本应用中加载的模型",
    "planner.ui.upload": "或上传一个 config.json（只按 JSON 读取）",
    "planner.ui.upload_help": (
        "decoder-only 模型的 Hugging Face config.json。文件里的其他内容既不会被执行，也不会被保存。"
    ),
    "planner.ui.upload_label": "上传的文件 {name}",
    "planner.ui.uploaded_default": "上传的配置",
    "planner.ui.uploaded_name": "{name}（上传）",
    "planner.ui.uploaded_source": "上传的 config.json",
    "planner.ui.context": "上下文（token）",
    "planner.ui.batch": "批大小（序列数）",
    "planner.ui.dtype": "缓存元素类型",
    "planner.ui.weights_dtype": "权重元素类型",
    "planner.ui.choose_one": "请至少选择一个模型，或上传一个 config.json。",
    "planner.ui.none_planned": (
        "所选的模型都无法规划；请换一个，或上传另一个 config.json。"
    ),
    "planner.ui.model_error": "{name}：{message}",
    "planner.ui.model_note": "{name}：{text}",
    "planner.ui.summary_title": "{context} token × 批大小 {batch} 时的缓存",
    "planner.ui.details": "注意力结构、精确字节数与来源",
    "planner.ui.transformers_note": (
        "{name}：滑动窗口层按完整窗口计算。transformers 的 DynamicCache 每个滑动窗口层保留 window - 1 个位置，"
        "此处为 {bytes} 字节。"
    ),
    "planner.ui.curve_title": "缓存大小随上下文长度的变化",
    "planner.ui.curve_caption": (
        "每条曲线止于该模型的 max_position_embeddings。曲线变平，说明该模型的所有层都是滑动窗口：每个滑动窗口层"
        "最多保存一个窗口的内容。混合模型（Gemma）只在全局注意力层上持续增长。此处滑动窗口层按完整窗口计算。"
    ),
    "planner.ui.fit_title": "加速卡上放得下什么",
    "planner.ui.accelerator": "加速卡",
    "planner.ui.gpus": "加速卡数量（张量并行）",
    "planner.ui.gpus_help": (
        "权重和 KV 头均匀切分到这么多张卡上；表格中还会给出放得下所需的最小 N。"
    ),
    "planner.ui.reserve": "每张卡的预留（激活值、CUDA 上下文、分配器余量）",
    "planner.ui.reserve_help": (
        "每张加速卡显存中保持空闲的比例。默认 {default}，与 vLLM 的 "
        "gpu_memory_utilization=0.9 一致；命令行（--reserve）使用同样的默认值。"
    ),
    "planner.ui.where_tp": "{n} × {accelerator}",
    "planner.ui.weights_whole": "全部权重",
    "planner.ui.weights_share": "1/{n} 的权重",
    "planner.ui.fit_caption": (
        "{accelerator}：{basis}。按每张卡 {bytes} 字节规划，先扣除预留（此处为 {used}；默认 {default}，"
        "即 vLLM 的 gpu_memory_utilization 0.9 所留出的 10%），再扣除{weights}（{dtype}）。"
    ),
    "planner.ui.per_device": "{where} 每张卡：权重、缓存、KV 头",
    "planner.ui.variants_title": "同一模型规模下的 MHA、GQA、MQA 与 MLA",
    "planner.ui.variants_caption": (
        "一个 7B 规模的模型：32 层，隐藏维度 4096，32 个 query 头，每个头 128 维。分组查询注意力（GQA）让每个 K/V "
        "头由 4 个 query 头共享，多查询注意力（MQA）则让全部 32 个 query 头共享一个；多头潜在注意力（MLA，"
        "DeepSeek-V2/V3）无论有多少个头，每层只缓存一个 512 维的潜在向量和一个 64 维的 RoPE 键。"
    ),
    "planner.ui.formula_title": "公式，代入配置中的数值",
    "planner.ui.formula_model": "模型",
    "planner.ui.mla_reference": (
        "如果实现不缓存潜在向量，而是把它展开、为每个头缓存完整的 K 和 V（每层 {heads} 个头 × ({key} 维 K + "
        "{value} 维 V) 个值），每个 token 将占 {bytes} 字节，是潜在向量的 {ratio} 倍；在当前上下文和批大小下"
        "共 {total} 字节（{size}）。"
    ),
    "planner.ui.weights_note": "权重：{parameters} 个参数（{source}）。",
    "planner.ui.per_layer": "逐层明细",
    # table headers
    "planner.col.model": "模型",
    "planner.col.cache_gib": "缓存（GiB）",
    "planner.col.cache_gib_help": "{context} token × 批大小 {batch} 时的 KV 缓存，GiB = 2^30 字节",
    "planner.col.cache_gb": "缓存（GB）",
    "planner.col.cache_gb_help": "同一数值，以 GB = 10^9 字节计",
    "planner.col.weights_gib": "权重（GiB）",
    "planner.col.weights_gib_help": "参数量 × 权重元素类型的字节数",
    "planner.col.per_token_kib": "每 token（KiB）",
    "planner.col.per_token_kib_help": "每个 token 的缓存，计入所有层，不按窗口截断；KiB = 1,024 字节",
    "planner.col.attention": "注意力",
    "planner.col.bytes_per_token": "每 token 缓存（字节）",
    "planner.col.cache_bytes": "缓存（字节）",
    "planner.col.weights_bytes": "权重（字节）",
    "planner.col.parameters": "参数量",
    "planner.col.source": "来源",
    "planner.col.fits": "放得下？",
    "planner.col.fits_on": "{n} 张卡放得下？",
    "planner.col.fits_help": "{context} token × 批大小 {batch} 能否在 {where} 上与权重一起放下",
    "planner.col.smallest_n": "所需 GPU 数",
    "planner.col.smallest_n_help": (
        "放得下 {context} token × 批大小 {batch} 所需 {accelerator} 的最少数量（张量并行；依次尝试 1、2、4、8 …… "
        "{top}）。为空表示连 {top} 张也放不下（N 超过 KV 头数之后，每张卡上的缓存不再减小）"
    ),
    "planner.col.largest_batch": "最大批大小",
    "planner.col.largest_batch_help": "{context} token 时 {where} 上的最大批大小",
    "planner.col.largest_context": "最大上下文（token）",
    "planner.col.largest_context_help": "批大小 {batch} 时 {where} 上的最大上下文",
    "planner.col.free_gib": "每卡可用（GiB）",
    "planner.col.free_gib_help": "每张卡除权重之外可留给缓存的显存",
    "planner.col.weights_device_gib": "每卡权重（GiB）",
    "planner.col.cache_device_gib": "{context} × {batch} 时每卡缓存（GiB）",
    "planner.col.free_gb": "每卡可用（GB）",
    "planner.col.kv_heads": "每卡 KV 头数",
    "planner.col.kv_heads_help": "MLA 为空：潜在向量不切分",
    "planner.col.limited_by": "最大上下文的限制因素",
    "planner.col.layer.kv_heads": "KV 头数",
    "planner.col.layer.head_dim": "头维度",
    "planner.col.layer.window": "窗口",
    "planner.col.layer.elements_per_token": "每 token 的值个数",
    "planner.col.layer.bytes_per_token": "每 token 字节数",
    "planner.col.layer.positions": "位置数",
    "planner.col.layer.bytes": "字节",
    "planner.col.layer.positions_transformers": "位置数（transformers）",
})

STRINGS.update({
    # the command line
    "planner.cli.help": "模型配置在给定上下文长度和批大小下的 KV 缓存显存",
    "planner.cli.description": (
        "某个模型的 KV 缓存显存：目录中的名称（如 Llama-3.1-8B、DeepSeek-V3，见 --list）或 config.json 的路径。"
        "大小以 GiB（2^30 字节）和 GB（10^9 字节）输出。"
    ),
    "planner.cli.arg.config": "目录中的名称（不区分大小写）或 config.json 的路径",
    "planner.cli.arg.dtype": "缓存元素类型（默认 bf16）",
    "planner.cli.arg.context": "上下文长度，以 token 计（默认 4096）",
    "planner.cli.arg.batch": "同时容纳的序列数（默认 1）",
    "planner.cli.arg.weights_dtype": "权重元素类型（默认 bf16）",
    "planner.cli.arg.gpu": "同时计算在某种加速卡上放得下多少，如 'H100 80 GB'（见 --list）",
    "planner.cli.arg.gpus": (
        "加速卡数量，张量并行：权重和 KV 头均匀切分到 N 张卡上（默认 1）；同时报告放得下所需的最小 N"
    ),
    "planner.cli.arg.reserve": (
        "每张加速卡显存中为激活值、CUDA 上下文等保持空闲的比例（默认 {default}，与 vLLM 的 "
        "gpu_memory_utilization=0.9 一致；规划页面使用同一默认值）"
    ),
    "planner.cli.arg.json": "以 JSON 格式输出规划结果",
    "planner.cli.arg.list": "列出目录中的模型和加速卡，然后退出",
    "planner.cli.error": "错误：{message}",
    "planner.cli.no_config": (
        "请用 --config NAME_OR_FILE 指定模型（目录中的名称或 config.json 的路径）；--list 会列出所有名称。"
    ),
    "planner.cli.bad_context": "--context 至少为 1 个 token，实际是 {got}。",
    "planner.cli.bad_batch": "--batch 至少为 1 条序列，实际是 {got}。",
    "planner.cli.bad_gpus": "--gpus 必须在 1 到 {limit} 张加速卡之间，实际是 {got}。",
    "planner.cli.gpus_need_gpu": (
        "--gpus 需要与 --gpu ACCELERATOR 一起使用（例如 --gpu H100 --gpus 8）；--list 会列出所有名称。"
    ),
    "planner.cli.bad_reserve": "--reserve 必须是 0 到 1 之间的小数（含 0，不含 1），实际是 {got}。",
    "planner.cli.models": "模型：",
    "planner.cli.accelerators": "加速卡：",
    "planner.cli.source": "  来源：{source}",
    "planner.cli.dtype": "  缓存 dtype {dtype}：{note}",
    "planner.cli.per_token": "  每 token 字节数（不按窗口截断）：{bytes} 字节 = {size}",
    "planner.cli.total": "  上下文 {context} × 批大小 {batch} 时的缓存：{bytes} 字节 = {size}",
    "planner.cli.total_transformers": (
        "  按 transformers DynamicCache 的实际存储（滑动窗口层保留 window - 1 个位置）：{bytes} 字节 = {size}"
    ),
    "planner.cli.weights": "  权重：{parameters} 个参数 × {dtype} = {bytes} 字节 = {size}（{source}）",
    "planner.cli.mla_reference": (
        "  若实现缓存完整的 K/V 而不是潜在向量：每 token {bytes} 字节（{ratio} 倍），当前上下文下共 {total} 字节 "
        "= {size}"
    ),
    "planner.cli.formula": "  公式：{formula}",
    "planner.cli.layers_title": "  逐层明细（相邻的相同层合并为一行）：",
    # columns aligned with the rows in kvviz/cli/capacity.py, a CJK character counted two columns wide
    "planner.cli.layers_header": (
        "         层  类型     kv_heads  head_dim    窗口    字节/token      位置数      每层字节"
    ),
    "planner.cli.warning": "  警告：{text}",
    "planner.cli.note": "  注：{text}",
    "planner.cli.where_tp": "{n} × {accelerator}（张量并行；数字均为每张卡）",
    "planner.cli.on": "  在 {where} 上（{basis}）：",
    "planner.cli.reserve": (
        "    预留：{used} 的显存留给激活值、CUDA 上下文等"
        "（--reserve；默认 {default}，"
        "与 vLLM 的 gpu_memory_utilization=0.9 一致）"
    ),
    "planner.cli.per_device": "    每张卡：权重 {weights}，缓存 {cache}。{note}",
    "planner.cli.weights_do_not_fit_one": "    仅权重就放不进一张卡。",
    "planner.cli.weights_do_not_fit": "    仅权重就放不进 {n} 张卡。",
    "planner.cli.free": "    除权重外可用于缓存：{size}",
    "planner.cli.largest_batch": "    上下文 {context} 时的最大批大小：{n}",
    "planner.cli.largest_context": "    批大小 {batch} 时的最大上下文：{n} token（限制因素：{limited_by}）",
    "planner.cli.no_limit": "无上限",
    "planner.cli.no_smallest": "    上下文 {context} × 批大小 {batch} 在最多 {top} × {accelerator} 上也放不下。",
    "planner.cli.smallest": (
        "    上下文 {context} × 批大小 {batch} 所需 {accelerator} 的最少数量（张量并行，N = 1、2、4、8 ……）："
        "{n}（用 --gpus N 查看详情）"
    ),
    "planner.cli.assumption": "    假设：{text}",
})
