"""Words of the Speed room: what the cache buys in time, against the memory floor."""

STRINGS: dict[str, str] = {
    "speed.nav": "Speed",
    "speed.title": "Speed: what the cache buys in time",
    "speed.intro": (
        "FLOPs say how much work the cache saves; the clock says what it is worth. One decode step has "
        "to read every weight once and, with a cache, the whole cache once: that many bytes over the "
        "memory's bandwidth is the **floor**, the fastest this step can run on this memory. A floor, not a "
        "promise: real steps add kernel launches and Python on top."
    ),
    "speed.series.cached": "with the cache (eager PyTorch)",
    "speed.series.compiled": "with the cache, compiled (CUDA graph, each step waited for)",
    "speed.series.compiled_pipelined": "with the cache, compiled (CUDA graph, steps queued)",
    "speed.series.recompute": "without the cache (whole sequence each step)",
    "speed.series.floor": "floor: weights + cache read once",
    "speed.series.weights": "weights",
    "speed.series.cache": "KV cache",
    "speed.axis.context": "context (tokens, log scale)",
    "speed.axis.ms": "ms per decode step (log scale)",
    "speed.axis.tps": "tokens per second, one sequence (log scale)",
    "speed.axis.gb": "GB read per cached step",
    "speed.chart.ms": "Time per decode step: {where}",
    "speed.chart.tps": "Tokens per second: {where}",
    "speed.chart.bytes": "What one cached step reads: {where}",
    "speed.caption.ms": (
        "Decode is bound by reading memory: with the cache the step stays close to flat as the context grows "
        "(the weights dominate the bytes), without it each step redoes the whole sequence and its time grows "
        "with the context."
    ),
    "speed.caption.tps": (
        "The same measurements as tokens per second: without the cache the rate falls as the context grows; "
        "the floor's line is the most any implementation could get from this memory."
    ),
    "speed.caption.bytes": (
        "At long contexts the cache itself becomes a large share of the bytes each step reads: that is where "
        "grouped-query attention, MLA, quantized caches and the lab's eviction policies pay."
    ),
    "speed.overhead": (
        "**The gap between eager and compiled is overhead, not arithmetic.** At {context:,} tokens the eager "
        "cached step took {eager:,.1f} ms and the compiled one {compiled:,.1f} ms ({pipelined:,.1f} ms with "
        "steps queued): the same multiplications on the same bytes. Eager PyTorch dispatches about {ops:,} "
        "operations per step one by one from Python, at {op_us:,.1f} µs of host time for even the smallest; "
        "the compiled step replays them as one CUDA graph. The floor here is {floor:,.2f} ms."
    ),
    "speed.overhead.no_ops": (
        "**The gap between eager and compiled is overhead, not arithmetic.** At {context:,} tokens the eager "
        "cached step took {eager:,.1f} ms and the compiled one {compiled:,.1f} ms: the same multiplications on "
        "the same bytes, launched one by one from Python in one case and replayed as one CUDA graph in the "
        "other. The floor here is {floor:,.2f} ms."
    ),
    "speed.live.header": "On this machine, live",
    "speed.live.help": (
        "Measures the built-in model ({model}) here, now, at {contexts} tokens of context: a few seconds. One "
        "measurement runs at a time on this server; the machine may be shared, so expect noise."
    ),
    "speed.live.button": "Measure now",
    "speed.live.busy": "Another measurement is running on this server; try again in a few seconds.",
    "speed.live.running": "Measuring…",
    "speed.live.where": "the built-in model on this machine",
    "speed.live.summary": (
        "Measured read bandwidth {bandwidth:,.1f} GB/s; the weights one step reads: {weights}. At {context:,} "
        "tokens the cached step took {cached:,.1f} ms ({cached_ratio:,.1f}× the floor), the step without a "
        "cache {recompute:,.1f} ms ({recompute_ratio:,.1f}× the cached step)."
    ),
    "speed.live.none": "Press **Measure now** to time the built-in model on this machine.",
    "speed.gpu.header": "On a GPU, recorded",
    "speed.gpu.help": (
        "Runs recorded with `benchmarks/speed.py --device cuda` on one H200: published model shapes with random "
        "weights in bf16 (speed does not depend on the weights' values). This app never needs a GPU."
    ),
    "speed.gpu.pick": "Recorded run",
    "speed.gpu.where": "{model} on {gpu}",
    "speed.gpu.summary": (
        "Measured read bandwidth {bandwidth:,.0f} GB/s (its datasheet: {datasheet}); the weights one step "
        "reads: {weights}."
    ),
    "speed.gpu.details": "Hardware, versions and the command that made this run",
    "speed.gpu.none": "No recorded runs found in kvviz/assets/speed/.",
    "speed.table.context": "context",
    "speed.table.floor": "floor ms",
    "speed.table.cached": "cached ms",
    "speed.table.compiled": "compiled ms",
    "speed.table.compiled_pipelined": "compiled, queued ms",
    "speed.table.recompute": "no cache ms",
    "speed.table.cached_over_floor": "cached / floor",
    "speed.table.compiled_pipelined_over_floor": "compiled queued / floor",
    "speed.table.recompute_over_cached": "no cache / cached",
    "speed.plan.floor": (
        "**Floor, not a promise:** each decode step must read the weights and the whole cache once; at the "
        "{accelerator}'s {bandwidth:,.0f} GB/s (datasheet) that takes at least {ms:,.2f} ms, so at most "
        "{tps:,.0f} tokens/s per sequence. The cache is {share:.0f}% of those bytes. Real steps are slower: see "
        "the Speed page."
    ),
    "speed.gqa": (
        "This run let PyTorch's SDPA handle grouped-query attention itself (TRANSFORMERS_SDPA_FORCE_GQA=1). By "
        "default transformers first copies each K/V head {groups}× whenever attention has a mask, which a static "
        "cache always has: those copies read and write several times the cache's bytes, and the compiled step "
        "grows with the context. Compare with the run without this setting."
    ),
}
