"""Words of the cache lab page (kvviz/ui/pages/lab.py) and its charts (kvviz/charts/lab.py), Simplified Chinese."""

STRINGS: dict[str, str] = {
    "lab.nav": "缓存实验室",
    "lab.title": "缓存实验室：缓存太大时，该留下什么？",
    "lab.intro": (
        "在真实模型上用同一个提示词同时运行几种缓存策略，它们都受同一个位置预算约束，并且一起逐步推进。"
        "每种策略先用完整注意力一次读完提示词，之后每一步都把缓存裁剪到预算以内；新 token 只对保留下来的"
        "位置和它自己做注意力。各位置保留原来的旋转位置编码（kvpress 的做法；原版 StreamingLLM 会在缓存内"
        "给保留下来的 token 重新分配位置）。"
    ),
    "lab.prompt": "提示词",
    "lab.steps": "步数（新 token 数）",
    "lab.budget": "预算（每层保留的位置数）",
    "lab.policies": "策略（2 到 4 种）",
    "lab.policies.help": (
        "window：最近的若干位置。sinks：最前面 4 个位置 + 最近的位置（StreamingLLM）。"
        "h2o：对每个 K/V 头，一半预算留给累计注意力最多的位置，一半留给最近的位置（H2O）。"
        "knorm：对每个 K/V 头，保留键范数最小的位置（kvpress 的 KnormPress；不需要注意力权重）。"
        "int8 / int4：保留所有位置，较早的位置按 KIVI 的方式以 16 个值为一组量化；预算指保持全精度的残差部分。"
    ),
    "lab.mode": "质量的测量方式",
    "lab.mode.forced": "教师强制（都输入完整缓存生成的文本）",
    "lab.mode.free": "自由生成（各自写自己的文本）",
    "lab.start": "开始实验",
    "lab.need_two": "请选择 2 到 4 种策略。",
    "lab.empty": "选好提示词、预算和 2 到 4 种策略，然后点击“开始实验”。",
    "lab.back": "上一步",
    "lab.next": "下一个 token",
    "lab.play": "播放",
    "lab.pause": "暂停",
    "lab.step_label": "第 {step} 步，共 {total} 步（0 = 提示词预填充）",
    "lab.metric.bytes": "保留的字节数",
    "lab.metric.kl": "本步 KL",
    "lab.metric.agree": "至今一致率",
    "lab.metric.first": "首次分歧",
    "lab.metric.none": "尚无",
    "lab.metric.step": "第 {step} 步",
    "lab.metric.bytes.help": "{bytes:,} 字节：按实际存储方式计算的键和值（含量化码、缩放因子和零点）",
    "lab.head": "显示的 K/V 头",
    "lab.grid.caption": (
        "每行一层，每列一个位置：保留（蓝）、已驱逐（灰）、注意力汇聚（紫）、已量化（青绿）、本步输入（橙）。"
        "看看哪些早期位置留了下来，以及各层之间是否一致。"
    ),
    "lab.text.caption.forced": (
        "每一步该策略自己的 top-1 预测（所有策略都输入完整缓存生成的文本）；与完整缓存的选择不同处标红。"
    ),
    "lab.text.caption.free": (
        "该策略自己写出的文本；从第一个偏离完整缓存文本的 token 起标红。"
    ),
    "lab.kl.caption": (
        "逐步比较各策略的下一个 token 分布与完整缓存的分布相差多远：0 表示预测相同；尖峰说明被驱逐的位置"
        "在那一步起了作用。"
    ),
    "lab.kl.free": "KL 和一致率在教师强制模式下测量；自由生成模式显示各策略的文本从哪里开始分歧。",
    "lab.bytes.caption": "每一步之后各策略实际保留的字节数：做驱逐的策略会在预算处持平。",
    "lab.cell.evicted": "已驱逐",
    "lab.cell.held": "保留",
    "lab.cell.sink": "注意力汇聚",
    "lab.cell.quantized": "已量化",
    "lab.cell.new": "本步输入",
    "lab.cell.future": "尚未出现",
    "lab.grid.hover": "第 %{y} 层，位置 %{x}：%{customdata}",
    "lab.grid.x": "位置（原始）",
    "lab.grid.y": "层",
    "lab.step.x": "步（0 = 提示词预填充）",
    "lab.kl.title": "每一步的 KL(完整缓存 ‖ 策略)",
    "lab.kl.y": "KL（nat）",
    "lab.kl.hover": "第 %{x} 步：KL %{y:.4f} nat，top-1 %{customdata[1]}（一致：%{customdata[0]}）",
    "lab.bytes.title": "每一步之后保留的字节数",
    "lab.bytes.y": "字节",
    "lab.ppl.section": "质量与内存的权衡：真实文本上的困惑度",
    "lab.ppl.intro": (
        "模型在一段公有领域文本（《爱丽丝梦游仙境》第 1 章）前 {tokens} 个 token 上的教师强制困惑度：先读入 "
        "16 个 token，之后每次一个 token 地经过各策略的缓存，在几种预算下分别测量。越低越好；星号代表完整缓存。"
    ),
    "lab.ppl.button": "测量困惑度（约一分钟；结果由所有访客共享）",
    "lab.ppl.caption": (
        "每条线是一种策略在预算 {budgets} 下的结果：每省下一个字节要付出多少困惑度。"
        "线条始终贴近星号的策略，留住了模型真正需要的内容。"
    ),
    "lab.ppl.title": "困惑度与保留字节数",
    "lab.ppl.x": "峰值保留字节数（对数坐标）",
    "lab.ppl.y": "困惑度",
    "lab.ppl.hover": "困惑度 %{y:.2f}",
    "lab.paged.section": "分页块：多个请求，共享同一个系统提示词",
    "lab.paged.intro": (
        "vLLM 等推理服务引擎把缓存按每块 {size} 个 token 分块存放，每个请求用一张块表列出自己的块。"
        "已填满的块可以通过对它的 token 及其之前全部内容计算的哈希再次找到，因此以相同系统提示词开头的请求"
        "会通过引用计数共享这些块。"
    ),
    "lab.paged.button": "在模型上运行分页演示",
    "lab.paged.caption": (
        "每行一个请求，每格一个块（格中是块编号）：绿色块由多个请求共享，只存一份；每行末尾的蓝色部分是该请求"
        "独有的块。"
    ),
    "lab.paged.title": "块表（块大小 {size}）",
    "lab.paged.x": "请求块表中的槽位",
    "lab.paged.request": "请求 {i}（{tokens} 个 token）",
    "lab.paged.hover": "槽位 %{x}：块 %{text}<extra></extra>",
    "lab.paged.own": "独有块",
    "lab.paged.shared": "共享块",
    "lab.paged.memory": "缓存占用：共享 / 不共享",
    "lab.paged.prefill": "预填充：复用前缀 / 完整计算",
    "lab.paged.prefill.help": (
        "所有请求预填充的墙钟时间（3 次取最快）；CPU 时间：{reuse:.0f} / {whole:.0f} ms"
    ),
    "lab.paged.cow": (
        "共享前缀：在块池中找到 {tokens} 个 token。随后对请求 1 再采样一次（fork 出来，所有块都共享），两者各自"
        "写入自己的下一个 token：共享的、未填满的最后一块发生了 {cow} 次写时复制。"
        "复用前缀与完整预填充之间 logit 的最大差异：{diff:.1e}。"
    ),
    "lab.system_prompt": (
        "你是一家足球博物馆的讲解员。博物馆共有三层：一楼讲述足球运动的历史，从 1863 年最早的规则一直讲到今天；"
        "二楼是世界杯展厅，陈列着每一届决赛的比赛用球；三楼介绍伟大的球员，每个大洲各有一个展室。咖啡馆和商店"
        "在入口旁边。用一句简短、友好的话回答每位参观者的问题，拿不准时就直说。\n\n参观者："
    ),
    "lab.question.1": "梅西是谁？",
    "lab.question.2": "博物馆的咖啡馆在哪里？",
    "lab.question.3": "第一届世界杯是哪一年举办的？",
    "lab.question.4": "什么是越位？",
    "lab.limits": "每次运行的上限：{steps} 步，预算最多 {budget}，提示词最多 {prompt} 个 token。",
    "lab.error.draw": "这一步无法绘制（{what}）。",
}
