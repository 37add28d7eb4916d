"""The step's lesson and the overview above the Learn page's tabs (kvviz/analysis/lesson.py,
kvviz/charts/lesson.py, kvviz/ui/pages/learn_views.py).

Figures arrive formatted by kvviz.units, one unit per sentence. Chart hover templates hold Plotly's
own %{...} fields and take no t() fields.
"""

STRINGS: dict[str, str] = {
    # --- the one-sentence lesson of a step
    "lesson.prefill": (
        "**Prefill:** the model read all {context} prompt tokens in one pass and stored their keys and values in "
        "the cache ({layers} layers × {context} positions); nothing is reused yet. Press **Next token** to see the "
        "cache at work."
    ),
    "lesson.decode": (
        "**Step {step}:** the model computed {fed_n} and reused {reused} cached ones; without the cache it would "
        "redo {share} of this step's work ({cached} with the cache vs {recompute} without, {ratio} as much)."
    ),
    "lesson.decode_windowed": (
        "**Step {step}:** the model computed {fed_n} and reused up to {reused} cached ones (sliding-window layers "
        "keep fewer); without the cache it would redo {share} of this step's work ({cached} with the cache vs "
        "{recompute} without, {ratio} as much)."
    ),
    "lesson.fed.one": "{n} new position",
    "lesson.fed.many": "{n} new positions",
    # --- time beside FLOPs
    "lesson.time.same": (
        "Wall time moves less than FLOPs ({time_ratio} vs {flops_ratio} here): each forward pass, with or without "
        "the cache, reads all {weights} of weights and pays fixed per-layer costs, which dominate on a small model "
        "on a CPU at a short context."
    ),
    "lesson.time.longer": (
        "Wall time moves less than FLOPs ({time_ratio} vs {flops_ratio} here): each forward pass, with or without "
        "the cache, reads all {weights} of weights and pays fixed per-layer costs, which dominate on a small model "
        "on a CPU at a short context. At this run's longest context ({context} tokens, step {step}) recompute took "
        "{far_time_ratio} as long for {far_flops_ratio} the FLOPs."
    ),
    "lesson.time.one_mode": "Only the cached pass was timed at this step: the recompute pass did not run.",
    # --- the token strip
    "lesson.strip.cache": "cache: {n} positions",
    "lesson.strip.cache_one": "cache: 1 position",
    "lesson.strip.cache_help": (
        "The keys and values every layer holds after this step, one per position (␣ marks a space; ⟨E6 B4⟩ the "
        "bytes of a token that is only part of a character). Green: read from the cache; blue: computed and "
        "written this step."
    ),
    "lesson.strip.earlier": "… {n} earlier",
    "lesson.strip.new": "new token",
    "lesson.strip.new_help": "The token this step chose: it is fed, and cached, in the next step.",
    "lesson.strip.show_all": "Show all {n} tokens",
    "lesson.strip.text_tail": "**Text so far:** …{text}",
    # --- the overview's figures
    "lesson.chart.cache.title": "K and V per layer after {step}: {shape} each",
    "lesson.chart.cache.title_mixed": "K and V per layer after {step} (shapes differ by layer)",
    "lesson.chart.cache.x": "positions held (the seq axis of K and V)",
    "lesson.chart.cache.y": "layer",
    "lesson.chart.cache.reused": "read from the cache",
    "lesson.chart.cache.written": "written this step",
    "lesson.chart.cache.hover": "layer %{y}<br>K and V each %{customdata[0]}<br>%{customdata[1]}",
    "lesson.chart.work.title": "FLOPs per step: needed either way, and redone without a cache",
    "lesson.chart.work.fresh": "with the cache",
    "lesson.chart.work.recomputed": "redone without it",
    "lesson.chart.work.x": "step (0 = prefill)",
    "lesson.chart.work.y": "FLOPs (M = 10⁶, G = 10⁹)",
    "lesson.chart.work.fresh_hover": "step %{x}<br>with the cache: %{y:,} FLOPs",
    "lesson.chart.work.recomputed_hover": "step %{x}<br>redone without the cache: %{y:,} FLOPs",
}
