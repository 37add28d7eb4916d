"""速度页面的文字：缓存在时间上带来了什么，以及对应的内存读取下限。"""

STRINGS: dict[str, str] = {
    "speed.nav": "速度",
    "speed.title": "速度：缓存在时间上带来了什么",
    "speed.intro": (
        "FLOPs 说明缓存省下了多少计算；时钟说明这些节省值多少。一个解码步必须把每个权重读一遍，有缓存时还要把"
        "整个缓存读一遍：这些字节数除以内存带宽，就是 **下限**，即这一步在这块内存上最快能跑多快。这是下限，"
        "不是承诺：真实的步还要加上 kernel 启动和 Python 的开销。"
    ),
    "speed.series.cached": "有缓存（eager PyTorch）",
    "speed.series.compiled": "有缓存，编译后（CUDA graph，每步等待完成）",
    "speed.series.compiled_pipelined": "有缓存，编译后（CUDA graph，步排队执行）",
    "speed.series.recompute": "无缓存（每步处理整个序列）",
    "speed.series.floor": "下限：权重 + 缓存各读一次",
    "speed.series.weights": "权重",
    "speed.series.cache": "KV 缓存",
    "speed.axis.context": "上下文（token，对数刻度）",
    "speed.axis.ms": "每个解码步的 ms（对数刻度）",
    "speed.axis.tps": "每秒 token 数，单个序列（对数刻度）",
    "speed.axis.gb": "每个有缓存的步读取的 GB",
    "speed.chart.ms": "每个解码步的时间：{where}",
    "speed.chart.tps": "每秒 token 数：{where}",
    "speed.chart.bytes": "一个有缓存的步读取了什么：{where}",
    "speed.caption.ms": (
        "解码受限于内存读取：有缓存时，随着上下文增长，每步的时间几乎持平（读取的字节主要来自权重）；"
        "没有缓存时，每一步都要把整个序列重做一遍，时间随上下文一起增长。"
    ),
    "speed.caption.tps": (
        "同样的测量，换算成每秒 token 数：没有缓存时，速率随上下文增长而下降；下限那条线是任何实现在这块内存上"
        "所能达到的最高速率。"
    ),
    "speed.caption.bytes": (
        "上下文很长时，缓存本身会占每步读取字节的很大一部分：这正是分组查询注意力、MLA、量化缓存以及缓存实验室里的"
        "驱逐策略发挥作用的地方。"
    ),
    "speed.overhead": (
        "**eager 与编译后的差距是开销，而不是算术。** 在 {context:,} 个 token 时，eager 的有缓存步耗时 "
        "{eager:,.1f} ms，编译后的耗时 {compiled:,.1f} ms（步排队执行时 {pipelined:,.1f} ms）：同样的乘法，"
        "同样的字节。eager PyTorch 每步要从 Python 逐个派发约 {ops:,} 个算子，即使最小的算子也要花 "
        "{op_us:,.1f} µs 的主机时间；编译后的步则把它们作为一个 CUDA graph 重放。这里的下限是 {floor:,.2f} ms。"
    ),
    "speed.overhead.no_ops": (
        "**eager 与编译后的差距是开销，而不是算术。** 在 {context:,} 个 token 时，eager 的有缓存步耗时 "
        "{eager:,.1f} ms，编译后的耗时 {compiled:,.1f} ms：同样的乘法，同样的字节，一种是从 Python 逐个启动，"
        "另一种是作为一个 CUDA graph 重放。这里的下限是 {floor:,.2f} ms。"
    ),
    "speed.live.header": "在本机上实时测量",
    "speed.live.help": (
        "在这里、此刻测量内置模型（{model}），上下文为 {contexts} 个 token：需要几秒钟。这台服务器上同一时间只运行"
        "一次测量；机器可能与他人共用，测量结果会有噪声。"
    ),
    "speed.live.button": "立即测量",
    "speed.live.busy": "这台服务器上正在进行另一次测量；请过几秒再试。",
    "speed.live.running": "测量中…",
    "speed.live.where": "本机上的内置模型",
    "speed.live.summary": (
        "实测读取带宽 {bandwidth:,.1f} GB/s；一步读取的权重：{weights}。在 {context:,} 个 token 时，有缓存的步耗时 "
        "{cached:,.1f} ms（下限的 {cached_ratio:,.1f}×），无缓存的步耗时 {recompute:,.1f} ms"
        "（有缓存步的 {recompute_ratio:,.1f}×）。"
    ),
    "speed.live.none": "点击 **立即测量**，在本机上为内置模型计时。",
    "speed.gpu.header": "GPU 上的已记录结果",
    "speed.gpu.help": (
        "用 `benchmarks/speed.py --device cuda` 在一块 H200 上记录的运行：使用已发布模型的形状和 bf16 随机权重"
        "（速度与权重的具体数值无关）。本应用本身从不需要 GPU。"
    ),
    "speed.gpu.pick": "已记录的运行",
    "speed.gpu.where": "{gpu} 上的 {model}",
    "speed.gpu.summary": (
        "实测读取带宽 {bandwidth:,.0f} GB/s（数据手册：{datasheet}）；一步读取的权重：{weights}。"
    ),
    "speed.gpu.details": "硬件、软件版本以及生成这次运行的命令",
    "speed.gpu.none": "在 kvviz/assets/speed/ 中没有找到已记录的运行。",
    "speed.table.context": "上下文",
    "speed.table.floor": "下限 ms",
    "speed.table.cached": "有缓存 ms",
    "speed.table.compiled": "编译后 ms",
    "speed.table.compiled_pipelined": "编译后、排队 ms",
    "speed.table.recompute": "无缓存 ms",
    "speed.table.cached_over_floor": "有缓存 / 下限",
    "speed.table.compiled_pipelined_over_floor": "编译后排队 / 下限",
    "speed.table.recompute_over_cached": "无缓存 / 有缓存",
    "speed.plan.floor": (
        "**是下限，不是承诺**：每个解码步都必须把权重和整个缓存读一遍；按 {accelerator} 的 {bandwidth:,.0f} GB/s"
        "（数据手册）计算，这至少需要 {ms:,.2f} ms，因此每个序列最多 {tps:,.0f} token/s。其中缓存占这些字节的 "
        "{share:.0f}%。真实的步会更慢：见速度页面。"
    ),
    "speed.gqa": (
        "本次运行让 PyTorch 的 SDPA 自己处理分组查询注意力（TRANSFORMERS_SDPA_FORCE_GQA=1）。默认情况下，只要注意力"
        "带有掩码（静态缓存总是带有），transformers 会先把每个 K/V 头复制成 {groups} 份：这些副本的读写量是缓存字节数的"
        "好几倍，编译后的步也随上下文增长。可与未使用此设置的运行对比。"
    ),
}
