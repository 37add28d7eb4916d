"""Learn 页面（kvviz/ui/pages/learn.py、learn_views.py）上的每一句话。

Templates here are the app's own text and may use Markdown (**bold**, `code`); anything a visitor
or a file supplies is escaped before it is put into them (kvviz.ui.markup.md_escape).
Markdown in Chinese: put a closing ** after a character, not after full-width punctuation
("**目前的文本**：", not "**目前的文本：**"), or CommonMark does not close the bold.
"""

STRINGS: dict[str, str] = {
    "learn.nav": "逐步观察生成过程",
    "learn.page_title": "kvviz：一步一步看 KV 缓存",
    "learn.title": "KV 缓存：一次一个 token",
    "learn.intro": (
        "在侧边栏设置提示词并点击 **开始**，然后点击 **下一个 token**。每一步都用真实模型运行两次："
        "一次使用缓存（只输入一个新 token），一次不用缓存（把整个序列重新输入一遍），并展示缓存里存了什么、"
        "省下了什么、又有什么没有改变。"
    ),
    # --- 侧边栏
    "learn.settings": "设置",
    "learn.model": "模型",
    "learn.model_help": "内置模型可离线运行；其他模型在网络允许时从 Hugging Face Hub 下载。",
    "learn.model.builtin": "SmolLM2-135M-Instruct（内置，离线可用）",
    "learn.model.gpt2": "gpt2（网络允许时下载，约 500 MB）",
    "learn.model.distilgpt2": "distilgpt2（网络允许时下载，约 350 MB）",
    "learn.model.qwen2_5_0_5b": "Qwen/Qwen2.5-0.5B（网络允许时下载，约 1 GB）",
    "learn.model.other": "其他：hub id 或本地文件夹",
    "learn.model_other": "hub id 或本地文件夹",
    "learn.model_other_placeholder": "例如 gpt2 或 /path/to/model",
    "learn.prompt": "提示词",
    "learn.max_new": "最多生成的 token 数",
    "learn.decoding": "解码方式",
    "learn.decoding.greedy": "贪心解码",
    "learn.decoding.sampling": "采样",
    "learn.temperature": "温度",
    "learn.top_k": "Top-k（0 = 关闭）",
    "learn.top_p": "Top-p",
    "learn.seed": "随机种子",
    "learn.start": "按这些设置开始",
    "learn.small_model_note": (
        "内置模型只有 1.35 亿参数：它的英文很流畅，说的事实却常常是错的。页面上关于缓存的一切，对任何规模的模型都成立。"
    ),
    "learn.loading": "正在加载模型（首次启动时会把内置模型转换一次，约 30 秒）...",
    "learn.prefilling": "预填充：正在把提示词读入缓存...",
    "learn.unapplied": "侧边栏中有本次运行尚未使用的更改：点击 **按这些设置开始** 即可应用。",
    "learn.no_run": "在侧边栏选择模型和提示词，然后点击开始。",
    # --- 错误
    "learn.error.kvviz": "{message}",
    "learn.error.no_model": "请输入模型的 hub id（例如 gpt2）或本地文件夹，或者选择一个预设模型。",
    "learn.error.unexpected": "出了点问题（{kind}：{detail}）。页面保留了你的运行。",
    "learn.error.draw": "这一步无法绘制（{kind}：{detail}）。",
    "learn.error.no_steps": "这份运行记录中没有可显示的步。",
    # --- 控制按钮
    "learn.back": "上一步",
    "learn.next": "下一个 token",
    "learn.queued.one": "排队中：服务器正忙，你前面还有 1 步；大约 {eta} 秒后轮到你。",
    "learn.queued.many": "排队中：服务器正忙，你前面还有 {ahead} 步；大约 {eta} 秒后轮到你。",
    "learn.crowd_mode": (
        "计算这一步时服务器正在应付一整间教室的访问，所以这一步只输入一次，并且使用缓存：没有为它运行重新计算那一遍"
        "（不用缓存、把整个序列重新输入）。这一步没有测量的：那一遍的耗时，以及两种方式是否选出同一个 token 的检查。"
        "仍然精确的：每一个 FLOP 计数（成本模型）以及缓存中保存的内容。人少一些时计算的步会两种方式都测量。"
    ),
    "learn.next_help": "回看过的步会直接重新显示；位于最新一步时，会再运行一次模型",
    "learn.play": "播放",
    "learn.pause": "暂停",
    "learn.reset": "重置",
    "learn.reset_help": "用本次运行的设置，从提示词重新开始",
    "learn.pace": "播放速度",
    "learn.pace.slow": "慢（2 秒）",
    "learn.pace.medium": "中（1 秒）",
    "learn.pace.fast": "快（0.3 秒）",
    "learn.slider": "步（0 = 预填充）：往回拖动可回看某一步，无需重新计算",
    # --- 指标
    "learn.metric.step": "步",
    "learn.metric.fed": "本步输入",
    "learn.metric.fed_help": "本步输入的 token 数。使用缓存时：预填充输入整个提示词，之后每步输入 1 个",
    "learn.metric.cached": "已缓存",
    "learn.metric.cached_help": (
        "缓存中的 token 数：到目前为止输入过的所有 token。本步选出的 token 会在下一步被输入并缓存。"
    ),
    "learn.metric.cache_size": "缓存大小",
    "learn.metric.cache_size_help": "{bytes:,} 字节",
    "learn.metric.without": "重新计算",
    "learn.metric.flops": "FLOPs：有缓存",
    "learn.metric.flops_help": "本步矩阵乘法的 FLOPs：有缓存；下方为无缓存（重新计算），单位相同（成本模型）",
    "learn.metric.time_both": "ms：有缓存",
    "learn.metric.time_one": "ms：前向传播",
    "learn.metric.time_help": "本步前向传播的墙钟毫秒数：有缓存；下方为无缓存（每一步两者都会运行）",
    # --- 标签页
    "learn.tab.questions": "三个问题",
    "learn.tab.cache": "缓存",
    "learn.tab.work": "计算量",
    "learn.tab.attention": "注意力",
    "learn.tab.trace_file": "导出与文件",
    # --- 文本条
    "learn.strip.decoded": "**目前的文本**：{text}",
    "learn.strip.joins": "= {text}",
    "learn.strip.pending": "… 还有字节未到",
    "learn.candidates": "本步 token 的前 {n} 个候选",
    "learn.candidates.token": "token",
    "learn.candidates.id": "ID",
    "learn.candidates.probability": "概率",
    "learn.candidates.chosen": "选中",
    "learn.finished": "生成结束：{why}。",
    "learn.finish.eos": "模型输出了序列结束 token",
    "learn.finish.max_new_tokens": "达到了 token 数上限",
    "learn.finish.context": "达到了上下文长度上限",
    # --- 加载时的自检（kvviz/engine/selfcheck.py）
    "learn.verified.yes": (
        ":material/verified: 已在此模型上核对 FLOPs 和字节数：加载时，成本模型逐组件与 PyTorch 的 FLOP 计数器吻合，"
        "也与真实缓存的字节数吻合（最大相对误差 {worst}）。"
    ),
    "learn.verified.unknown": "未在此模型上核对 FLOPs 和字节数（该文件早于加载时检查的引入）。",
    "learn.verified.all": "全部",  # every figure unverified
    "learn.verified.no": (
        "此模型上未经核对的数字：{figures}。加载时的检查发现，成本模型与 PyTorch 的 FLOP 计数器或真实缓存相比，"
        "相对误差最高达 {worst}；请把这些数字当作估计值。"
    ),
    # --- 一致性徽章
    "learn.badge.agree_greedy": (
        "有缓存与重新计算的解码结果一致：{steps} {steps_word}中选出的 token 完全相同；最大 |logit 差| 为 {worst:.1e}，"
        "属于 float32 舍入误差（容差 {tolerance:g}）。"
    ),
    "learn.badge.agree_sampling": (
        "有缓存与重新计算的解码结果一致：{steps} {steps_word}中 logits 相同（采样只从中抽取一次）；"
        "最大 |logit 差| 为 {worst:.1e}，属于 float32 舍入误差（容差 {tolerance:g}）。"
    ),
    "learn.badge.step": "步",
    "learn.badge.steps": "步",
    "learn.badge.tokens_differ": "有缓存与重新计算的解码选出了不同的 token（最大 |Δlogit| {worst:.1e}）。",
    "learn.badge.logits_differ": (
        "有缓存与重新计算的解码在 logits 上相差超过 {tolerance:g}（最大 |Δlogit| {worst:.1e}）。"
    ),
    # --- 缓存视图
    "learn.cache.caption": (
        "每一层都保存一个 key 张量和一个 value 张量，形状为 [batch, kv_heads, seq, head_dim]。"
        "每一步在 seq 轴上追加一个位置；已经存下的内容不会再计算一遍。"
    ),
    "learn.cache.col.layer": "层",
    "learn.cache.col.k_shape": "K 的形状",
    "learn.cache.col.v_shape": "V 的形状",
    "learn.cache.col.window": "窗口",
    "learn.cache.col.bytes": "字节",
    "learn.cache.col.bytes_label": "字节（K+V）",
    "learn.cache.window_full": "不限",
    "learn.cache.formula": (
        "缓存字节数 = 2（K 和 V）× {layers} 层 × {kv_heads} 个 K/V 头 × {head_dim} head_dim × {dtype_bytes} "
        "字节（{dtype}）× token 数 = **每个 token {per_token:,} 字节**{sliding}。这一步之后：{after:,} 字节。"
    ),
    "learn.cache.formula_sliding": "；滑动窗口层增长到窗口大小后便不再增长",
    "learn.cache.gqa": (
        "分组查询注意力（GQA）缓存的 K/V 头比 query 头少：缓存量只有每个 query 头各配一个 K/V 头时的 1/{factor}。"
    ),
    # --- 计算量视图
    "learn.work.cached": "本步 FLOPs（有缓存）",
    "learn.work.recompute": "本步 FLOPs（无缓存）",
    "learn.work.recompute_help": "原文的循环：把整个序列重新输入一遍",
    "learn.work.ratio": "到目前为止：有缓存 / 重新计算",
    "learn.work.ratio_help": "有缓存的累计 FLOPs 与无缓存的累计 FLOPs 之比",
    "learn.work.split_caption": (
        "蓝色：无论怎样解码，新 token 都需要的计算。红色：没有缓存的循环为已经处理过的 token 再算一遍的部分。"
        "绿色：有缓存的循环改为读回的 K 和 V 条目（字节数），否则它们就要重新计算。"
    ),
    "learn.work.log": "FLOP 轴使用对数刻度",
    "learn.work.executed": (
        "按实际执行计数：eager 模式的注意力会把带掩码的整个分数方阵都乘出来。这一步在无缓存时，Q·Kᵀ 为 "
        "{scores:,} FLOPs，其中因果掩码真正需要的是 {needed:,}。"
    ),
    "learn.work.time_caption": (
        "每次前向传播的墙钟时间是在本机上测得的，因此有噪声；FLOP 计数是精确的，"
        "并与 PyTorch 的 FLOP 计数器一致（见测试）。"
    ),
    # --- 注意力视图
    "learn.attention.none": "本次运行没有记录注意力权重。",
    "learn.attention.one_layer": (
        "运行较长：为了限制内存，只记录第 {layer} 层的注意力权重（提示词 + 新 token ≤ {limit} 时记录每一层）。"
    ),
    "learn.attention.layer": "层",
    "learn.attention.head": "query 头",
    "learn.attention.caption": (
        "预填充一次算出整个因果三角。每个解码步增加一行：新 token 的 query 与迄今所有 key 的得分。"
        "只有带边框那一格的 key 是在该步计算的；其余都是从缓存读取的。"
    ),
    # --- 运行记录文件
    "learn.file.download": "下载这份运行记录（JSON）",
    "learn.file.caption": (
        "格式版本 {schema}：模型、提示词，以及每一步的缓存形状、字节数、时间和 FLOPs。命令行会写出同样的文件："
        "`python -m kvviz trace ... --json FILE`。"
    ),
    "learn.file.upload": "打开已保存的运行记录（JSON），再逐步回看一遍",
    "learn.file.replaying": (
        "正在显示 {model} 的已保存运行记录：共记录了 {steps} 步。用侧边栏中的设置点击开始，即可重新运行模型。"
    ),
}
