"""The cache lab's runner: one prompt, several cache policies side by side, step by step.

Two honest ways to measure what a policy costs in quality (issue 11):
- forced (teacher-forced): every policy is fed the same tokens, the full cache's greedy
  continuation; each step records the policy's own top-1, whether it agrees with the full cache's,
  and KL(full || policy) of the next-token distribution;
- free: each policy feeds its own top-1 and writes its own text; the summary says where it first
  leaves the full cache's text.
A run is a fixed number of steps (an end-of-sequence token does not stop it): a lab compares
policies on equal terms. The full cache runs alongside as the reference; a `full` policy in the
list shares the reference's passes. Every run's state lives in its own caches, never on the model.
"""

from __future__ import annotations

import torch

from kvviz.analysis.lab import summarize
from kvviz.cache.specs import policy_from_spec
from kvviz.engine import caps
from kvviz.engine.models import LoadedModel
from kvviz.engine.tracer import _Runner
from kvviz.errors import KvvizError
from kvviz.lab.data import MAX_POLICIES, MODES, LabPolicy, LabRun, LabStep


def kl_full_policy(full: torch.Tensor, policy: torch.Tensor) -> float:
    """KL(full || policy) in nats of two next-token distributions given as logits (vocab,)."""
    p = torch.log_softmax(full.double(), -1)
    q = torch.log_softmax(policy.double(), -1)
    return max(0.0, float((p.exp() * (p - q)).sum()))


def kept_positions(layers, per_head: bool) -> list:
    """Per layer (LayerCache) the original positions held (per K/V head for per-head policies)."""
    out = []
    for layer in layers:
        heads = [[p for a, b in head for p in range(a, b)] for head in layer.held]
        out.append(heads if per_head else heads[0])
    return out


class LabRunner:
    """Steps the full cache and every policy together; step() until done, then .run_data."""

    def __init__(self, loaded: LoadedModel, prompt: str, max_new_tokens: int, policies: list[str],
                 mode: str = "forced", max_context: int | None = caps.APP_MAX_CONTEXT):
        if mode not in MODES:
            raise KvvizError(key="errors.lab.mode", got=repr(str(mode)[:20]))
        if not policies or len(policies) > MAX_POLICIES:
            raise KvvizError(key="errors.lab.policies", most=MAX_POLICIES)
        if not isinstance(prompt, str) or not prompt.strip():
            raise KvvizError(key="errors.prompt_empty")
        if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens < 1:
            raise KvvizError(key="errors.new_tokens")
        ids = loaded.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        if not ids:
            raise KvvizError(key="errors.no_tokens")
        limit = min(x for x in (max_context, loaded.info.max_position_embeddings) if x) if (
            max_context or loaded.info.max_position_embeddings) else 0
        if limit and len(ids) + max_new_tokens > limit:
            raise KvvizError(key="errors.run_too_long", prompt=len(ids), new=max_new_tokens, limit=limit,
                             most=max(0, limit - len(ids)))
        self.loaded = loaded
        self.forced = mode == "forced"
        self.max_new_tokens = max_new_tokens
        self.policies = [policy_from_spec(s) for s in policies]
        info = loaded.info
        for p in self.policies:
            if p.needs_attention and info.attn_implementation not in ("eager", ""):
                raise KvvizError(key="errors.policy.needs_eager", spec=p.spec)
        self.reference = _Runner(loaded, "cached", policy_from_spec("full"))
        self.runners = [None if p.holds_all else _Runner(loaded, "cached", p) for p in self.policies]
        self.prompt_ids = list(ids)
        self.ref_ids = list(ids)  # the full cache's own sequence
        self.ids = [list(ids) for _ in self.policies]  # what each policy has been fed (forced: all the same)
        self.ref_tokens: list[int] = []
        self.run_data = LabRun(info, prompt, list(ids), mode, [LabPolicy(p.spec) for p in self.policies])

    @property
    def done(self) -> bool:
        return len(self.ref_tokens) >= self.max_new_tokens

    def step(self) -> None:
        """One step for the full cache and every policy (the prompt pass first, then one token each)."""
        if self.done:
            return
        tok = self.loaded.tokenizer
        ref = self.reference.forward(self.ref_ids)
        ref_top = int(ref.logits.argmax())
        for policy, runner, ids, lp in zip(self.policies, self.runners, self.ids, self.run_data.policies):
            fw = ref if runner is None else runner.forward(ids)
            own = int(fw.logits.argmax())
            fed = ref_top if self.forced else own
            quantized = getattr(policy, "quantized_positions", None)
            source = self.reference if runner is None else runner
            layers = source.cache_layers()  # what the policy reports it holds: positions and true bytes
            lp.steps.append(LabStep(
                token_id=own,
                fed_token_id=fed,
                cache_bytes=sum(c.bytes for c in layers),
                kept_positions=kept_positions(layers, getattr(policy, "per_head", False)),
                kl=kl_full_policy(ref.logits, fw.logits) if self.forced else None,
                agree=(own == ref_top) if self.forced else None,
                time_ms=round(fw.time_ms, 3),
                quantized=quantized(source.cache) if quantized else None,
                token_text=tok.decode([own]),
            ))
            ids.append(fed)
        self.ref_tokens.append(ref_top)
        self.ref_ids.append(ref_top)
        if self.done:
            for lp in self.run_data.policies:
                lp.summary = summarize(lp.steps, self.forced, self.ref_tokens)

    def run(self) -> LabRun:
        while not self.done:
            self.step()
        return self.run_data


def run_lab(loaded: LoadedModel, prompt: str, max_new_tokens: int, policies: list[str], mode: str = "forced",
            **kwargs) -> LabRun:
    """The whole lab run at once (the CLI's and the benchmark's entry)."""
    return LabRunner(loaded, prompt, max_new_tokens, policies, mode, **kwargs).run()
