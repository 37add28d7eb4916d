"""The capacity planner's words (page, command line, charts, config errors), English."""

_TP = (
    "Tensor parallelism over N accelerators: the weights and the KV cache are split evenly, each device holding 1/N "
    "of the weights (rounded up to a byte) and 1/N of the KV heads of every layer. When N does not divide the number "
    "of KV heads the busiest device is counted (ceil(kv_heads / N) heads; vLLM refuses such an N). When N is larger "
    "than the number of KV heads, heads are replicated: every device still holds one whole KV head, so the cache per "
    "device stops shrinking at N = kv_heads. Multi-head latent attention (DeepSeek) caches one latent "
    "shared by all heads: it cannot be split by heads, so every device holds the whole latent cache. "
    "Each device keeps its own reserve."
)
_RESIDUAL = "transformers also keeps up to residual_length=128 recent tokens unquantized; that buffer is not counted."

STRINGS: dict[str, str] = {
    "planner.nav": "Capacity planner",
    "planner.col.floor_ms": "floor ms / step",
    "planner.col.floor_ms_help": (
        "The least time one decode step can take on {accelerator}: each device reads its share of the weights and "
        "of the KV cache (all {batch} sequences) once, at the datasheet memory bandwidth. A floor, not a promise: "
        "real steps add kernel launches, Python and communication (see the Speed page for measured runs)."
    ),
    "planner.col.cache_share": "cache share of bytes read",
    "planner.col.cache_share_help": (
        "The KV cache's part of the bytes one decode step reads. Where it dominates, GQA, MLA, a quantized cache "
        "or the cache lab's eviction policies pay."
    ),
    # element types
    "planner.dtype.note.fp32": "4 bytes per value.",
    "planner.dtype.note.bf16": "2 bytes per value.",
    "planner.dtype.note.fp16": "2 bytes per value.",
    "planner.dtype.note.fp8": (
        "1 byte per value (e4m3) plus one fp32 scale per cached tensor per layer (transformers' Fp8QuantizedLayer, "
        "vLLM's k_scale/v_scale): 8 bytes per layer, independent of the number of tokens."
    ),
    "planner.dtype.note.int8": (
        "1 byte per value plus an fp16 scale and an fp16 zero-point for every group of 64 values (transformers' "
        "QuantizedCache default q_group_size=64): +4 bytes per 64 values, 6.25% on top. " + _RESIDUAL
    ),
    "planner.dtype.note.int4": (
        "half a byte per value plus an fp16 scale and an fp16 zero-point for every group of 64 values (transformers' "
        "QuantizedCache default q_group_size=64): +4 bytes per 64 values, 12.5% on top. " + _RESIDUAL
    ),
    # attention schemes and cached parts
    "planner.attention.mha": "MHA",
    "planner.attention.gqa": "GQA ({group} query heads per KV head)",
    "planner.attention.mqa": "MQA",
    "planner.attention.mla": "MLA (multi-head latent attention)",
    "planner.attention.all_sliding": "{base}, sliding window {window} on every layer",
    "planner.attention.hybrid": "{base}, hybrid: {sliding} of {layers} layers sliding",
    "planner.part.latent": "latent c_KV",
    "planner.part.rope_key": "rotary key k_R",
    "planner.variant.mha": "MHA (32 KV heads)",
    "planner.variant.gqa": "GQA (8 KV heads)",
    "planner.variant.mqa": "MQA (1 KV head)",
    "planner.variant.mla": "MLA (latent 512 + rotary 64)",
    # parameter counts, fit, tensor parallelism
    "planner.params.published": "published",
    "planner.params.computed": "computed from the config",
    "planner.params.given": "given",
    "planner.params.loaded": "counted on the loaded model",
    "planner.limited_by.weights": "weights do not fit",
    "planner.limited_by.max_positions": "model's max_position_embeddings",
    "planner.limited_by.asked": "the limit asked for",
    "planner.limited_by.memory": "memory",
    "planner.split.whole": "One accelerator: it holds all KV heads.",
    "planner.split.split": "{kv_heads} KV heads / {gpus} devices = {per} per device.",
    "planner.split.replicated": (
        "{gpus} devices > {kv_heads} KV heads: each device still holds one whole KV head (each head stored on {copies} "
        "devices), so the cache per device is that of N = {kv_heads}."
    ),
    "planner.split.uneven": (
        "{kv_heads} KV heads do not divide over {gpus} devices: counted at the busiest device, {per} heads (vLLM "
        "refuses a tensor-parallel size that does not divide the KV heads)."
    ),
    "planner.split.mla": "MLA: the latent is shared by all heads, so every device holds the whole cache.",
    "planner.about": "about {n}",
    "planner.tp.assumption": _TP,
    # warnings
    "planner.warn.beyond_max_positions": (
        "context {context} is longer than the model's max_position_embeddings ({max_positions}): the bytes are what "
        "such a cache would take, but the model was not built for it."
    ),
    "planner.warn.implausible": (
        "{bytes} is more than any accelerator cluster holds (over {limit}): check the config's sizes and the "
        "context and batch asked for; this is not a deployment anyone runs."
    ),
    # the formula
    "planner.formula.full": "full",
    "planner.formula.sliding": "sliding (window {window})",
    "planner.formula.kv_term": (
        "{layers} {kind} layers x 2 (K,V) x {heads} kv_heads x {dim} head_dim x {positions} positions"
    ),
    "planner.formula.mla_term": "{layers} layers x ({values}) values [{parts}] x {positions} positions",
    "planner.formula.group_scales": " + {bytes} B per {group} values (scale + zero-point)",
    "planner.formula.tensor_scales": " + {bytes} B per layer (per-tensor scales)",
    "planner.formula.text": (
        "cache = batch {batch} x [ {terms} ] x {per_value} B ({dtype}){scales} = {total} bytes = {size}"
    ),
    "planner.tex.positions": "positions",
    "planner.tex.layers": "layers",
    "planner.tex.latent": "latent + rotary",
    "planner.tex.kv_heads": "kv heads",
    "planner.tex.head_dim": "head dim",
    "planner.tex.batch": "batch",
    "planner.tex.scales": "scales",
    # config errors (field: the config field; got: the value, cut short)
    "planner.error.in": "{label}: {message}",
    "planner.error.too_big": "{size:,} bytes; a config.json is a few kB (limit {limit:,}).",
    "planner.error.not_utf8": "not a UTF-8 text file: expected a config.json.",
    "planner.error.surrogate": "holds text that is not valid Unicode (a lone surrogate).",
    "planner.error.too_deep": "nested more than {limit} levels deep: not a config.json.",
    "planner.error.long_number": "a number with {digits:,} digits (at most {limit} are read).",
    "planner.error.not_finite": "{value} is not a finite number.",
    "planner.error.duplicate_key": "the key {field!r} appears twice in one object.",
    "planner.error.not_json": "not valid JSON ({msg} at line {line}, column {column}).",
    "planner.error.not_object": "not a model config: expected a JSON object, got a {got}.",
    "planner.error.field_not_object": "Bad config: {field} must be a JSON object, got a {got}.",
    "planner.error.not_whole": "Bad config: {field} must be a whole number, got {got}.",
    "planner.error.too_small": "Bad config: {field} must be positive, got {got}.",
    "planner.error.negative": "Bad config: {field} must be at least {minimum}, got {got}.",
    "planner.error.too_large": "Bad config: {field} = {got:,} is implausibly large (limit {limit:,}).",
    "planner.error.not_bool": "Bad config: {field} must be true or false, got {got}.",
    "planner.error.not_string": "Bad config: {field} must be a string, got {got}.",
    "planner.error.layer_types_type": "Bad config: layer_types must be a list of attention type names, got {got}.",
    "planner.error.layer_types_length": (
        "Bad config: layer_types must have {layers} entries (one per layer), got {got}."
    ),
    "planner.error.layer_type": (
        "Layer {layer} has attention type {got!r}, which the planner does not model (it handles full, sliding and "
        "chunked attention, and DeepSeek's latent attention)."
    ),
    "planner.error.no_window": "Bad config: layer {layer} is sliding_attention but sliding_window is not set.",
    "planner.error.missing": (
        "Not a decoder model config: {field} is missing. Expected a Hugging Face config.json of a decoder-only "
        "language model."
    ),
    "planner.error.uneven_heads": (
        "Bad config: {heads} query heads cannot be shared evenly by {kv_heads} key/value heads."
    ),
    "planner.error.hidden_not_multiple": (
        "Bad config: hidden size {hidden} is not a multiple of {heads} heads, and head_dim is absent."
    ),
    "planner.error.encoder_decoder": (
        "Encoder-decoder models (T5, BART, ...) are not modelled: the planner is for decoder-only LMs."
    ),
    # argument and lookup errors
    "planner.error.arg_not_whole": "{what} must be a whole number, got {got}.",
    "planner.error.arg_not_positive": "{what} must be positive, got {got}.",
    "planner.error.arg_negative": "{what} must be zero or more, got {got}.",
    "planner.error.arg_too_large": "{what} must be at most {limit:,}, got {got:,}.",
    "planner.error.reserve": "The reserve must be a fraction from 0 up to (not including) 1, got {got!r}.",
    "planner.error.no_model": "No model given: name one from the catalog or give a path to a config.json.",
    "planner.error.unknown_model": "Unknown model {name!r}. Catalog names: {names}; or give a path to a config.json.",
    "planner.error.no_config_in_folder": "The folder {path!r} has no config.json.",
    "planner.error.no_file": "No file at {path!r}. Give a config.json path or a catalog name: {names}.",
    "planner.error.cannot_read": "Cannot read {path}: {reason}.",
    "planner.error.unknown_dtype": "Unknown element type {name!r}; choose one of {names}.",
    "planner.error.unknown_accelerator": "Unknown accelerator {name!r}; choose one of: {names}.",
    # charts (hover templates: Plotly's %{...} placeholders, no fields)
    "planner.chart.curve_hover": (
        "<b>%{text}</b><br>context %{x:,} tokens<br>%{customdata[0]:,} bytes"
        "<br>%{y:.3f} GiB = %{customdata[1]:.3f} GB<extra></extra>"
    ),
    "planner.chart.capacity_hover": "%{text}: %{customdata[0]:,} bytes = %{y:.2f} GiB<extra></extra>",
    "planner.chart.bar_hover": (
        "%{y} %{fullData.name}: %{customdata[0]:,} bytes<br>%{x:.2f} GiB = %{customdata[1]:.2f} GB<extra></extra>"
    ),
    "planner.chart.variants_hover": (
        "%{x}<br>%{customdata[2]:,} bytes per token<br>cache at %{customdata[3]:,} tokens: %{customdata[0]:,} bytes"
        "<br>%{y:.3f} GiB = %{customdata[1]:.3f} GB<extra></extra>"
    ),
    "planner.chart.free_memory": "free memory",
    "planner.chart.curve_title": "KV cache vs context length ({dtype}, batch {batch})",
    "planner.chart.context_axis": "context length (tokens, log scale)",
    "planner.chart.cache_axis": "KV cache (GiB, 2^30 bytes)",
    "planner.chart.memory_axis": "memory (GiB, 2^30 bytes)",
    "planner.chart.weights": "weights",
    "planner.chart.kv_cache": "KV cache",
    "planner.chart.usable": "{accelerator}: {gib} GiB usable",
    "planner.chart.bars_title": "Weights and cache on {accelerator}",
    "planner.chart.bars_title_tp": "Weights and cache per device, {n} x {accelerator} (tensor parallel)",
    "planner.chart.per_token": "{bytes} B/token",
    "planner.chart.variants_title": "One 7B-shaped model, four attention schemes ({dtype}, {context} tokens, batch 1)",
}

STRINGS.update({
    # the page
    "planner.ui.title": "KV-cache capacity planner",
    "planner.ui.intro": (
        "How much memory the KV cache takes for real, published model configs, and what fits beside the weights on "
        "one accelerator or several (tensor parallel). Sizes are in GiB (2^30 bytes) with GB (10^9 bytes) beside "
        "them; hover a chart for exact bytes."
    ),
    "planner.ui.models": "Models",
    "planner.ui.loaded_option": "Currently loaded model",
    "planner.ui.loaded_label": "the loaded model's config",
    "planner.ui.loaded_default": "loaded model",
    "planner.ui.loaded_name": "{name} (loaded)",
    "planner.ui.loaded_source": "the model loaded in this app",
    "planner.ui.upload": "Or upload a config.json (read as JSON only)",
    "planner.ui.upload_help": (
        "A Hugging Face config.json of a decoder-only model. Nothing else in the file is run or stored."
    ),
    "planner.ui.upload_label": "The uploaded file {name}",
    "planner.ui.uploaded_default": "uploaded config",
    "planner.ui.uploaded_name": "{name} (uploaded)",
    "planner.ui.uploaded_source": "uploaded config.json",
    "planner.ui.context": "Context (tokens)",
    "planner.ui.batch": "Batch (sequences)",
    "planner.ui.dtype": "Cache element type",
    "planner.ui.weights_dtype": "Weights element type",
    "planner.ui.choose_one": "Choose at least one model, or upload a config.json.",
    "planner.ui.none_planned": (
        "None of the chosen models could be planned; choose another, or upload a different config.json."
    ),
    "planner.ui.model_error": "{name}: {message}",
    "planner.ui.model_note": "{name}: {text}",
    "planner.ui.summary_title": "Cache at {context} tokens x batch {batch}",
    "planner.ui.details": "Attention, exact bytes and sources",
    "planner.ui.transformers_note": (
        "{name}: sliding layers are counted at their full window. transformers' DynamicCache keeps window - 1 "
        "positions per sliding layer, {bytes} bytes here."
    ),
    "planner.ui.curve_title": "Cache size against context length",
    "planner.ui.curve_caption": (
        "Each line ends at the model's max_position_embeddings. A line that flattens belongs to a model whose layers "
        "all slide: each sliding layer holds at most its window. Hybrid models (Gemma) keep growing through their "
        "global layers only. Sliding layers are counted at their full window here."
    ),
    "planner.ui.fit_title": "What fits on the accelerators",
    "planner.ui.accelerator": "Accelerator",
    "planner.ui.gpus": "Accelerators (tensor parallel)",
    "planner.ui.gpus_help": (
        "Weights and KV heads split evenly over this many devices; the table also gives the smallest N that fits."
    ),
    "planner.ui.reserve": "Reserve per device (activations, CUDA context, allocator slack)",
    "planner.ui.reserve_help": (
        "Fraction of each accelerator's memory kept free. Default {default}, like vLLM's "
        "gpu_memory_utilization=0.9; the command line (--reserve) uses the same default."
    ),
    "planner.ui.where_tp": "{n} x {accelerator}",
    "planner.ui.weights_whole": "the weights",
    "planner.ui.weights_share": "1/{n} of the weights",
    "planner.ui.fit_caption": (
        "{accelerator}: {basis}. Planned per device with {bytes} bytes, less the reserve used ({used}; default "
        "{default}, as vLLM's gpu_memory_utilization of 0.9 leaves 10%), less {weights} in {dtype}."
    ),
    "planner.ui.per_device": "Per device on {where}: weights, cache, KV heads",
    "planner.ui.variants_title": "MHA, GQA, MQA and MLA at one model size",
    "planner.ui.variants_caption": (
        "A 7B-shaped model: 32 layers, hidden 4096, 32 query heads of 128. Grouped-query attention shares each K/V "
        "head among 4 query heads, multi-query among all 32; multi-head latent attention (DeepSeek-V2/V3) caches one "
        "512-value latent plus a 64-value rotary key per layer, whatever the number of heads."
    ),
    "planner.ui.formula_title": "The formula, with the config's numbers",
    "planner.ui.formula_model": "Model",
    "planner.ui.mla_reference": (
        "An implementation that expands the latent and caches full per-head K and V ({heads} heads x ({key} key + "
        "{value} value) values per layer) instead of the latent would take {bytes} bytes per token, {ratio}x the "
        "latent, {total} bytes ({size}) at this context and batch."
    ),
    "planner.ui.weights_note": "Weights: {parameters} parameters ({source}).",
    "planner.ui.per_layer": "Per layer",
    # table headers
    "planner.col.model": "model",
    "planner.col.cache_gib": "cache (GiB)",
    "planner.col.cache_gib_help": "KV cache at {context} tokens x batch {batch}, GiB = 2^30 bytes",
    "planner.col.cache_gb": "cache (GB)",
    "planner.col.cache_gb_help": "the same in GB = 10^9 bytes",
    "planner.col.weights_gib": "weights (GiB)",
    "planner.col.weights_gib_help": "parameters x weights element type",
    "planner.col.per_token_kib": "per token (KiB)",
    "planner.col.per_token_kib_help": "cache per token, all layers, no window capping; KiB = 1,024 bytes",
    "planner.col.attention": "attention",
    "planner.col.bytes_per_token": "cache per token (bytes)",
    "planner.col.cache_bytes": "cache (bytes)",
    "planner.col.weights_bytes": "weights (bytes)",
    "planner.col.parameters": "parameters",
    "planner.col.source": "source",
    "planner.col.fits": "fits?",
    "planner.col.fits_on": "fits on {n}?",
    "planner.col.fits_help": "{context} tokens x batch {batch} fits on {where}, beside the weights",
    "planner.col.smallest_n": "GPUs needed",
    "planner.col.smallest_n_help": (
        "Smallest number of {accelerator} (tensor parallel; tried 1, 2, 4, 8, ... {top}) that fits {context} tokens "
        "x batch {batch}. Empty: not even {top} fit (past N = KV heads the cache per device stops shrinking)"
    ),
    "planner.col.largest_batch": "max batch",
    "planner.col.largest_batch_help": "largest batch at {context} tokens on {where}",
    "planner.col.largest_context": "max context (tokens)",
    "planner.col.largest_context_help": "largest context at batch {batch} on {where}",
    "planner.col.free_gib": "free/device (GiB)",
    "planner.col.free_gib_help": "memory per device left for the cache beside the weights",
    "planner.col.weights_device_gib": "weights/device (GiB)",
    "planner.col.cache_device_gib": "cache/device at {context} x {batch} (GiB)",
    "planner.col.free_gb": "free/device (GB)",
    "planner.col.kv_heads": "KV heads/device",
    "planner.col.kv_heads_help": "empty for MLA: the latent is not split",
    "planner.col.limited_by": "max context limited by",
    "planner.col.layer.kv_heads": "kv_heads",
    "planner.col.layer.head_dim": "head_dim",
    "planner.col.layer.window": "window",
    "planner.col.layer.elements_per_token": "values per token",
    "planner.col.layer.bytes_per_token": "bytes per token",
    "planner.col.layer.positions": "positions",
    "planner.col.layer.bytes": "bytes",
    "planner.col.layer.positions_transformers": "positions (transformers)",
})

STRINGS.update({
    # the command line
    "planner.cli.help": "KV-cache memory of a model config at a context length and batch size",
    "planner.cli.description": (
        "KV-cache memory for a model: a catalog name (e.g. Llama-3.1-8B, DeepSeek-V3; see --list) or a path to a "
        "config.json. Sizes are printed in GiB (2^30 bytes) and GB (10^9 bytes)."
    ),
    "planner.cli.arg.config": "catalog name (case-insensitive) or path to a config.json",
    "planner.cli.arg.dtype": "cache element type (default bf16)",
    "planner.cli.arg.context": "context length in tokens (default 4096)",
    "planner.cli.arg.batch": "sequences held at once (default 1)",
    "planner.cli.arg.weights_dtype": "weights element type (default bf16)",
    "planner.cli.arg.gpu": "also fit on an accelerator, e.g. 'H100 80 GB' (see --list)",
    "planner.cli.arg.gpus": (
        "number of accelerators, tensor parallel: weights and KV heads split evenly over N (default 1); the smallest "
        "N that fits is reported too"
    ),
    "planner.cli.arg.reserve": (
        "fraction of each accelerator's memory kept free for activations, CUDA context etc. (default {default}, like "
        "vLLM's gpu_memory_utilization=0.9; the planner page uses the same)"
    ),
    "planner.cli.arg.json": "print the plan as JSON",
    "planner.cli.arg.list": "list catalog models and accelerators, then exit",
    "planner.cli.error": "error: {message}",
    "planner.cli.no_config": (
        "Give --config NAME_OR_FILE (a catalog name or a config.json path); --list shows the names."
    ),
    "planner.cli.bad_context": "--context must be at least 1 token, got {got}.",
    "planner.cli.bad_batch": "--batch must be at least 1 sequence, got {got}.",
    "planner.cli.bad_gpus": "--gpus must be from 1 to {limit} accelerators, got {got}.",
    "planner.cli.gpus_need_gpu": "--gpus needs --gpu ACCELERATOR (e.g. --gpu H100 --gpus 8); --list shows the names.",
    "planner.cli.bad_reserve": "--reserve must be a fraction from 0 up to (not including) 1, got {got}.",
    "planner.cli.models": "Models:",
    "planner.cli.accelerators": "Accelerators:",
    "planner.cli.source": "  source: {source}",
    "planner.cli.dtype": "  cache dtype {dtype}: {note}",
    "planner.cli.per_token": "  bytes per token (no window capping): {bytes} bytes = {size}",
    "planner.cli.total": "  cache at context {context} x batch {batch}: {bytes} bytes = {size}",
    "planner.cli.total_transformers": (
        "  as stored by transformers' DynamicCache (sliding layers keep window - 1 positions): {bytes} bytes = {size}"
    ),
    "planner.cli.weights": "  weights: {parameters} parameters x {dtype} = {bytes} bytes = {size} ({source})",
    "planner.cli.mla_reference": (
        "  an implementation caching full K/V instead of the latent: {bytes} bytes per token ({ratio}x), {total} bytes "
        "= {size} at this context"
    ),
    "planner.cli.formula": "  formula: {formula}",
    "planner.cli.layers_title": "  per layer (identical neighbouring layers on one row):",
    "planner.cli.layers_header": (
        "    layers   kind     kv_heads  head_dim  window   bytes/token   positions   bytes each"
    ),
    "planner.cli.warning": "  warning: {text}",
    "planner.cli.note": "  note: {text}",
    "planner.cli.where_tp": "{n} x {accelerator} (tensor parallel; figures per device)",
    "planner.cli.on": "  on {where} ({basis}):",
    "planner.cli.reserve": (
        "    reserve used: {used} of memory kept free for activations, CUDA context etc. "
        "(--reserve; default {default}, "
        "like vLLM's gpu_memory_utilization=0.9)"
    ),
    "planner.cli.per_device": "    per device: weights {weights}, cache {cache}. {note}",
    "planner.cli.weights_do_not_fit_one": "    the weights alone do not fit on one device.",
    "planner.cli.weights_do_not_fit": "    the weights alone do not fit on {n} devices.",
    "planner.cli.free": "    free for the cache beside the weights: {size}",
    "planner.cli.largest_batch": "    largest batch at context {context}: {n}",
    "planner.cli.largest_context": "    largest context at batch {batch}: {n} tokens (limited by {limited_by})",
    "planner.cli.no_limit": "no limit",
    "planner.cli.no_smallest": "    context {context} x batch {batch} does not fit on up to {top} x {accelerator}.",
    "planner.cli.smallest": (
        "    smallest number of {accelerator} (tensor parallel, N = 1, 2, 4, 8, ...) for context {context} x batch "
        "{batch}: {n} (--gpus N shows the details)"
    ),
    "planner.cli.assumption": "    assumption: {text}",
})
