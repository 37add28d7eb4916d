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
}
