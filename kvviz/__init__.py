"""kvviz: see what the KV cache stores, saves and costs, on a real model, one token at a time.

Public API (the app and the CLI use the same):
    loaded = kvviz.load_model()                 # built-in SmolLM2-135M; or a hub id / folder
    tr = kvviz.trace(loaded, "Lionel Messi is a", max_new_tokens=16)
    tracer = kvviz.Tracer(loaded, prompt, 16)   # steppable: tracer.step() until tracer.done
    text = tr.to_json(); kvviz.Trace.from_json(text)
"""

from kvviz.errors import KvvizError
from kvviz.trace_data import SCHEMA, Candidate, LayerCache, ModelInfo, Step, Trace

__all__ = [
    "KvvizError", "SCHEMA", "Candidate", "LayerCache", "ModelInfo", "Step", "Trace",
    "LoadedModel", "load_model", "Tracer", "Sampling", "trace",
]


def __getattr__(name):
    # torch and transformers load only when the engine is used, so `kvviz.Trace` stays light.
    if name in ("LoadedModel", "load_model"):
        from kvviz.engine import models

        return getattr(models, name)
    if name in ("Tracer", "Sampling", "trace"):
        from kvviz.engine import tracer

        return getattr(tracer, name)
    raise AttributeError(name)
