"""Which models a visitor may ask for: the source policy, decided before anything is loaded.

On a laptop any hub id or folder is fine: the visitor owns the machine. On a hosted server a
typed folder path is a question about the server's disk, so answering "no such folder" for one
path and "not a model folder" for another tells a stranger what exists there. So:

    KVVIZ_ALLOW_OTHER_MODELS=0   the built-in model and the page's presets only; anything else gets
                                 one message, and the disk is not consulted
    KVVIZ_MODEL_DIRS=/a:/b       folders must lie inside one of these (after resolving "..", "~"
                                 and symlinks) and hold a config.json; a folder that is missing,
                                 outside, or not a model gets the same message. A folder is
                                 written as a path ("./m", "/srv/m"); "owner/name" is a hub id
    neither                      any hub id or folder (local use)

Call `model_source(name, presets)` and hand what it returns to `load_model`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kvviz.errors import KvvizError

ALLOW_OTHER_ENV = "KVVIZ_ALLOW_OTHER_MODELS"
MODEL_DIRS_ENV = "KVVIZ_MODEL_DIRS"
BUILTIN_ALIASES = ("", "builtin", "SmolLM2-135M-Instruct")  # kvviz.engine.models.BUILTIN_NAME
# A hub id: "name" or "owner/name", letters, digits, '.', '_', '-' (huggingface_hub's repo id rule)
HUB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?")
MAX_NAME = 1000
# The refusals' text keys (kvviz.text): one answer whatever the disk holds, so no folder is revealed.
ONLY_PRESETS = "errors.source.only_presets"
NOT_OFFERED = "errors.source.not_offered"


@dataclass(frozen=True)
class SourcePolicy:
    """What this server lets visitors load, read from the environment once per call."""

    allow_other: bool = True
    model_dirs: tuple[str, ...] = ()  # resolved folders; empty: any folder

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SourcePolicy:
        env = os.environ if environ is None else environ
        dirs = tuple(os.path.realpath(os.path.expanduser(d)) for d in env.get(MODEL_DIRS_ENV, "").split(os.pathsep)
                     if d.strip())
        return cls(allow_other=env.get(ALLOW_OTHER_ENV, "1").strip() != "0", model_dirs=dirs)


def model_source(name: str | None, presets: Iterable[str] = (), policy: SourcePolicy | None = None) -> str | None:
    """The source to hand to load_model (None: the built-in model), or one KvvizError.

    `presets` are the hub ids the page lists; they are always allowed.
    """
    policy = policy or SourcePolicy.from_env()
    text = "" if name is None else str(name).strip()
    if text in BUILTIN_ALIASES:
        return None
    if text in set(presets):
        return text
    if not policy.allow_other:
        raise KvvizError(key=ONLY_PRESETS)
    if len(text) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise KvvizError(key="errors.source.not_a_name")
    if is_hub_id(text):  # decided by its shape alone: the disk is not consulted
        return text
    if policy.model_dirs:
        return _allowed_folder(text, policy.model_dirs)
    return text


def is_hub_id(text: str) -> bool:
    """Shaped like a hub id (not a path: no leading '.', '/' or '~', at most one '/')."""
    return bool(HUB_ID.fullmatch(text))


def _allowed_folder(text: str, roots: tuple[str, ...]) -> str:
    """The resolved folder if it lies inside a root and holds a config.json; one message otherwise."""
    real = os.path.realpath(os.path.expanduser(text))
    inside = any(os.path.commonpath([real, root]) == root for root in roots)
    if not inside or not os.path.isfile(os.path.join(real, "config.json")):
        raise KvvizError(key=NOT_OFFERED, name=repr(text[:200]))
    return real
