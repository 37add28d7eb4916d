"""引擎按键抛出的错误信息（kvviz.errors.KvvizError(key=...)）：访客的输入。"""

STRINGS: dict[str, str] = {
    "errors.prompt_empty": "提示词为空：请输入一些文本作为开头。",
    "errors.new_tokens": "新 token 数必须是至少为 1 的整数。",
    "errors.no_tokens": "这个提示词没有切分出任何 token。",
    "errors.prompt_too_long.model": "提示词有 {prompt} 个 token；{model} 的上下文长度是 {limit} 个 token。",
    "errors.prompt_too_long.run": "提示词有 {prompt} 个 token；每次运行的上限是 {limit} 个 token。",
    "errors.context_exceeded.model": (
        "{prompt} 个提示词 token + {new} 个新 token 超过了 {model} 的上下文长度 {limit} 个 token；"
        "新 token 最多只能要 {most} 个。"
    ),
    "errors.context_exceeded.run": (
        "{prompt} 个提示词 token + {new} 个新 token 超过了每次运行 {limit} 个 token 的上限；"
        "新 token 最多只能要 {most} 个。"
    ),
    "errors.run_too_long": (
        "{prompt} 个提示词 token + {new} 个新 token 超过了每次运行 {limit} 个 token 的上限；"
        "新 token 最多只能要 {most} 个。"
    ),
    "errors.lab_prompt_too_long": "提示词有 {prompt} 个 token；缓存实验室最多接受 {limit} 个。",
    # 运行自身的上限（kvviz.engine.caps、tracer）
    "errors.caps.context_limit": "上下文上限必须是至少 2 个 token 的整数，实际是 {got}。",
    "errors.caps.attention_budget": "注意力预算必须是字节数，实际是 {got}。",
    "errors.caps.attention_one": (
        "在 {prompt} 个提示词 token + {new} 个新 token 上记录 {layers} 层的注意力将占用 {need}；"
        "每次运行的上限是 {limit}。请少记录几层，或少要一些 token。"
    ),
    "errors.caps.attention_many": (
        "在 {prompt} 个提示词 token + {new} 个新 token 上记录 {layers} 层的注意力将占用 {need}；"
        "每次运行的上限是 {limit}。请少记录几层，或少要一些 token。"
    ),
    "errors.no_layer": "第 {layer} 层不存在；{model} 的层号是 0-{last}。",
    "errors.attention_needs_eager": "注意力权重需要以 attn_implementation='eager' 加载模型。",
    "errors.no_steps": "运行记录里还没有任何一步：至少先运行预填充这一步。",
    "errors.no_accelerator": "列表里没有名为 {name} 的加速卡。",
    # 采样设置（kvviz.engine.sampling）
    "errors.sampling.temperature": "温度必须是 0（贪心解码）或 {lo:g} 到 {hi:g} 之间的数，实际是 {got:g}。",
    "errors.sampling.top_p": "Top-p 必须在 (0, 1] 之内，实际是 {got:g}。",
    "errors.sampling.top_k": "Top-k 必须是 0（关闭）或正的 token 数，实际是 {got}。",
    "errors.sampling.seed": "随机种子必须是 0 到 2^64 - 1 之间的整数，实际是 {got}。",
    "errors.sampling.not_finite": "{name}必须是有限的数，实际是 {got}。",
    "errors.sampling.not_whole": "{name}必须是整数，实际是 {got}。",
    "errors.sampling.name.temperature": "温度",
    "errors.sampling.name.top_p": "Top-p ",
    "errors.sampling.name.top_k": "Top-k ",
    "errors.sampling.name.seed": "随机种子",
    # 命令行和应用里写法的缓存策略（kvviz.cache）
    "errors.policy.not_text": "缓存策略是像 {spellings} 这样的名字，实际是 {got}。",
    "errors.policy.unknown": (
        "未知的缓存策略 {spec}：请用 {spellings} 之一（W、S、R、H、B 是位置数；G 是分组大小）。"
    ),
    "errors.policy.count": "{what}必须是 {least} 到 {most:,} 之间的整数，实际是 {got}。",
    "errors.policy.what.heavy": "重要位置（heavy hitter）数",
    "errors.policy.what.recent": "最近位置数",
    "errors.policy.what.sinks": "汇聚位置数",
    "errors.policy.what.held": "保留的位置数",
    "errors.policy.what.group": "分组大小",
    "errors.policy.what.residual": "全精度残差",
    "errors.policy.empty": "{spec} 至少要保留 1 个位置（{sum} >= 1）。",
    "errors.policy.window": "窗口至少要保留 1 个位置，实际是 {got}。",
    "errors.policy.bits": "量化缓存只支持 {choices}；实际是 {got}。",
    "errors.policy.group": (
        "{spec} 按 {group} 个通道分组，但 {model} 的头维度是 {head_dim}；请选一个能整除 {head_dim} 的分组大小。"
    ),
    "errors.policy.sliding": (
        "缓存策略 {spec} 要求模型的每一层都关注整个上下文；{model} 有滑动窗口层。请对这个模型使用完整缓存。"
    ),
    "errors.policy.needs_cache": "缓存策略 {spec} 需要有缓存模式。",
    "errors.policy.needs_eager": "缓存策略 {spec} 需要以 attn_implementation='eager' 加载模型。",
    "errors.lab.mode": "缓存实验室的模式只能是 forced 或 free，实际是 {got}。",
    "errors.lab.policies": "请选择 1 到 {most} 种缓存策略。",
    # 命令行（kvviz.cli）
    "errors.cli.write_folder": "无法写入 {path}：它是一个文件夹。",
    "errors.cli.write_no_folder": "无法写入 {path}：文件夹 {folder} 不存在。",
    "errors.cli.write_denied": "无法写入 {path}：没有权限。",
    "errors.cli.write_failed": "无法写入 {path}：{reason}。",
    "errors.cli.tokenizer_vocab": (
        "分词器给出的 token 编号 {token_id} 超出了 {model} 的 {vocab:,} 个 token 的词表：这个分词器不属于这个模型。"
    ),
    # 房间（kvviz.rooms）
    "errors.room.bad_link": "这个房间链接无效。",
    "errors.room.too_big": "房间状态有 {size:,} 字节；一个房间最多保存 {limit:,} 字节。",
    "errors.room.closed": "这个房间不存在或已经关闭。",
    "errors.room.not_lead": "只有开设这个房间的讲师才能修改它。",
    "errors.room.not_text": "房间状态只能是文本参数。",
    # kvviz 无法对应到成本模型的模型（kvviz.engine.dims）
    "errors.dims.module": (
        "kvviz 无法把模块 {module}（{kind}）对应到成本模型（Q、K、V、输出投影或 MLP），"
        "它的 FLOP 数字只能是猜测。"
    ),
    "errors.dims.uneven_blocks": (
        "第 {block} 个 block 的矩阵形状与第 0 个不同；kvviz 的成本模型假定每个 block 形状相同。"
    ),
    "errors.dims.attention": (
        "kvviz 无法把注意力的形状（Q {q}，输出投影输入 {o_in}）对应到 {heads} 个维度为 {head_dim} 的头。"
    ),
    "errors.dims.kv_width": "kvviz 无法把 K/V 宽度 {width} 对应到维度为 {head_dim} 的头。",
    "errors.dims.no_output": "kvviz 在一个 block 里找不到唯一的注意力输出投影。",
    "errors.dims.mixed_qkv": "kvviz 无法处理同时混用融合与分开的 Q/K/V 投影的 block。",
    "errors.dims.fused_split": "kvviz 无法把融合 Q/K/V 投影的 {outputs} 个输出切分成头。",
    "errors.dims.qkv": "kvviz 在一个 block 里找不到一个 Q 投影和两个相同的 K、V 投影。",
    "errors.dims.widths": "kvviz 无法处理投影读入宽度 {read}、却写出宽度 {write} 的 block。",
    "errors.dims.cut": "kvviz 无法把宽度 {width} 切成 {heads} 个头。",
    "errors.dims.mlp_roles": "kvviz 无法把 MLP 的矩阵 {matrices} 对应到 up/gate 和 down 投影。",
    "errors.dims.mlp_kind": "kvviz 无法把 MLP 的矩阵 {matrices} 对应到普通或门控 MLP。",
    "errors.dims.outside": (
        "kvviz 无法对应 block 之外的模块 {module}（{kind}）：成本模型里没有它的位置，它的数字会不完整。"
    ),
    "errors.dims.no_lm_head": "kvviz 找不到模型的 LM 头（通向词表的线性层）。",
    "errors.dims.lm_head": "kvviz 无法处理从宽度 {hidden} 的 block 读入宽度 {read} 的 LM 头。",
    # 可以加载哪些模型，以及加载本身（kvviz.engine.sources、models）
    "errors.source.only_presets": "这个服务器只提供内置模型和列出的预设模型。",
    "errors.source.not_offered": "这个服务器没有提供模型文件夹 {name}。",
    "errors.source.not_a_name": "模型名是 Hugging Face Hub 上的 id（例如 gpt2）或文件夹路径，只能写在一行内。",
    "errors.model.not_installed": "内置模型没有安装。请用 `{command}` 安装（README 里的 `make run` 会做这一步）。",
    "errors.model.no_folder": "{source} 处没有模型文件夹。",
    "errors.model.no_config": "文件夹 {source} 里没有 config.json：它不是 Hugging Face 模型文件夹。",
    "errors.model.not_causal": (
        "{name} 是 {kind} 模型，不是因果语言模型：kvviz 需要一个逐 token 生成文本的解码器"
        "（GPT-2、Llama、Qwen2、Gemma 等）。"
    ),
    "errors.model.moe": (
        "{name} 是混合专家（MoE）模型：kvviz 的逐步成本模型只覆盖稠密模型。容量规划可以给出它的缓存大小。"
    ),
    "errors.model.mla": (
        "{name} 使用 MLA（多头潜在注意力）：kvviz 的逐步成本模型暂不覆盖它。容量规划可以给出它的缓存大小。"
    ),
    "errors.model.falcon": (
        "{name}（Falcon 的新解码器架构）在缓存里把 K 和 V 复制到每个 query 头：kvviz 的成本模型描述不了这种缓存，"
        "数字会是错的。"
    ),
    "errors.model.cache_mismatch": (
        "kvviz 的成本模型描述不了 {model} 的缓存（预测 {predicted:,} 字节，真实缓存里是 {real:,} 字节），数字会是错的。"
    ),
    "errors.model.no_blocks": "找不到模型的 Transformer block。",
    "errors.model.load_folder": "无法加载模型文件夹 {name}：{reason}",
    "errors.model.remote_code": "{name} 需要运行其仓库里的自定义代码；kvviz 从不运行远程代码。",
    "errors.model.offline": (
        "无法加载 {name}：它不在本地的 Hugging Face 缓存里，这里也连不上模型仓库。"
        "请使用内置模型、本地文件夹，或换一台能联网的机器。"
    ),
    "errors.model.not_on_hub": "Hugging Face Hub 上没有名为 {name} 的模型（请检查拼写，例如 'gpt2'）。",
    "errors.model.load_failed": "无法加载 {name}：{reason}",
    "errors.lab.perplexity_span": "困惑度需要 1 <= 提示 < token 数 <= {most}。",
    "errors.lab.paged_requests": "分页演示接受 1 到 {most} 个请求。",
    "errors.lab.paged_tokens": "系统提示与每个问题都须少于 {most:,} 个 token。",
}
