"""`python -m kvviz trace` 和 `python -m kvviz lab`：帮助、表格前后的说明行和表头（数字沿用 kvviz.units 的格式）。"""

STRINGS: dict[str, str] = {
    "cli.description": "看看 KV 缓存存了什么、省了什么。",
    "cli.model_help": "Hugging Face Hub 上的模型 id 或本地文件夹（默认：内置的 SmolLM2-135M）",
    "cli.json_help": "把运行记录写成 JSON",
    "cli.error": "错误：{message}",
    "cli.wrote": "已写入 {path}",
    # trace
    "cli.trace.help": "逐步生成，并在每一步之后打印缓存",
    "cli.trace.no_cache_help": "每一步都重新计算整个序列",
    "cli.trace.no_compare_help": "不同时运行另一种模式",
    "cli.trace.measure_flops_help": "用 torch 的 FlopCounterMode 实测 FLOPs",
    "cli.trace.temperature_help": "0 = 贪心解码（默认）",
    "cli.trace.model": (
        "{name}（{architecture}）：{layers} 层，{heads} 个 query 头，{kv_heads} 个 K/V 头，"
        "head_dim {head_dim}；模式：{mode}"
    ),
    "cli.trace.verified": (
        "已验证：在这个模型上，FLOPs 和缓存字节数与 PyTorch 的计数器及真实缓存一致"
        "（最大相对差 {worst:.1e}）"
    ),
    "cli.trace.unverified": "在这个模型上未验证：{what}（未通过的检查：{failed}）",
    "cli.trace.unverified_all": "全部",
    "cli.trace.none_recorded": "没有记录",
    "cli.trace.prompt": "提示词：{tokens} 个 token",
    "cli.trace.measuring": "正在用 torch 的 FlopCounterMode 计数 FLOPs：“ms”一列包含它的开销",
    "cli.trace.col.step": "步",
    "cli.trace.col.phase": "阶段",
    "cli.trace.col.token": "token",
    "cli.trace.col.fed": "输入",
    "cli.trace.col.shape": "第 0 层 K/V 形状",
    "cli.trace.col.cache_bytes": "缓存字节",
    "cli.trace.col.gflop": "GFLOP",
    "cli.trace.col.measured": "实测",
    "cli.trace.col.ms": "ms",
    "cli.trace.col.other_ms": "另一模式 ms",
    "cli.trace.col.logit_diff": "最大|Δlogit|",
    "cli.trace.phase.prefill": "预填充",
    "cli.trace.phase.decode": "解码",
    "cli.trace.text": "文本：{text}",
    "cli.trace.stopped": "停止原因：{why}",
    "cli.trace.summary": "{summary}（FLOPs 来自成本模型）",
    "cli.trace.agree": "有缓存与重新计算是否一致：{agree}（token 完全相同：{same}；最大 |Δlogit| {worst:.2e}）",
    "cli.yes": "是",
    "cli.no": "否",
    "cli.agree_no": "否",
    # lab
    "cli.lab.help": "用几种缓存策略运行同一个提示词，逐步比较",
    "cli.lab.description": (
        "策略：full、window:W、sinks:S:R、h2o:H:R、knorm:B、int8|int4|int2[:gG][:rR]。"
        "forced：每种策略都输入完整缓存贪心解码出的 token（逐步给出一致率和 KL）；"
        "free：每种策略各自生成文本（看它从哪里开始分歧）。"
    ),
    "cli.lab.policy_help": "每种策略写一次",
    "cli.lab.json_help": "把这次运行写成 JSON（schema kvviz.lab/1）",
    "cli.lab.run": "{model}：提示词 {tokens} 个 token，{steps} 步，模式：{mode}",
    "cli.lab.col.policy": "策略",
    "cli.lab.col.agreement": "一致率",
    "cli.lab.col.kl": "平均 KL",
    "cli.lab.col.peak": "峰值字节",
    "cli.lab.col.first_diff": "首次分歧",
    "cli.lab.col.speed": "token/秒",
    "cli.lab.col.text": "文本",
}
