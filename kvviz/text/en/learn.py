"""The Learn room (kvviz/ui/pages/learn.py, learn_views.py): every word the page shows.

Templates here are the app's own text and may use Markdown (**bold**, `code`); anything a visitor
or a file supplies is escaped before it is put into them (kvviz.ui.markup.md_escape).
"""

STRINGS: dict[str, str] = {
    "learn.nav": "Step through generation",
    "learn.page_title": "kvviz: the KV cache, step by step",
    "learn.title": "The KV cache, one token at a time",
    "learn.intro": (
        "Set a prompt in the sidebar and press **Start**, then **Next token**. Each step runs the real model once "
        "with the cache (one new token in) and once without it (the whole sequence again), and shows what the cache "
        "holds, what it saves, and what it does not change."
    ),
    # --- sidebar
    "learn.settings": "Settings",
    "learn.model": "Model",
    "learn.model_help": (
        "The built-in model runs offline. Others download from the Hugging Face hub where the network allows."
    ),
    "learn.model.builtin": "SmolLM2-135M-Instruct (built in, offline)",
    "learn.model.gpt2": "gpt2 (downloads ~500 MB where the network allows)",
    "learn.model.distilgpt2": "distilgpt2 (downloads ~350 MB where the network allows)",
    "learn.model.qwen2_5_0_5b": "Qwen/Qwen2.5-0.5B (downloads ~1 GB where the network allows)",
    "learn.model.other": "Other: a hub id or a local folder",
    "learn.model_other": "Hub id or local folder",
    "learn.model_other_placeholder": "e.g. gpt2 or /path/to/model",
    "learn.prompt": "Prompt",
    "learn.max_new": "Max new tokens",
    "learn.decoding": "Decoding",
    "learn.decoding.greedy": "greedy",
    "learn.decoding.sampling": "sampling",
    "learn.temperature": "Temperature",
    "learn.top_k": "Top-k (0 = off)",
    "learn.top_p": "Top-p",
    "learn.seed": "Seed",
    "learn.start": "Start with these settings",
    "learn.small_model_note": (
        "The built-in model has 135 million parameters: its English is fluent and its facts are often wrong. "
        "What the page shows about the cache is true of any size."
    ),
    "learn.loading": "Loading the model (the first start converts the built-in model once, about 30 s)...",
    "learn.prefilling": "Prefill: reading the prompt into the cache...",
    "learn.unapplied": (
        "The sidebar has changes that this run does not use yet: press **Start with these settings** to apply them."
    ),
    "learn.no_run": "Choose a model and a prompt in the sidebar, then press Start.",
    # --- errors
    "learn.error.kvviz": "{message}",
    "learn.error.no_model": "Type a hub id (e.g. gpt2) or a local folder for the model, or choose a preset.",
    "learn.error.unexpected": "Something went wrong ({kind}: {detail}). The page kept your run.",
    "learn.error.draw": "This step could not be drawn ({kind}: {detail}).",
    "learn.error.no_steps": "The trace has no steps to show.",
    # --- controls
    "learn.back": "Back",
    "learn.next": "Next token",
    "learn.queued.one": "Queued: the server is busy with 1 step before yours; yours in about {eta} s.",
    "learn.queued.many": "Queued: the server is busy with {ahead} steps before yours; yours in about {eta} s.",
    "learn.crowd_mode": (
        "The server was busy with a full room when this step was computed, so it was fed once, with the cache: the "
        "recompute pass (the whole sequence fed again without the cache) was not run for it. Not measured for this "
        "step: that pass's time and the check that both ways pick the same token. Still exact: every FLOP count "
        "(the cost model) and what the cache holds. Steps computed when the room is quieter are measured both ways."
    ),
    "learn.next_help": "Revisited steps are shown again; at the newest step this runs the model once more",
    "learn.play": "Play",
    "learn.pause": "Pause",
    "learn.reset": "Reset",
    "learn.reset_help": "Start again from the prompt with this run's settings",
    "learn.pace": "Play pace",
    "learn.pace.slow": "slow (2 s)",
    "learn.pace.medium": "medium (1 s)",
    "learn.pace.fast": "fast (0.3 s)",
    "learn.slider": "Step (0 = prefill): drag back to revisit a step without recomputing it",
    # --- metrics
    "learn.metric.step": "Step",
    "learn.metric.fed": "Fed",
    "learn.metric.fed_help": "Tokens fed this step. With the cache: the whole prompt at prefill, then 1 per step",
    "learn.metric.cached": "Cached",
    "learn.metric.cached_help": (
        "Tokens in the cache: every token fed so far. The token this step chose is fed, and cached, in the next step."
    ),
    "learn.metric.cache_size": "Cache size",
    "learn.metric.cache_size_help": "{bytes:,} bytes",
    "learn.metric.without": "recompute",
    "learn.metric.flops": "FLOPs: cached",
    "learn.metric.flops_help": (
        "This step's matrix-multiply FLOPs with the cache; beneath, without it (recompute), in the same unit "
        "(the cost model)"
    ),
    "learn.metric.time_both": "ms: cached",
    "learn.metric.time_one": "ms: forward pass",
    "learn.metric.time_help": (
        "Wall-clock milliseconds of this step's forward pass with the cache; beneath, without it (both run every step)"
    ),
    # --- tabs
    "learn.tab.questions": "The three questions",
    "learn.tab.cache": "Cache",
    "learn.tab.work": "Work",
    "learn.tab.attention": "Attention",
    "learn.tab.trace_file": "Export & file",
    # --- the text strip
    "learn.strip.decoded": "**Text so far:** {text}",
    "learn.strip.joins": "= {text}",
    "learn.strip.pending": "… more bytes to come",
    "learn.candidates": "Top {n} candidates for this step's token",
    "learn.candidates.token": "token",
    "learn.candidates.id": "id",
    "learn.candidates.probability": "probability",
    "learn.candidates.chosen": "chosen",
    "learn.finished": "Generation finished: {why}.",
    "learn.finish.eos": "the model produced its end-of-sequence token",
    "learn.finish.max_new_tokens": "the token limit was reached",
    "learn.finish.context": "the context limit was reached",
    # --- the load-time self-check (kvviz/engine/selfcheck.py)
    "learn.verified.yes": (
        ":material/verified: FLOPs and bytes verified on this model: when it loaded, the cost model matched "
        "PyTorch's FLOP counter per component and the real cache's bytes (worst relative difference {worst})."
    ),
    "learn.verified.unknown": "FLOPs and bytes not checked on this model (the file predates the load-time check).",
    "learn.verified.all": "all",  # every figure unverified
    "learn.verified.no": (
        "Unverified figures on this model: {figures}. The load-time check found the cost model off by up to "
        "{worst} (relative) against PyTorch's FLOP counter or the real cache; treat these figures as estimates."
    ),
    # --- the agreement badge
    "learn.badge.agree_greedy": (
        "Cached and recompute decoding agree: identical tokens over {steps} {steps_word}; largest |logit difference| "
        "{worst:.1e}, float32 rounding (tolerance {tolerance:g})."
    ),
    "learn.badge.agree_sampling": (
        "Cached and recompute decoding agree: the same logits (sampling draws once from them) over {steps} "
        "{steps_word}; largest |logit difference| {worst:.1e}, float32 rounding (tolerance {tolerance:g})."
    ),
    "learn.badge.step": "step",
    "learn.badge.steps": "steps",
    "learn.badge.tokens_differ": "Cached and recompute decoding picked different tokens (max |Δlogit| {worst:.1e}).",
    "learn.badge.logits_differ": (
        "Cached and recompute decoding differ by more than {tolerance:g} in their logits (max |Δlogit| {worst:.1e})."
    ),
    # --- cache view
    "learn.cache.caption": (
        "Every layer keeps a key tensor and a value tensor, shaped [batch, kv_heads, seq, head_dim]. "
        "Each step appends one position on the seq axis; nothing already stored is computed again."
    ),
    "learn.cache.col.layer": "layer",
    "learn.cache.col.k_shape": "K shape",
    "learn.cache.col.v_shape": "V shape",
    "learn.cache.col.window": "window",
    "learn.cache.col.bytes": "bytes",
    "learn.cache.col.bytes_label": "bytes (K+V)",
    "learn.cache.window_full": "full",
    "learn.cache.formula": (
        "Cache bytes = 2 (K and V) × {layers} layers × {kv_heads} K/V heads × {head_dim} head_dim × {dtype_bytes} "
        "bytes ({dtype}) × tokens = **{per_token:,} bytes per token**{sliding}. After this step: {after:,} bytes."
    ),
    "learn.cache.formula_sliding": "; sliding layers stop growing at their window",
    "learn.cache.gqa": (
        "Grouped-query attention caches fewer K/V heads than there are query heads: {factor}× less cache than one "
        "K/V head per query head."
    ),
    # --- work view
    "learn.work.cached": "FLOPs this step, with cache",
    "learn.work.recompute": "FLOPs this step, without cache",
    "learn.work.recompute_help": "The source article's loop: the whole sequence fed again",
    "learn.work.ratio": "Run so far: cached / recompute",
    "learn.work.ratio_help": "Cumulative FLOPs with the cache over FLOPs without it",
    "learn.work.split_caption": (
        "Blue: what the new token needs whichever way you decode. Red: what a loop without a cache computes again "
        "for tokens it has already processed. Green: the K and V entries the cached loop reads back instead "
        "(bytes), which would otherwise be recomputed."
    ),
    "learn.work.log": "Logarithmic FLOP axis",
    "learn.work.executed": (
        "Counted as executed: eager attention multiplies the full masked square of scores. Without the cache at "
        "this step that is {scores:,} FLOPs for Q·Kᵀ, of which the causal mask needs {needed:,}."
    ),
    "learn.work.time_caption": (
        "Wall-clock time measured on this machine for each forward pass, so noisy; the FLOP counts are exact and "
        "agree with PyTorch's FLOP counter (see the tests)."
    ),
    # --- attention view
    "learn.attention.none": "Attention weights were not recorded for this run.",
    "learn.attention.one_layer": (
        "A long run: to bound memory, attention weights are recorded for layer {layer} only (every layer when "
        "prompt + new tokens ≤ {limit})."
    ),
    "learn.attention.layer": "Layer",
    "learn.attention.head": "Query head",
    "learn.attention.caption": (
        "The prefill computes the whole causal triangle at once. Each decode step adds one row: the new token's "
        "query against every key so far. Only the outlined cell's key was computed in that step; all the others "
        "were read from the cache."
    ),
    # --- trace file
    "learn.file.download": "Download this trace (JSON)",
    "learn.file.caption": (
        "Schema {schema}: model, prompt, and for each step the cache shapes, bytes, times and FLOPs. The command "
        "line writes the same files: `python -m kvviz trace ... --json FILE`."
    ),
    "learn.file.upload": "Open a saved trace (JSON) to step through it again",
    "learn.file.replaying": (
        "Showing a saved trace of {model}: {steps} recorded steps. Start with the settings in the sidebar to run the "
        "model again."
    ),
}
