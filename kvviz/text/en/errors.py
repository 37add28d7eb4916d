"""Messages of errors the engine raises by key (kvviz.errors.KvvizError(key=...)): a visitor's input."""

STRINGS: dict[str, str] = {
    "errors.prompt_empty": "The prompt is empty: type some text to start from.",
    "errors.new_tokens": "The number of new tokens must be a whole number of at least 1.",
    "errors.no_tokens": "The prompt gives no tokens.",
    "errors.prompt_too_long.model": "The prompt is {prompt} tokens; {model}'s context is {limit} tokens.",
    "errors.prompt_too_long.run": "The prompt is {prompt} tokens; the limit per run is {limit} tokens.",
    "errors.context_exceeded.model": (
        "{prompt} prompt tokens + {new} new tokens exceed {model}'s context of {limit} tokens; "
        "ask for at most {most} new tokens."
    ),
    "errors.context_exceeded.run": (
        "{prompt} prompt tokens + {new} new tokens exceed the limit per run of {limit} tokens; "
        "ask for at most {most} new tokens."
    ),
    "errors.run_too_long": (
        "{prompt} prompt tokens + {new} new tokens exceed the limit of {limit} tokens per run; "
        "ask for at most {most} new tokens."
    ),
    "errors.lab_prompt_too_long": "The prompt is {prompt} tokens; the lab takes up to {limit}.",
    # the run's own limits (kvviz.engine.caps, tracer)
    "errors.caps.context_limit": "The context limit must be a whole number of at least 2 tokens, got {got}.",
    "errors.caps.attention_budget": "The attention budget must be a number of bytes, got {got}.",
    "errors.caps.attention_one": (
        "Recording the attention of {layers} layer over {prompt} prompt tokens + {new} new tokens would hold "
        "{need}; the limit is {limit} per run. Record fewer layers or ask for fewer tokens."
    ),
    "errors.caps.attention_many": (
        "Recording the attention of {layers} layers over {prompt} prompt tokens + {new} new tokens would hold "
        "{need}; the limit is {limit} per run. Record fewer layers or ask for fewer tokens."
    ),
    "errors.no_layer": "Layer {layer} does not exist; {model} has layers 0-{last}.",
    "errors.attention_needs_eager": "Attention weights need the model loaded with attn_implementation='eager'.",
    "errors.no_steps": "The trace has no steps yet: run at least the prefill step.",
    "errors.no_accelerator": "No accelerator named {name} in the list.",
    # sampling settings (kvviz.engine.sampling)
    "errors.sampling.temperature": "Temperature must be 0 (greedy) or from {lo:g} to {hi:g}, got {got:g}.",
    "errors.sampling.top_p": "top-p must be in (0, 1], got {got:g}.",
    "errors.sampling.top_k": "top-k must be 0 (off) or a positive number of tokens, got {got}.",
    "errors.sampling.seed": "The seed must be a whole number from 0 to 2^64 - 1, got {got}.",
    "errors.sampling.not_finite": "{name} must be a finite number, got {got}.",
    "errors.sampling.not_whole": "{name} must be a whole number, got {got}.",
    "errors.sampling.name.temperature": "Temperature",
    "errors.sampling.name.top_p": "top-p",
    "errors.sampling.name.top_k": "top-k",
    "errors.sampling.name.seed": "The seed",
    # cache policies as spelled on the command line and in the app (kvviz.cache)
    "errors.policy.not_text": "A cache policy is a name such as {spellings}, got {got}.",
    "errors.policy.unknown": (
        "Unknown cache policy {spec}: use one of {spellings} (W, S, R, H, B numbers of positions; G a group size)."
    ),
    "errors.policy.count": "{what} must be a whole number from {least} to {most:,}, got {got}.",
    "errors.policy.what.heavy": "The number of heavy-hitter positions",
    "errors.policy.what.recent": "The number of recent positions",
    "errors.policy.what.sinks": "The number of sink positions",
    "errors.policy.what.held": "The number of positions held",
    "errors.policy.what.group": "The group size",
    "errors.policy.what.residual": "The full-precision residual",
    "errors.policy.empty": "{spec} must hold at least 1 position ({sum} >= 1).",
    "errors.policy.window": "A window must hold at least 1 position, got {got}.",
    "errors.policy.bits": "Quantized caches take {choices}; got {got}.",
    "errors.policy.group": (
        "{spec} groups values by {group} channels, but {model}'s heads have {head_dim}; "
        "choose a group size that divides {head_dim}."
    ),
    "errors.policy.sliding": (
        "The cache policy {spec} needs a model whose every layer attends to the whole context; "
        "{model} has sliding-window layers. Use the full cache with this model."
    ),
    "errors.policy.needs_cache": "The cache policy {spec} needs the cached mode.",
    "errors.policy.needs_eager": "The cache policy {spec} needs the model loaded with attn_implementation='eager'.",
    "errors.lab.mode": "The lab's mode is forced or free, got {got}.",
    "errors.lab.policies": "Choose 1 to {most} cache policies.",
    # the command line (kvviz.cli)
    "errors.cli.write_folder": "Could not write {path}: it is a folder.",
    "errors.cli.write_no_folder": "Could not write {path}: the folder {folder} does not exist.",
    "errors.cli.write_denied": "Could not write {path}: permission denied.",
    "errors.cli.write_failed": "Could not write {path}: {reason}.",
    "errors.cli.tokenizer_vocab": (
        "The tokenizer gives token id {token_id}, outside {model}'s vocabulary of {vocab:,} tokens: "
        "the tokenizer does not belong to this model."
    ),
    # rooms (kvviz.rooms)
    "errors.room.bad_link": "This room link is not valid.",
    "errors.room.too_big": "The room's state is {size:,} bytes; a room holds at most {limit:,}.",
    "errors.room.closed": "This room does not exist or has closed.",
    "errors.room.not_lead": "Only the instructor who opened this room can change it.",
    "errors.room.not_text": "A room's state is text parameters only.",
    # a model kvviz cannot map to its cost model (kvviz.engine.dims)
    "errors.dims.module": (
        "kvviz cannot map the module {module} ({kind}) to its cost model (Q, K, V, output projection or MLP), "
        "so its FLOP figures would be guesses."
    ),
    "errors.dims.uneven_blocks": (
        "Block {block} has different matrix shapes from block 0; kvviz's cost model assumes every block has "
        "the same shapes."
    ),
    "errors.dims.attention": (
        "kvviz cannot map the attention's shapes (Q {q}, output projection input {o_in}) to {heads} heads of "
        "{head_dim}."
    ),
    "errors.dims.kv_width": "kvviz cannot map K/V width {width} to heads of size {head_dim}.",
    "errors.dims.no_output": "kvviz cannot find exactly one attention output projection in a block.",
    "errors.dims.mixed_qkv": "kvviz cannot map a block that mixes fused and separate Q/K/V projections.",
    "errors.dims.fused_split": "kvviz cannot split the fused Q/K/V projection's {outputs} outputs into heads.",
    "errors.dims.qkv": "kvviz cannot find one Q and two equal K and V projections in a block.",
    "errors.dims.widths": "kvviz cannot map a block whose projections read width {read} but write {write}.",
    "errors.dims.cut": "kvviz cannot cut width {width} into {heads} heads.",
    "errors.dims.mlp_roles": "kvviz cannot map the MLP's matrices {matrices} to up/gate and down projections.",
    "errors.dims.mlp_kind": "kvviz cannot map the MLP's matrices {matrices} to a plain or gated MLP.",
    "errors.dims.outside": (
        "kvviz cannot map the module {module} ({kind}) outside the blocks: its cost model has no place for it, "
        "so its figures would be incomplete."
    ),
    "errors.dims.no_lm_head": "kvviz cannot find the model's LM head (a linear layer to the vocabulary).",
    "errors.dims.lm_head": "kvviz cannot map an LM head that reads width {read} from blocks of width {hidden}.",
    # which model may be loaded, and loading it (kvviz.engine.sources, models)
    "errors.source.only_presets": "This server offers the built-in model and the listed presets only.",
    "errors.source.not_offered": "No model folder {name} is offered by this server.",
    "errors.source.not_a_name": "A model name is a hub id (e.g. gpt2) or a folder path, on one line.",
    "errors.model.not_installed": (
        "The built-in model is not installed. Install it with `{command}` (the README's `make run` does this)."
    ),
    "errors.model.no_folder": "No model folder at {source}.",
    "errors.model.no_config": "The folder {source} has no config.json: it is not a Hugging Face model folder.",
    "errors.model.not_causal": (
        "{name} is a {kind} model, not a causal language model: kvviz needs a decoder that generates text "
        "token by token (GPT-2, Llama, Qwen2, Gemma, ...)."
    ),
    "errors.model.moe": (
        "{name} is a mixture-of-experts model: kvviz's step-by-step cost model covers dense models only. "
        "The capacity planner gives its cache size."
    ),
    "errors.model.mla": (
        "{name} uses multi-head latent attention: kvviz's step-by-step cost model does not cover it yet. "
        "The capacity planner gives its cache size."
    ),
    "errors.model.falcon": (
        "{name} (Falcon's new decoder architecture) stores K and V repeated to every query head in its cache: "
        "kvviz's cost model does not describe that cache, so its figures would be wrong."
    ),
    "errors.model.cache_mismatch": (
        "kvviz's cost model does not describe {model}'s cache ({predicted:,} bytes predicted, {real:,} in the "
        "real cache), so its figures would be wrong."
    ),
    "errors.model.no_blocks": "Could not find the model's transformer blocks.",
    "errors.model.load_folder": "Could not load the model folder {name}: {reason}",
    "errors.model.remote_code": "{name} needs custom code from its repository; kvviz never runs remote code.",
    "errors.model.offline": (
        "Could not load {name}: it is not in the local Hugging Face cache and the model hub cannot be reached "
        "from here. Use the built-in model, a local folder, or a machine with network."
    ),
    "errors.model.not_on_hub": "No model called {name} on the Hugging Face hub (check the spelling, e.g. 'gpt2').",
    "errors.model.load_failed": "Could not load {name}: {reason}",
    "errors.lab.perplexity_span": "Perplexity needs 1 <= prompt < tokens <= {most}.",
    "errors.lab.paged_requests": "The paged demo takes 1 to {most} requests.",
    "errors.lab.paged_tokens": "Keep the system prompt and questions under {most:,} tokens each.",
}
