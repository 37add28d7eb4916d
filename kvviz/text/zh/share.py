"""分享一次运行（链接、预设场景、演示模式、跟随模式）时显示的每一句话。

Sharing a run (links, preset scenarios, presenter mode, follow mode). Templates are the app's own text
and may use Markdown; anything from a link (a parameter's name is ours, its value never shown unescaped)
goes through md_escape first.
"""

STRINGS: dict[str, str] = {
    # --- 链接（kvviz/ui/url_state.py、kvviz/ui/share.py）
    "share.url.bad_param": "链接中的 `{param}` 无法使用，已改为显示默认值。",
    "share.url.model_not_allowed": "此服务器只运行列出的模型；链接中的模型已换成默认模型。",
    "share.url.step_clamped": "链接要求的步数超出了这次运行的末尾；现在显示的是最后一步。",
    "share.url.intro": "链接中有部分内容被忽略：",
    "share.url.failed": "链接中的运行无法启动（{message}）；现在显示的是默认运行。",
    "share.url.stepping": "正在运行模型，直到第 {step} 步……",
    "share.link": "链接",
    "share.link_help": (
        "在当前这一步和当前视图打开这次运行。用输入框右侧的图标复制链接。"
        "贪心解码和固定随机种子的运行，任何人打开都会得到相同的结果。"
    ),
    "share.link_none": (
        "这次运行没有链接：它是从文件打开的，或者它的提示词超过了 {chars:,} 个字符。"
        "请改为分享它的运行记录文件（在 *导出与文件* 标签页中）。"
    ),
    # --- 预设场景（kvviz/presets.py）
    "share.scenarios": "场景",
    "share.scenario.open": "打开",
    "share.scenario.messi.title": "原文中的循环",
    "share.scenario.messi.sentence": (
        "“Lionel Messi is a”，贪心解码 14 步：每一步只输入一个新 token，并复用缓存中已有的一切。"
    ),
    "share.scenario.long_context.title": "长上下文",
    "share.scenario.long_context.sentence": (
        "以《爱丽丝梦游仙境》中的一页作为提示词：没有缓存时，每一步都要把这一页全部重算一遍，"
        "计算量是有缓存时一步的数百倍。"
    ),
    "share.scenario.gqa_vs_mha.title": "GQA 对比 MHA",
    "share.scenario.gqa_vs_mha.sentence": (
        "在容量规划中把内置模型（9 个 query 头共用 3 个 K/V 头）与 GPT-2 small（12 个 query 头、12 个 K/V 头）"
        "放在一起：看共享头如何让缓存变小。"
    ),
    "share.scenario.sliding_window.title": "滑动窗口",
    "share.scenario.sliding_window.sentence": (
        "在缓存实验室中比较滑动窗口与“同样的窗口加上注意力汇聚”："
        "在固定的预算下，哪些被保留，哪些被遗忘。"
    ),
    # --- 演示模式（kvviz/ui/presenter.py）
    "share.present.keys": "按键：→ 下一步 · ← 上一步 · P 播放或暂停",
    # --- 跟随模式（kvviz/ui/follow.py、kvviz/rooms.py）
    "share.room.lead": "主持一个房间",
    "share.room.lead_help": (
        "打开房间链接的听众会以只读方式看到这次运行，并停在你展示的那一步。"
        "即使他们落到同一部署中的另一台服务器上，也照样能跟随。"
    ),
    "share.room.link": "给听众的房间链接",
    "share.room.resume": "刷新页面后继续主持",
    "share.room.resume_help": (
        "打开这个链接即可重新主持这个房间，并停在房间当前所在的那一步：刷新本页之后，或者在另一个浏览器中。"
        "任何拿到它的人都能控制房间的步进，所以请自己保管，不要投影出来。"
    ),
    "share.room.resume_failed": (
        "这个主持人链接已经不能主持任何房间：房间已关闭，或者链接无效。点“主持一个房间”即可新开一个。"
    ),
    "share.room.stop": "停止主持",
    "share.room.leading": "正在主持房间：听众会跟随你的每一步。",
    "share.room.replay": "从文件打开的运行不能分享到房间。",
    "share.room.following": "正在跟随讲师的运行（只读）。讲师每前进一步，这里也随之前进。",
    "share.room.waiting": "正在等待讲师开始一次运行。",
    "share.room.gone": "这个房间不存在或已关闭。请向讲师索取新链接。",
    "share.room.bad_id": "这个房间链接无效。",
    "share.room.full": "这台服务器上打开的房间太多了，请稍后再试。",
    "share.room.leave": "离开房间，自己探索",
}
