"""`python -m kvviz explain`：三个答案前后的几行文字。"""

STRINGS: dict[str, str] = {
    "explain_cli.help": "用一次真实运行的数据，回答原文关于 KV 缓存的三个问题",
    "explain_cli.model_help": "hub id 或本地文件夹（默认：内置的 SmolLM2-135M）",
    "explain_cli.prompt_help": "默认：{prompt!r}",
    "explain_cli.empty_prompt": "提示词为空：请输入一些文本作为开头。",
    "explain_cli.model": (
        "{name}（{architecture}）：{layers} 层，{heads} 个 query 头，{kv_heads} 个 K/V 头，"
        "head_dim {head_dim}，隐藏维度 {hidden}"
    ),
    "explain_cli.prompt": "提示词：{prompt_tokens} 个 token；生成了 {generated} 个（{finish_reason}）",
    "explain_cli.text": "文本：{text}",
}
