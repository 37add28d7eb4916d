"""原文章：标题、链接，以及它的 GPT-2 与本次运行的模型并排对比（kvviz.text.article）。"""

STRINGS: dict[str, str] = {
    "article.heading": "原文章",
    "article.named": "本讲解源自一篇讲 KV 缓存的知乎专栏文章《{title}》：{url}",
    "article.ran": (
        "文章用 GPT-2 small 对 “{prompt}” 生成了两遍：一遍用朴素的生成循环，每一步都把整个序列重新送入模型"
        "（不用缓存）；一遍用 KV 缓存，每步只送入新 token。随后提出了这里回答的三个问题。"
    ),
    "article.table_caption": (
        "GPT-2 small 一列来自其公开配置，另一列是本次运行的模型；两者都由容量规划器按相同的"
        " N = {tokens} 个已缓存 token（本次运行的上下文长度）计算。"
    ),
    "article.ratio": (
        "每个 token，{run} 缓存的字节数是 GPT-2 small 的 {ratio:.1%}：2（K 和 V）× {run_layers} 层 × "
        "{run_kv} 个 K/V 头 × {run_head_dim} × {run_value_bytes} 字节 = {run_bytes}，而 GPT-2 small 为 2 × "
        "{article_layers} × {article_kv} × {article_head_dim} × {article_value_bytes} = {article_bytes}。"
    ),
    "article.col.row": "项目",
    "article.col.article": "GPT-2 small（原文章）",
    "article.col.run": "{name}（本次运行）",
    "article.row.layers": "层数",
    "article.row.hidden": "隐藏层维度",
    "article.row.heads": "Query 头数",
    "article.row.kv_heads": "K/V 头数",
    "article.row.head_dim": "每头维度 head_dim",
    "article.row.attention": "注意力类型",
    "article.row.k_shape": "每层 K 的形状（batch, K/V 头数, N, head_dim）",
    "article.row.v_shape": "每层 V 的形状（batch, K/V 头数, N, head_dim）",
    "article.row.dtype": "缓存数据类型",
    "article.row.bytes_per_token": "每个 token 的 KV 字节数（所有层）",
    "article.row.bytes_at_context": "N = {tokens} 个 token 时的 KV 字节数",
    "article.attention.mha": "MHA：每个 Query 头有自己的 K/V",
    "article.attention.gqa": "GQA：每 {group} 个 Query 头共享一个 K/V 头",
    "article.attention.mqa": "MQA：所有 Query 头共享一个 K/V 头",
    "article.dtype": "{dtype}（每个值 {bytes} 字节）",
}
