"""一步的要点，以及 Learn 页面各标签页上方的概览（kvviz/analysis/lesson.py、kvviz/charts/lesson.py、
kvviz/ui/pages/learn_views.py）。

The step's lesson and the overview above the Learn page's tabs. Figures arrive formatted by kvviz.units,
one unit per sentence. Chart hover templates hold Plotly's own %{...} fields and take no t() fields.
"""

STRINGS: dict[str, str] = {
    # --- 一步的要点（一句话）
    "lesson.prefill": (
        "**预填充**：模型一次读完了提示词的全部 {context} 个 token，并把它们的 key 和 value 存入缓存"
        "（{layers} 层 × {context} 个位置）；此时还没有可以复用的内容。点击 **下一个 token**，看看缓存如何发挥作用。"
    ),
    "lesson.decode": (
        "**第 {step} 步**：模型计算了 {fed_n}，复用了缓存中的 {reused} 个位置；如果没有缓存，这一步有 {share} "
        "的计算要重做（有缓存 {cached}，无缓存 {recompute}，是有缓存的 {ratio}）。"
    ),
    "lesson.decode_windowed": (
        "**第 {step} 步**：模型计算了 {fed_n}，复用了缓存中最多 {reused} 个位置（滑动窗口层保留的更少）；"
        "如果没有缓存，这一步有 {share} 的计算要重做（有缓存 {cached}，无缓存 {recompute}，是有缓存的 {ratio}）。"
    ),
    "lesson.fed.one": "{n} 个新位置",
    "lesson.fed.many": "{n} 个新位置",
    # --- FLOPs 旁边的时间
    "lesson.time.same": (
        "墙钟时间的变化比 FLOPs 小（这里是 {time_ratio} 对 {flops_ratio}）：无论有没有缓存，每次前向传播都要读取"
        "全部 {weights} 的权重，还要付出每层固定的开销；在 CPU 上、上下文较短时运行小模型，这些开销占了大头。"
    ),
    "lesson.time.longer": (
        "墙钟时间的变化比 FLOPs 小（这里是 {time_ratio} 对 {flops_ratio}）：无论有没有缓存，每次前向传播都要读取"
        "全部 {weights} 的权重，还要付出每层固定的开销；在 CPU 上、上下文较短时运行小模型，这些开销占了大头。"
        "在本次运行最长的上下文处（{context} 个 token，第 {step} 步），重新计算的耗时是有缓存的 {far_time_ratio}，"
        "FLOPs 是 {far_flops_ratio}。"
    ),
    "lesson.time.one_mode": "这一步只对有缓存的前向传播计了时：重新计算的那一次没有运行。",
    # --- token 条
    "lesson.strip.cache": "缓存：{n} 个位置",
    "lesson.strip.cache_one": "缓存：1 个位置",
    "lesson.strip.cache_help": (
        "这一步之后每一层保存的 key 和 value，每个位置一份（␣ 表示空格；⟨E6 B4⟩ 是只构成某个字符一部分的 token，"
        "显示为它的字节）。绿色：从缓存读取；蓝色：本步计算并写入。"
    ),
    "lesson.strip.earlier": "… 之前还有 {n} 个",
    "lesson.strip.new": "新 token",
    "lesson.strip.new_help": "这一步选出的 token：它在下一步被输入模型，并写入缓存。",
    "lesson.strip.show_all": "显示全部 {n} 个 token",
    "lesson.strip.text_tail": "**目前的文本**：…{text}",
    # --- 概览中的图
    "lesson.chart.cache.title": "{step} 之后每层的 K 和 V：形状各为 {shape}",
    "lesson.chart.cache.title_mixed": "{step} 之后每层的 K 和 V（各层形状不同）",
    "lesson.chart.cache.x": "保存的位置数（K 和 V 的 seq 轴）",
    "lesson.chart.cache.y": "层",
    "lesson.chart.cache.reused": "从缓存读取",
    "lesson.chart.cache.written": "本步写入",
    "lesson.chart.cache.hover": "第 %{y} 层<br>K 和 V 的形状各为 %{customdata[0]}<br>%{customdata[1]}",
    "lesson.chart.work.title": "每一步的 FLOPs：无论如何都要做的，以及没有缓存时要重做的",
    "lesson.chart.work.fresh": "有缓存",
    "lesson.chart.work.recomputed": "无缓存时重做的",
    "lesson.chart.work.x": "步（0 = 预填充）",
    "lesson.chart.work.y": "FLOPs（M = 10⁶，G = 10⁹）",
    "lesson.chart.work.fresh_hover": "第 %{x} 步<br>有缓存：%{y:,} FLOPs",
    "lesson.chart.work.recomputed_hover": "第 %{x} 步<br>无缓存时重做：%{y:,} FLOPs",
}
