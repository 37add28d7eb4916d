"""`python -m kvviz trace` and `python -m kvviz lab`: their help, the lines around their tables and the
tables' column headers (numbers keep kvviz.units' formats)."""

STRINGS: dict[str, str] = {
    "cli.description": "See what the KV cache stores and saves.",
    "cli.model_help": "hub id or local folder (default: built-in SmolLM2-135M)",
    "cli.json_help": "write the trace as JSON",
    "cli.error": "error: {message}",
    "cli.wrote": "wrote {path}",
    # trace
    "cli.trace.help": "generate step by step and print the cache after every step",
    "cli.trace.no_cache_help": "recompute the whole sequence every step",
    "cli.trace.no_compare_help": "do not run the other mode alongside",
    "cli.trace.measure_flops_help": "count FLOPs with torch's FlopCounterMode",
    "cli.trace.temperature_help": "0 = greedy (default)",
    "cli.trace.model": (
        "{name} ({architecture}): {layers} layers, {heads} query heads, {kv_heads} K/V heads, "
        "head_dim {head_dim}; mode: {mode}"
    ),
    "cli.trace.verified": (
        "verified: FLOPs and cache bytes match PyTorch's counter and the real cache on this model "
        "(worst relative difference {worst:.1e})"
    ),
    "cli.trace.unverified": "UNVERIFIED on this model: {what} (failed checks: {failed})",
    "cli.trace.unverified_all": "all",
    "cli.trace.none_recorded": "none recorded",
    "cli.trace.prompt": "prompt: {tokens} tokens",
    "cli.trace.measuring": "counting FLOPs with torch's FlopCounterMode: the 'ms' column includes its overhead",
    "cli.trace.col.step": "step",
    "cli.trace.col.phase": "phase",
    "cli.trace.col.token": "token",
    "cli.trace.col.fed": "fed",
    "cli.trace.col.shape": "layer-0 K/V shape",
    "cli.trace.col.cache_bytes": "cache bytes",
    "cli.trace.col.gflop": "GFLOP",
    "cli.trace.col.measured": "measured",
    "cli.trace.col.ms": "ms",
    "cli.trace.col.other_ms": "other ms",
    "cli.trace.col.logit_diff": "max|Δlogit|",
    "cli.trace.phase.prefill": "prefill",
    "cli.trace.phase.decode": "decode",
    "cli.trace.text": "text: {text}",
    "cli.trace.stopped": "stopped: {why}",
    "cli.trace.summary": "{summary} (FLOPs from the cost model)",
    "cli.trace.agree": "cached and recompute agree: {agree} (identical tokens: {same}; max |Δlogit| {worst:.2e})",
    "cli.yes": "yes",
    "cli.no": "no",
    "cli.agree_no": "NO",
    # lab
    "cli.lab.help": "run one prompt under several cache policies and compare them step by step",
    "cli.lab.description": (
        "Policies: full, window:W, sinks:S:R, h2o:H:R, knorm:B, int8|int4|int2[:gG][:rR]. "
        "forced: every policy is fed the full cache's greedy tokens (agreement and KL per step); "
        "free: each policy writes its own text (where it first diverges)."
    ),
    "cli.lab.policy_help": "repeat for each policy",
    "cli.lab.json_help": "write the run as JSON (schema kvviz.lab/1)",
    "cli.lab.run": "{model}: prompt {tokens} tokens, {steps} steps, mode: {mode}",
    "cli.lab.col.policy": "policy",
    "cli.lab.col.agreement": "agreement",
    "cli.lab.col.kl": "mean KL",
    "cli.lab.col.peak": "peak bytes",
    "cli.lab.col.first_diff": "first diff",
    "cli.lab.col.speed": "tok/s",
    "cli.lab.col.text": "text",
}
