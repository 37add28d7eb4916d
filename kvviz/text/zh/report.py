"""把一次运行导出为单页 HTML 报告、CSV 表格，以及导出控件上的文字（kvviz/report、kvviz/ui/export.py）。

The run as a one-page HTML report, its CSV tables and the export controls.
"""

STRINGS: dict[str, str] = {
    "report.title": "KV 缓存报告：{model}",
    "report.subtitle": (
        "由 kvviz 根据真实模型的一次运行生成：共 {total} 步中的第 0 到第 {last} 步（显示 {shown} 步）。"
        "FLOPs 来自 kvviz 的成本模型，字节数来自真实的缓存对象。"
    ),
    "report.section.model": "模型与设置",
    "report.section.text": "解码出的文本",
    "report.section.answers": "三个问题",
    "report.section.charts": "图表",
    "report.section.steps": "逐步数据",
    "report.section.layers": "{step} 之后每一层的缓存",
    "report.answers_intro": "根据本次运行截至报告最后一步的数据作答。",
    "report.model.name": "模型",
    "report.model.architecture": "架构",
    "report.model.shape": "结构",
    "report.model.shape_value": (
        "{layers} 层，{heads} 个 query 头，{kv_heads} 个 K/V 头，head_dim {head_dim}，隐藏维度 {hidden}"
    ),
    "report.model.dtype": "权重与缓存的数据类型",
    "report.model.mode": "运行的模式",
    "report.model.prompt": "提示词",
    "report.model.prompt_value": "{tokens} 个 token",
    "report.model.finish": "停止原因",
    "report.model.running": "保存时仍在运行",
    "report.model.verified": "数字是否已在此模型上核验",
    "report.model.verified_yes": "是：成本模型已与 PyTorch 的 FLOP 计数器和真实缓存核对（最大相对误差 {worst}）",
    "report.model.verified_no": "否",
    "report.model.settings": "设置",
    "report.finish.eos": "模型生成了序列结束 token",
    "report.finish.max_new_tokens": "达到了 token 数上限",
    "report.finish.context": "达到了上下文长度上限",
    "report.col.step": "步",
    "report.col.phase": "阶段",
    "report.col.token": "生成的 token",
    "report.col.context_length": "上下文长度（位置数）",
    "report.col.cache_bytes": "缓存字节数",
    "report.col.cached_flops": "有缓存的 FLOPs",
    "report.col.recompute_flops": "无缓存的 FLOPs",
    "report.col.ratio": "截至此步累计：有缓存 / 重新计算",
    "report.col.time_ms": "时间（ms）",
    "report.col.other_time_ms": "另一种模式的时间（ms）",
    "report.col.layer": "层",
    "report.col.key_shape": "K 的形状",
    "report.col.value_shape": "V 的形状",
    "report.col.window": "窗口",
    "report.col.positions": "保存的位置数",
    "report.col.bytes": "字节数（K+V）",
    "report.window_full": "完整",
    "report.footer": (
        "本页自带图表所需的代码（plotly.js），无需联网即可打开。"
        "把鼠标悬停在图表上可查看精确数字；图表工具栏中的相机按钮可将其保存为图片。"
    ),
    # kvviz/ui/export.py
    "report.ui.intro": "把这次运行带走：一份可离线打开的单页报告，以及 CSV 格式的表格。",
    "report.ui.html": "下载报告（HTML）",
    "report.ui.html_help": "包含图表、三个问题的答案，以及截至当前这一步的逐步数据表；可离线打开。",
    "report.ui.steps_csv": "逐步数据（CSV）",
    "report.ui.layers_csv": "每层缓存（CSV）",
    "report.ui.chart_format": "图表保存格式",
    "report.ui.chart_format_help": "每个图表工具栏中的相机按钮会按这个格式保存图表。",
    "report.ui.format.png": "PNG 图片",
    "report.ui.format.svg": "SVG 矢量图",
    "report.error.no_steps": "这次运行还没有任何一步：导出前请至少运行完预填充这一步。",
    # `python -m kvviz explain --report FILE`（kvviz/cli/explain.py）
    "report.cli.help": "把这次运行写成单页 HTML 报告（图表、答案、逐步数据表），保存到 FILE",
    "report.cli.written": "已写入 {path}",
    "report.cli.failed": "无法写入 {path}：{why}。",
}
