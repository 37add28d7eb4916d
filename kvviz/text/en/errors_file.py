"""Messages about a file a visitor hands kvviz: the strict JSON reader (kvviz.json_strict) and the trace
reader (kvviz.trace_read, trace_rules, trace_attention). Values from the file arrive as text fields."""

STRINGS: dict[str, str] = {
    # what a file is, in the JSON reader's messages (kvviz.json_strict.Limits.what)
    "errors.file.trace": "trace",
    "errors.file.file": "file",
    # the JSON itself
    "errors.json.not_utf8": "Not a kvviz {what}: the file is not valid JSON (not UTF-8 text: {reason} at byte {byte}).",
    "errors.json.refused": "Not a kvviz {what}: {detail}",
    "errors.json.invalid": "Not a kvviz {what}: the file is not valid JSON ({msg} at line {line}, column {column}).",
    "errors.json.recursion": "Not a kvviz {what}: the JSON is nested too deeply.",
    "errors.json.surrogate": "Not a kvviz {what}: the text holds an unpaired surrogate, which is not Unicode.",
    "errors.json.not_text": "Not a kvviz {what}: expected text or bytes, got {got}.",
    "errors.json.bom": "Not a kvviz {what}: the file is {encoding} text; save it as UTF-8.",
    "errors.json.nul": "Not a kvviz {what}: the file holds NUL bytes (UTF-16 or binary?); save it as UTF-8 text.",
    "errors.json.too_big": "The {what} is too large: {size:,} bytes; at most {limit:,} are read.",
    "errors.json.too_many_values": "Not a kvviz {what}: the JSON holds more than {limit:,} values.",
    "errors.json.too_deep": "Not a kvviz {what}: the JSON is nested more than {limit} levels deep.",
    "errors.json.constant": (
        "the file holds {name}, which is not a number a run can produce (JSON has no NaN or Infinity)."
    ),
    "errors.json.long_int": "the file holds a {digits:,}-digit integer; no field holds a number that large.",
    "errors.json.not_finite": "the number {text} is too large to be finite.",
    "errors.json.duplicate_key": "the key {key!r} appears twice in one object; a file must say each thing once.",
    "errors.json.surrogate_in": (
        "Not a kvviz {what}: the text {text!r} holds an unpaired surrogate (\\ud800-\\udfff), which is not Unicode."
    ),
    # the trace's shape
    "errors.trace.not_object": "Not a kvviz trace: expected a JSON object at the top level.",
    "errors.trace.schema": "Not a kvviz trace: schema is {got}, expected {expected}.",
    # one field's type and range (kvviz.trace_rules); {what} is one of errors.trace.what.*
    "errors.trace.int_positive": (
        "Bad trace: {path}: bad {what}: must be a positive whole number up to {hi:,}, got {got}."
    ),
    "errors.trace.int_range": (
        "Bad trace: {path}: bad {what}: must be a whole number from {lo:,} up to {hi:,}, got {got}."
    ),
    "errors.trace.num_range": "Bad trace: {path}: bad {what}: must be a number from {lo:g} to {hi:g}, got {got}.",
    "errors.trace.text": "Bad trace: {path}: must be text of at most {limit:,} characters, got {got}.",
    "errors.trace.flag": "Bad trace: {path}: must be true or false, got {got}.",
    "errors.trace.one_of": "Bad trace: {path}: must be one of {choices}, got {got}.",
    "errors.trace.entries": "{n:,} entries",
    "errors.trace.list_exact": "Bad trace: {path}: must be a list of {n} entries, got {got}.",
    "errors.trace.list_range": "Bad trace: {path}: must be a list of {lo:,} to {hi:,} entries, got {got}.",
    "errors.trace.map": "Bad trace: {path}: must be an object of at most {limit:,} entries, got {got}.",
    "errors.trace.object": "Bad trace: {path}: must be an object, got {got}.",
    "errors.trace.too_many_fields": "Bad trace: {path}: too many fields ({n:,}).",
    "errors.trace.missing_fields": "Bad trace: {path}: missing fields {names}.",
    "errors.trace.unknown_fields": "Bad trace: {path}: unknown fields {names}.",
    "errors.trace.hex": "Bad trace: {path}: must be lowercase hex of at most {limit:,} bytes, got {got}.",
    "errors.trace.what.count": "count",
    "errors.trace.what.number": "number",
    "errors.trace.what.token_id": "token id",
    "errors.trace.what.flop_count": "FLOP count",
    "errors.trace.what.dimension": "dimension",
    "errors.trace.what.sliding_window": "sliding window",
    "errors.trace.what.position": "position",
    "errors.trace.what.relative_difference": "relative difference",
    "errors.trace.what.milliseconds": "milliseconds",
    "errors.trace.what.probability": "probability",
    "errors.trace.what.time": "time",
    "errors.trace.what.temperature": "temperature",
    "errors.trace.what.top_p": "top-p",
    "errors.trace.what.seed": "seed",
    "errors.trace.what.layer": "layer",
    # what a real run satisfies across fields (kvviz.trace_read)
    "errors.trace.phase.prefill": "prefill",
    "errors.trace.phase.decode": "decode",
    "errors.trace.uneven_heads": (
        "Bad trace: {path}: the query heads ({heads}) are not a multiple of the K/V heads ({kv_heads})."
    ),
    "errors.trace.windows_per_layer": "Bad trace: {path}: must have one entry per layer ({layers}), got {got}.",
    "errors.trace.text_per_token": "Bad trace: {path}: must have one text per prompt token ({tokens}), got {got}.",
    "errors.trace.hex_per_token": (
        "Bad trace: {path}: must have one hex string per prompt token ({tokens}), got {got}."
    ),
    "errors.trace.too_many_steps": "Bad trace: {path}: {steps} steps, but settings.max_new_tokens is {limit}.",
    "errors.trace.finish_steps": "Bad trace: {path}: says max_new_tokens ({limit}), but the trace has {steps} steps.",
    "errors.trace.finish_no_steps": "Bad trace: {path}: a run that finished has at least one step.",
    "errors.trace.no_layer": "Bad trace: {path}: layer {layer} does not exist ({layers} layers).",
    "errors.trace.outside_vocab": (
        "Bad trace: {path}: token id {token_id} is outside the vocabulary of {vocab:,} tokens."
    ),
    "errors.trace.out_of_order": "Bad trace: {path}: out of order: step {step} has index {index} and phase {phase}.",
    "errors.trace.context_length": (
        "Bad trace: {path}: the context length must be the prompt's {prompt} tokens + {generated} generated "
        "= {context}, got {got}."
    ),
    "errors.trace.over_context": "Bad trace: {path}: {context} tokens exceed the model's context of {limit}.",
    "errors.trace.input_length": "Bad trace: {path}: a {mode} {phase} step feeds {fed} tokens, got {got}.",
    "errors.trace.top_k_sum": "Bad trace: {path}: the candidates' probabilities sum to more than 1.",
    "errors.trace.hidden_shape": (
        "Bad trace: {path}: expected [1, {fed}, {hidden}] (batch, tokens fed, hidden), got {got}."
    ),
    "errors.trace.hidden_bytes": "Bad trace: {path}: {bytes:,} bytes do not match the shape {shape} in {dtype}.",
    "errors.trace.hidden_bytes_alone": "Bad trace: {path}: bytes without a hidden_shape.",
    "errors.trace.flops_modes": "Bad trace: {path}: bad FLOP counts: the cost model counts both modes {modes}.",
    "errors.trace.flops_missing": "Bad trace: {path}: bad FLOP counts: missing {names}.",
    "errors.trace.flops_total": "Bad trace: {path}: bad FLOP counts: the total is not the sum of the components.",
    "errors.trace.cache_layers": (
        "Bad trace: {path}: {got} cache layers for {layers} layers in {mode} mode (expected {expected})."
    ),
    "errors.trace.cache_shape": (
        "Bad trace: {path}: expected {shape} (batch, K/V heads, positions, head_dim) for this model and context, "
        "got {k} and {v}."
    ),
    "errors.trace.layer_bytes": "Bad trace: {path}: the shapes in {dtype} hold {bytes:,} bytes, got {got:,}.",
    "errors.trace.cache_bytes": "Bad trace: {path}: the layers hold {bytes:,} bytes, got {got:,}.",
    "errors.trace.held_heads": "Bad trace: {path}: {got} K/V heads of spans for {heads} heads in the shape.",
    "errors.trace.held_spans": (
        "Bad trace: {path}: spans must be ascending [start, stop) runs within {context} positions."
    ),
    "errors.trace.held_count": "Bad trace: {path}: the spans hold {got} positions, the shape {shape}.",
    # attention weights (kvviz.trace_attention)
    "errors.trace.attention_layer": (
        "Bad trace: {path}: malformed attention weights: {name} is not a layer (0-{last})."
    ),
    "errors.trace.attention_type": "Bad trace: {path}: malformed attention weights: expected an object, got {got}.",
    "errors.trace.attention_range": "Bad trace: {path}: attention weights must lie in [0, 1].",
    "errors.trace.attention_sum": "Bad trace: {path}: a row of attention weights sums to {sum:.4f}, over 1.",
    "errors.trace.attention_unknown": "Bad trace: {path}: malformed attention weights: unknown fields {names}.",
    "errors.trace.attention_missing": "Bad trace: {path}: malformed attention weights: missing fields {names}.",
    "errors.trace.attention_shape": (
        "Bad trace: {path}: malformed attention weights: expected {shape} (heads, queries, keys) for this model "
        "and step, got {got}."
    ),
    "errors.trace.attention_causal": "Bad trace: {path}: a causal layout needs no more queries than keys.",
    "errors.trace.attention_base64_length": (
        "Bad trace: {path}: malformed attention weights: expected base64 text of {n:,} weights."
    ),
    "errors.trace.attention_not_base64": "Bad trace: {path}: malformed attention weights: not base64 text.",
    "errors.trace.attention_count": "Bad trace: {path}: malformed attention weights: expected {n:,} weights.",
    "errors.trace.attention_lists": (
        "Bad trace: {path}: malformed attention weights: expected {h} x {q} x {k} numbers (heads, queries, keys) "
        "for this model and step."
    ),
    "errors.attention.unsavable": "These attention weights cannot be saved: expected a finite (heads, q, k) array.",
    # a cache lab file (kvviz.lab.data)
    "errors.lab_file.too_big": "Not a kvviz lab file: it is over {mb} MB.",
    "errors.lab_file.not_json": "Not a kvviz lab file: the file is not valid JSON ({reason}).",
    "errors.lab_file.top_level": "Not a kvviz lab file: expected a JSON object at the top level.",
    "errors.lab_file.schema": "Not a kvviz lab file: schema is {got}, expected {expected}.",
    "errors.lab_file.not_object": "Bad lab file: {path} is not an object.",
    "errors.lab_file.missing": "Bad lab file: {path} is missing.",
    "errors.lab_file.unknown": "Bad lab file: {path} is not a known field.",
    "errors.lab_file.int": "Bad lab file: {path} must be a whole number from {low} to {high}, got {got}.",
    "errors.lab_file.finite": "Bad lab file: {path} must be a finite number, got {got}.",
    "errors.lab_file.range": "Bad lab file: {path} must be from {low} to {high}, got {got}.",
    "errors.lab_file.text": "Bad lab file: {path} must be text of at most {limit:,} characters.",
    "errors.lab_file.list": "Bad lab file: {path} must be a list of at most {limit:,} items.",
    "errors.lab_file.ascending": "Bad lab file: {path} must be ascending original positions.",
    "errors.lab_file.flag": "Bad lab file: {path} must be true or false.",
    "errors.lab_file.per_layer": "Bad lab file: {path} must have one entry per layer ({layers}).",
    "errors.lab_file.per_head": "Bad lab file: {path} must have one list per K/V head ({heads}).",
    "errors.lab_file.agree_forced": "Bad lab file: {path} must be true or false in forced mode.",
    "errors.lab_file.kl_free": "Bad lab file: {path} must be null in free mode.",
    "errors.lab_file.empty": "Bad lab file: {path} is empty.",
    "errors.lab_file.one_of": "Bad lab file: {path} must be one of {choices}, got {got}.",
    "errors.lab_file.spec": "Bad lab file: {path} must be a policy spelling of 1 to 40 characters.",
    "errors.lab_file.too_long": "Bad lab file: {path} run past the longest context kvviz reads.",
    "errors.lab_file.same_steps": "Bad lab file: {path} must all have the same number of steps.",
}
