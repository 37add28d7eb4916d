"""The run as a one-page HTML report, its CSV tables and the export controls (kvviz/report, kvviz/ui/export.py)."""

STRINGS: dict[str, str] = {
    "report.title": "KV cache report: {model}",
    "report.subtitle": (
        "Made with kvviz from a run on the real model: steps 0 to {last} of {total} ({shown} shown). "
        "FLOPs come from kvviz's cost model, bytes from the real cache object."
    ),
    "report.section.model": "Model and settings",
    "report.section.text": "Decoded text",
    "report.section.answers": "The three questions",
    "report.section.charts": "Charts",
    "report.section.steps": "Step by step",
    "report.section.layers": "The cache per layer after {step}",
    "report.answers_intro": "Answered from this run up to the last step in the report.",
    "report.model.name": "model",
    "report.model.architecture": "architecture",
    "report.model.shape": "shape",
    "report.model.shape_value": (
        "{layers} layers, {heads} query heads, {kv_heads} K/V heads, head_dim {head_dim}, hidden {hidden}"
    ),
    "report.model.dtype": "weights and cache dtype",
    "report.model.mode": "mode that ran",
    "report.model.prompt": "prompt",
    "report.model.prompt_value": "{tokens} tokens",
    "report.model.finish": "stopped",
    "report.model.running": "still running when saved",
    "report.model.verified": "figures checked on this model",
    "report.model.verified_yes": "yes: cost model against PyTorch's FLOP counter and the real cache (worst {worst})",
    "report.model.verified_no": "no",
    "report.model.settings": "settings",
    "report.finish.eos": "the model produced its end-of-sequence token",
    "report.finish.max_new_tokens": "the token limit was reached",
    "report.finish.context": "the context limit was reached",
    "report.col.step": "step",
    "report.col.phase": "phase",
    "report.col.token": "token produced",
    "report.col.context_length": "context length (positions)",
    "report.col.cache_bytes": "cache bytes",
    "report.col.cached_flops": "FLOPs with cache",
    "report.col.recompute_flops": "FLOPs without cache",
    "report.col.ratio": "run so far: cached / recompute",
    "report.col.time_ms": "time (ms)",
    "report.col.other_time_ms": "other mode's time (ms)",
    "report.col.layer": "layer",
    "report.col.key_shape": "K shape",
    "report.col.value_shape": "V shape",
    "report.col.window": "window",
    "report.col.positions": "positions held",
    "report.col.bytes": "bytes (K+V)",
    "report.window_full": "full",
    "report.footer": (
        "This page holds its charts' code (plotly.js) and opens without a network. "
        "Hover a chart for exact numbers; its camera button saves it as an image."
    ),
    # kvviz/ui/export.py
    "report.ui.intro": "Take this run with you: a one-page report that opens offline, and the tables as CSV.",
    "report.ui.html": "Download the report (HTML)",
    "report.ui.html_help": "Charts, the three answers and the step table up to the step on screen; opens offline.",
    "report.ui.steps_csv": "Steps as CSV",
    "report.ui.layers_csv": "Cache per layer as CSV",
    "report.ui.chart_format": "Charts save as",
    "report.ui.chart_format_help": "The camera button in each chart's toolbar saves the chart in this format.",
    "report.ui.format.png": "PNG",
    "report.ui.format.svg": "SVG",
    "report.error.no_steps": "The run has no steps yet: run at least the prefill step before exporting it.",
    # `python -m kvviz explain --report FILE` (kvviz/cli/explain.py)
    "report.cli.help": "write the run as a one-page HTML report (charts, answers, step table) to FILE",
    "report.cli.written": "wrote {path}",
    "report.cli.failed": "Could not write {path}: {why}.",
}
