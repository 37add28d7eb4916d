"""The explainer's state as URL query parameters, and back: a link that reopens the same page.

A pure codec (no Streamlit), so that every rule about what a URL may hold is unit-tested:

    params = encode(ShareState(prompt="Lionel Messi is a", max_new=14, step=5))
    state, problems = decode(params, models=("builtin", "gpt2"), views=("questions", "work"))

Everything in a URL is visitor input: decode() never raises. A value it cannot read, or one outside
the app's ranges, falls back to the default and is reported as a Problem (a text key + the param's
name), so the page can say which part of the link it ignored. The step is clamped to the run's
length (a step past the end of a run that stops early is clamped again by the page).

The sidebar takes its defaults and ranges from here too: one place for what a setting may be.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from kvviz.engine.caps import APP_MAX_CONTEXT, DEFAULT_PROMPT

# Ranges the sidebar offers (inclusive); a URL gets no more than the sidebar does.
MAX_NEW_RANGE = (1, 1024)
TEMPERATURE_RANGE = (0.05, 2.0)
TOP_K_RANGE = (0, 1000)
TOP_P_RANGE = (0.05, 1.0)
SEED_RANGE = (0, 2**31 - 1)
# A prompt longer than the context limit cannot run anyway (a token is at least one character of
# most texts; 4x leaves room for short tokens); it also keeps links under browsers' URL limits.
MAX_PROMPT_CHARS = 4 * APP_MAX_CONTEXT
MAX_NAME_CHARS = 200
MAX_PARAM_CHARS = 24  # numbers (a float's repr), ids
DECODINGS = ("greedy", "sampling")
OTHER = "other"  # the model choice whose name comes from `name`
# A hub id ("org/model") or a folder under KVVIZ_MODEL_DIRS; the engine's source policy decides
# whether it may be loaded, this only keeps odd characters out of the page and the logs.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_INT = re.compile(r"-?[0-9]{1,12}")
_FLOAT = re.compile(r"-?[0-9]{1,6}(\.[0-9]{1,17})?")
_ID = re.compile(r"[a-z0-9_]{1,40}")


@dataclass(frozen=True)
class ShareState:
    """What a link holds: the run's settings, the step on screen and the open view."""

    model: str = "builtin"  # a model choice id (learn.PRESETS), or OTHER with `name`
    name: str = ""  # hub id or folder when model == OTHER
    prompt: str = DEFAULT_PROMPT
    max_new: int = 32
    decoding: str = "greedy"
    temperature: float = 0.8  # temperature .. seed: used when decoding == "sampling"
    top_k: int = 50
    top_p: float = 0.95
    seed: int = 0
    step: int = 0  # 0 = the prompt pass
    view: str | None = None  # stable id of the open tab; None: the page decides
    scenario: str | None = None  # a preset scenario whose prompt the link names instead of spelling it


DEFAULTS = ShareState()
# The parameters this codec reads and writes. Others in the URL (lang, present, follow) belong to
# other parts of the app: the page never clears them.
OWNED = ("scenario", "model", "name", "prompt", "max_new", "decoding", "temperature", "top_k", "top_p",
         "seed", "step", "view")
SAMPLING_PARAMS = ("temperature", "top_k", "top_p", "seed")


@dataclass(frozen=True)
class Problem:
    """One part of a link that was ignored: `key` is a text key, `param` the parameter's name."""

    key: str
    param: str


def _one(value) -> str | None:
    """A parameter's value: the last one of a repeated parameter (as st.query_params does)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        values = [v for v in value if isinstance(v, str)]
        return values[-1] if values else None
    return None


def _int(text: str, lo: int, hi: int) -> int | None:
    if len(text) > MAX_PARAM_CHARS or not _INT.fullmatch(text):
        return None
    n = int(text)
    return n if lo <= n <= hi else None


def _float(text: str, lo: float, hi: float) -> float | None:
    if len(text) > MAX_PARAM_CHARS or not _FLOAT.fullmatch(text):
        return None
    x = float(text)
    return x if math.isfinite(x) and lo <= x <= hi else None


def _clean_prompt(text: str) -> str | None:
    """The prompt as typed, or None if it cannot be one (empty, too long, NUL or other C0 controls
    besides tab and newline)."""
    if not text.strip() or len(text) > MAX_PROMPT_CHARS:
        return None
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        return None
    return text


def decode(
    params: Mapping[str, object],
    *,
    models: Iterable[str],
    views: Iterable[str] = (),
    allow_other: bool = False,
    scenarios: Mapping[str, Mapping[str, object]] | None = None,
) -> tuple[ShareState | None, list[Problem]]:
    """The state a link holds, and what of it was ignored. None when the link holds no state of ours.

    `models`: the model choice ids the page offers; `views`: the tab ids; `allow_other`: whether a
    model by name (OTHER + name) is allowed here; `scenarios`: preset id -> ShareState fields, the
    base that the link's own parameters override.
    """
    raw = {k: _one(params.get(k)) for k in OWNED if k in params}
    raw = {k: v for k, v in raw.items() if v is not None}
    if not raw:
        return None, []
    problems: list[Problem] = []
    state = DEFAULTS

    def bad(param: str, key: str = "share.url.bad_param") -> None:
        problems.append(Problem(key, param))

    scenarios = scenarios or {}
    if "scenario" in raw:
        sid = raw["scenario"]
        if _ID.fullmatch(sid) and sid in scenarios:
            base = {k: v for k, v in scenarios[sid].items() if k in {f.name for f in fields(ShareState)}}
            state = replace(state, **base, scenario=sid)
        else:
            bad("scenario")
    models = tuple(models)
    if "model" in raw:
        choice = raw["model"]
        if choice == OTHER:
            name = raw.get("name", "").strip()
            if not allow_other:
                bad("model", "share.url.model_not_allowed")
            elif len(name) > MAX_NAME_CHARS or not _NAME.fullmatch(name) or ".." in name:
                bad("name")
            else:
                state = replace(state, model=OTHER, name=name)
        elif _ID.fullmatch(choice) and choice in models:
            state = replace(state, model=choice, name="")
        else:
            bad("model")
    if "prompt" in raw:
        prompt = _clean_prompt(raw["prompt"])
        if prompt is None:
            bad("prompt")
        else:
            state = replace(state, prompt=prompt, scenario=None if prompt != state.prompt else state.scenario)
    if "max_new" in raw:
        n = _int(raw["max_new"], *MAX_NEW_RANGE)
        if n is None:
            bad("max_new")
        else:
            state = replace(state, max_new=n)
    if "decoding" in raw:
        if raw["decoding"] in DECODINGS:
            state = replace(state, decoding=raw["decoding"])
        else:
            bad("decoding")
    if state.decoding == "sampling":
        for param, read, rng in (("temperature", _float, TEMPERATURE_RANGE), ("top_k", _int, TOP_K_RANGE),
                                 ("top_p", _float, TOP_P_RANGE), ("seed", _int, SEED_RANGE)):
            if param in raw:
                value = read(raw[param], *rng)
                if value is None:
                    bad(param)
                else:
                    state = replace(state, **{param: value})
    if "view" in raw:
        if raw["view"] in tuple(views):
            state = replace(state, view=raw["view"])
        else:
            bad("view")
    if "step" in raw:
        step = _int(raw["step"], 0, 10**9)
        if step is None:
            bad("step")
        else:
            last = state.max_new - 1  # steps 0 .. max_new - 1: the prompt pass makes the first token
            if step > last:
                problems.append(Problem("share.url.step_clamped", "step"))
            state = replace(state, step=min(step, last))
    return state, problems


def encode(state: ShareState, scenarios: Mapping[str, Mapping[str, object]] | None = None) -> dict[str, str]:
    """The query parameters for `state` (only OWNED keys). A scenario whose prompt is the state's
    prompt is named instead of spelling the prompt out, which keeps long-context links short."""
    q: dict[str, str] = {}
    scenario = (scenarios or {}).get(state.scenario) if state.scenario else None
    if scenario is not None and scenario.get("prompt", DEFAULTS.prompt) == state.prompt:
        q["scenario"] = str(state.scenario)
    q["model"] = state.model
    if state.model == OTHER:
        q["name"] = state.name
    if "scenario" not in q:
        q["prompt"] = state.prompt
    q["max_new"] = str(state.max_new)
    if state.decoding == "sampling":
        q["decoding"] = "sampling"
        q["temperature"] = repr(float(state.temperature))
        q["top_k"] = str(state.top_k)
        q["top_p"] = repr(float(state.top_p))
        q["seed"] = str(state.seed)
    q["step"] = str(state.step)
    if state.view:
        q["view"] = state.view
    return q


def query_string(params: Mapping[str, str]) -> str:
    """`params` as a URL query string ("a=1&b=x%20y"): spaces as %20, every reserved character quoted."""
    from urllib.parse import quote

    return urlencode(params, quote_via=quote, safe="")


def merged(current: Mapping[str, str], state_params: Mapping[str, str]) -> dict[str, str]:
    """The URL's parameters after writing `state_params`: ours replaced, everyone else's kept."""
    out = {k: v for k, v in current.items() if k not in OWNED}
    out.update(state_params)
    return out


def settings_of(state: ShareState, model_names: Mapping[str, str | None]) -> dict:
    """The run settings the page starts a run with (learn._start), from a link's state.

    The sidebar builds its settings through this too, so a run opened by link and the same run
    set by hand have equal settings (the page compares them to warn of unapplied edits).
    `model_names`: choice id -> what load_model() gets (None: the built-in model)."""
    sampling = state.decoding == "sampling"
    return {
        "model": state.name.strip() if state.model == OTHER else model_names.get(state.model),
        "choice": state.model,
        "prompt": state.prompt,
        "max_new_tokens": int(state.max_new),
        # Rounded as the sidebar's sliders step, so a float's last bits never split identical runs.
        "temperature": round(float(state.temperature), 6) if sampling else 0.0,
        "top_k": int(state.top_k) if sampling else 0,
        "top_p": round(float(state.top_p), 6) if sampling else 1.0,
        "seed": int(state.seed) if sampling else 0,
    }


def state_of(settings: Mapping, step: int, view: str | None, scenario: str | None = None) -> ShareState:
    """The link state of a run started with `settings` (settings_of's output), at `step` with `view` open."""
    sampling = float(settings.get("temperature", 0.0)) > 0
    choice = str(settings.get("choice", DEFAULTS.model))
    return ShareState(
        model=choice,
        name=str(settings.get("model") or "") if choice == OTHER else "",
        prompt=str(settings.get("prompt", DEFAULTS.prompt)),
        max_new=int(settings.get("max_new_tokens", DEFAULTS.max_new)),
        decoding="sampling" if sampling else "greedy",
        temperature=float(settings["temperature"]) if sampling else DEFAULTS.temperature,
        top_k=int(settings["top_k"]) if sampling else DEFAULTS.top_k,
        top_p=float(settings["top_p"]) if sampling else DEFAULTS.top_p,
        seed=int(settings["seed"]) if sampling else DEFAULTS.seed,
        step=int(step),
        view=view,
        scenario=scenario,
    )


def dict_of_query(query: str) -> dict[str, str]:
    """A query string ("a=1&b=x%20y") as a dict of last values: how a link reads back (tests, rooms)."""
    from urllib.parse import parse_qsl

    return dict(parse_qsl(query, keep_blank_values=True))
