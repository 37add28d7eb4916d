"""Learn 页面各图表的标题、坐标轴、图例和悬停提示（kvviz/charts/trace.py）。

Hover templates hold Plotly's own %{...} fields and take no t() fields (t() formats only when given fields).
"""

STRINGS: dict[str, str] = {
    "step.prefill": "预填充",
    "step.decode": "解码 {index}",
    # 一步中的各部分计算，按 ledger 的组件划分
    "component.q_proj": "Q 投影",
    "component.kv_proj": "K、V 投影",
    "component.scores": "注意力分数（Q·Kᵀ）",
    "component.attn_v": "注意力 × V",
    "component.o_proj": "输出投影",
    "component.mlp": "MLP",
    "component.lm_head": "LM 头",
    "mode.cached": "有缓存",
    "mode.recompute": "重新计算",
    # 缓存分布图
    "chart.cache_map.empty": "重新计算模式没有缓存：步与步之间不保留任何内容",
    "chart.cache_map.title": "截至{step}，每一层缓存中的内容",
    "chart.cache_map.x": "序列中的位置（token）",
    "chart.cache_map.y": "层",
    "chart.cache_map.colorbar": "写入于",
    "chart.cache_map.hover": "第 {layer} 层，位置 {position}：{token}",
    "chart.cache_map.hover_long": "第 %{y} 层，位置 %{x}<br>写入于第 %{z} 步（0 = 预填充）",
    "chart.cache_map.evicted": "已驱逐（在滑动窗口之外）",
    "chart.cache_map.by_prefill": "由预填充写入",
    "chart.cache_map.by_decode": "由解码第 {step} 步写入",
    # 缓存字节数
    "chart.cache_bytes.title": "每一步之后的缓存大小",
    "chart.cache_bytes.x": "步（0 = 预填充）",
    "chart.cache_bytes.y": "K 和 V 占用的字节数",
    "chart.cache_bytes.series": "缓存字节数（真实张量）",
    "chart.cache_bytes.hover": "第 %{x} 步<br>%{y:,} 字节（%{customdata[0]}）<br>缓存中有 %{customdata[1]} 个 token",
    # 头的共享方式
    "chart.heads.query": "query 头 {i}",
    "chart.heads.kv": "K/V 头 {j}",
    "chart.heads.kind.mha": "多头",
    "chart.heads.kind.mqa": "多查询",
    "chart.heads.kind.gqa": "分组查询",
    "chart.heads.title": (
        "{kind}注意力：{heads} 个 query 头读取 {kv_heads} 个缓存的 K/V 头（每个 K/V 头供 {group} 个 query 头使用）"
    ),
    # 时间
    "chart.time.title": "每一步实测的前向传播时间（墙钟时间，本机）",
    "chart.time.x": "步（0 = 预填充）",
    "chart.time.y": "毫秒",
    "chart.time.ran": "{mode}（实际运行）",
    "chart.time.alongside": "{mode}（同步对照）",
    "chart.time.hover": "第 %{x} 步：%{y:.1f} ms",
    # 注意力
    "chart.attention.missing": "这些步没有记录第 {layer} 层的注意力权重",
    "chart.attention.colorbar": "权重",
    "chart.attention.hover": "query %{y} → key %{x}<br>权重 %{z:.4f}",
    "chart.attention.fresh": "新的 K/V（本步计算）",
    "chart.attention.title": "注意力权重：第 {layer} 层，query 头 {head}（读取 K/V 头 {kv_head}）",
    "chart.attention.x": "key 位置（token）",
    "chart.attention.y": "query 位置（token）",
    "chart.attention.x_window": "key 位置（token）：共 {total} 个中的最后 {keys} 个",
    "chart.attention.overview_x": "整次运行，每个 {block}×{block} 块的平均权重",
    "chart.attention.overview_hover": "query 约在 %{y:.0f}，key 约在 %{x:.0f}<br>平均权重 %{z:.4f}",
    # 计算量的划分
    "chart.work.fresh": "新计算：无论哪种方式，新 token 都需要",
    "chart.work.recomputed": "重新计算：只在没有缓存时发生",
    "chart.work.reused": "复用：从缓存读取的 K/V",
    "chart.work.fresh_hover": "第 %{x} 步<br>新计算 %{y:,} FLOPs",
    "chart.work.recomputed_hover": "第 %{x} 步<br>重新计算 %{y:,} FLOPs",
    "chart.work.reused_hover": (
        "第 %{x} 步<br>读取 %{y:,} 字节（%{customdata[0]:,} 个数值）<br>"
        "若重新计算，需要 %{customdata[1]:,} FLOPs 的 K/V 投影"
    ),
    "chart.work.title": "每一步的计算：新计算、无缓存时的重新计算、从缓存复用",
    "chart.work.y_flops": "FLOPs",
    "chart.work.y_bytes": "读取的字节数",
    "chart.work.x": "步（0 = 预填充）",
    # 累计
    "chart.running.recompute": "无缓存（重新计算）",
    "chart.running.cached": "有缓存",
    "chart.running.recompute_hover": "第 %{x} 步之后：%{y:,} FLOPs",
    "chart.running.cached_hover": "第 %{x} 步之后：%{y:,} FLOPs<br>为重新计算的 %{customdata:.1%}",
    "chart.running.title": "从提示词开始累计的 FLOPs",
    "chart.running.x": "步（0 = 预填充）",
    "chart.running.y_si": "累计 FLOPs（M = 10⁶，G = 10⁹，T = 10¹²）",
    # 各组件
    "chart.components.cached": "有缓存",
    "chart.components.recompute": "无缓存",
    "chart.components.hover": "%{y}：%{x:,} FLOPs",
    "chart.components.title": "各组件的 FLOPs：{step}（整个模型）",
    "chart.components.x_si": "FLOPs（M = 10⁶，G = 10⁹，T = 10¹²）",
}
