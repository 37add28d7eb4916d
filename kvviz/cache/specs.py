"""Cache policies by name, as spelled on the command line and in the app: "full", "window:W"."""

from __future__ import annotations

from kvviz.cache import lab_specs
from kvviz.cache.policy import CachePolicy
from kvviz.errors import KvvizError

SPELLINGS = ("full", "window:W", *lab_specs.SPELLINGS)


def policy_from_spec(spec: str | CachePolicy | None) -> CachePolicy:
    """A fresh policy for one run. Accepts a spec string, a policy, or None (the full cache)."""
    from kvviz.cache.full import FullCache
    from kvviz.cache.window import WindowCache

    if spec is None:
        return FullCache()
    if isinstance(spec, CachePolicy):
        return spec
    if not isinstance(spec, str):
        raise KvvizError(key="errors.policy.not_text", spellings=", ".join(SPELLINGS), got=type(spec).__name__)
    name, _, rest = spec.strip().partition(":")
    if name == "full" and not rest:
        return FullCache()
    if name == "window" and rest.isdigit() and len(rest) <= 9:
        return WindowCache(int(rest))
    found = lab_specs.parse(name, rest)
    if found is not None:
        return found
    raise KvvizError(key="errors.policy.unknown", spec=repr(spec[:40]), spellings=", ".join(SPELLINGS))
