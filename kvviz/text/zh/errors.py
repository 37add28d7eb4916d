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
}
