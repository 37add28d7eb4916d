"""Step-by-step generation in two modes, recording what the cache holds after every step.

`cached`: prefill the prompt into a DynamicCache, then feed one new token per step.
`recompute`: the source article's naive loop, feeding the whole sequence again every step.
With compare=True the other mode runs alongside on the same tokens, so each step also
records the other mode's time and the max |logit difference| between the two (a step for which
compare_now() says no, on a crowded server, records neither).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from kvviz.cache.policy import CachePolicy
from kvviz.cache.specs import policy_from_spec
from kvviz.engine import attention, caps
from kvviz.engine.models import LoadedModel, cache_keyword, decoder_layers
from kvviz.engine.sampling import Sampling
from kvviz.engine.token_bytes import token_bytes
from kvviz.errors import KvvizError
from kvviz.trace_data import Candidate, LayerCache, Step, Trace


@dataclass
class _Forward:
    logits: torch.Tensor  # (vocab,) for the last position, fp32
    time_ms: float
    hidden_shape: list[int]  # [batch, seq, hidden] handed into block 0
    hidden_bytes: int
    attentions: dict[int, torch.Tensor]  # layer -> (heads, q, k): the prefill square, or the new row


class _Runner:
    """One decoding method. forward(ids) feeds what the method feeds and returns the last logits.

    Everything a run holds lives here (its cache, its recorder), never on the shared model.
    """

    def __init__(self, loaded: LoadedModel, mode: str, policy: CachePolicy | None = None):
        self.model = loaded.model
        self.mode = mode
        self.policy = policy if mode == "cached" else None
        self.cache = self.policy.make_cache(self.model, loaded.info) if self.policy else None
        self.fed = 0  # tokens already processed (original positions 0 .. fed - 1)
        self._kw = cache_keyword(self.model)
        self._blocks = decoder_layers(self.model)

    def forward(self, all_ids: list[int], attention_layers: list[int] = ()) -> _Forward:
        if self.mode == "cached":
            new = all_ids[self.fed :]
            # Explicit positions: after an eviction the cache holds fewer slots than positions seen,
            # and every token keeps its original (rotary or learned) position.
            positions = torch.arange(self.fed, len(all_ids)).unsqueeze(0)  # (1, n_fed)
            kwargs = {self._kw: self.cache, "use_cache": True, "position_ids": positions}
        else:
            new = all_ids
            kwargs = {"use_cache": False}
        input_ids = torch.tensor([new], dtype=torch.long)  # (1, n_fed)
        recorder = None
        observe = self.policy is not None and self.policy.needs_attention
        if attention_layers or observe:
            attention.install(self.model, self._blocks)
            hand_on = (lambda layer, w: self.policy.observe_attention(self.cache, layer, w)) if observe else None
            recorder = attention.Recorder(attention_layers, last_row=self.fed > 0, observe=hand_on)
        t0 = time.perf_counter()
        with torch.inference_mode(), attention.bound(recorder):
            # output_hidden_states=[0]: only what block 0 receives, not every block's output
            out = self.model(input_ids=input_ids, output_hidden_states=[0], logits_to_keep=1, **kwargs)
            if self.policy is not None:
                self.policy.after_step(self.cache)
        ms = (time.perf_counter() - t0) * 1000
        self.fed = len(all_ids)
        h0 = out.hidden_states[0]  # (1, n_fed, hidden): what block 0 receives, and every block hands on
        return _Forward(
            logits=out.logits[0, -1].float(),
            time_ms=ms,
            hidden_shape=list(h0.shape),
            hidden_bytes=h0.numel() * h0.element_size(),
            attentions=recorder.weights if recorder else {},
        )

    def cache_layers(self) -> list[LayerCache]:
        """What the policy reports it holds, layer by layer (its rule, its true bytes)."""
        if self.cache is None:
            return []
        return [
            LayerCache(key_shape=h.key_shape, value_shape=h.value_shape, bytes=h.bytes, dtype=h.dtype, held=h.spans)
            for h in self.policy.held(self.cache, self.fed)
        ]


class Tracer:
    """A steppable generation: call step() until done. The app keeps one per visitor."""

    def __init__(
        self,
        loaded: LoadedModel,
        prompt: str,
        max_new_tokens: int = 16,
        *,
        use_cache: bool = True,
        max_context: int | None = caps.APP_MAX_CONTEXT,
        sampling: Sampling | None = None,
        compare: bool = True,
        attention_layers: list[int] | str | None = None,
        measure_flops: bool = False,
        top_k_shown: int = 5,
        policy: str | CachePolicy | None = None,
        attention_budget: int | None = caps.ATTENTION_BUDGET_BYTES,
    ):
        """max_context and attention_budget bound one run's memory (caps.py; None: the model's own limit,
        no budget). policy: the cache policy of the cached mode ("full", "window:W" or a CachePolicy)."""
        self.loaded = loaded
        info = loaded.info
        self.sampling = sampling or Sampling()
        self.sampling.validate()
        if not isinstance(prompt, str) or not prompt.strip():
            raise KvvizError(key="errors.prompt_empty")
        if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens <= 0:
            raise KvvizError(key="errors.new_tokens")
        ids = loaded.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        if not ids:
            raise KvvizError(key="errors.no_tokens")
        caps.check_context(info, len(ids), max_new_tokens, max_context)
        self.mode = "cached" if use_cache else "recompute"
        self.policy = policy_from_spec(policy)
        if not use_cache and not self.policy.holds_all:
            raise KvvizError(key="errors.policy.needs_cache", spec=self.policy.spec)
        if self.policy.needs_attention and info.attn_implementation not in ("eager", ""):
            raise KvvizError(key="errors.policy.needs_eager", spec=self.policy.spec)
        self.attention_budget = caps.checked_budget(attention_budget)
        self.primary = _Runner(loaded, self.mode, self.policy)
        # The other mode runs alongside with transformers' own full cache: the reference.
        other = "recompute" if use_cache else "cached"
        self.shadow = _Runner(loaded, other, policy_from_spec("full")) if compare else None
        # Asked before each step whether to run the recompute pass this time: a crowded server says
        # no (kvviz.engine.runstore), and the step records no other time. The recompute mode holds no
        # state between steps, so skipping a step costs the later ones nothing.
        self.compare_now: Callable[[], bool] = lambda: True
        self.last_logits: torch.Tensor | None = None  # (vocab,) fp32: the last step's next-token logits
        self.measure_flops = measure_flops
        self.top_k_shown = top_k_shown
        self.ids: list[int] = list(ids)
        self._generator = torch.Generator().manual_seed(self.sampling.seed)
        self._eos = _eos_ids(loaded)
        self.trace = Trace(
            model=info,
            prompt_text=prompt,
            prompt_token_ids=list(ids),
            prompt_tokens=[loaded.tokenizer.decode([t]) for t in ids],
            prompt_token_bytes=[b.hex() for b in token_bytes(loaded.tokenizer, list(ids))],
            mode=self.mode,
            settings={
                "max_new_tokens": max_new_tokens,
                "temperature": self.sampling.temperature,
                "top_k": self.sampling.top_k,
                "top_p": self.sampling.top_p,
                "seed": self.sampling.seed,
                "compare": compare,
                "cache_policy": self.policy.spec if use_cache else None,
                # FlopCounterMode slows the pass it counts: times are then not representative
                "measure_flops": measure_flops,
            },
        )
        self.max_new_tokens = max_new_tokens
        self.record_attention(attention_layers)

    def record_attention(self, layers: list[int] | str | None) -> None:
        """Choose the layers whose attention weights the next steps record ("all", a list, or None)."""
        info = self.loaded.info
        if layers == "all":
            layers = list(range(info.num_layers))
        chosen = sorted(set(layers or []))
        bad = [i for i in chosen if not 0 <= i < info.num_layers]
        if bad:
            raise KvvizError(key="errors.no_layer", layer=bad[0], model=info.name, last=info.num_layers - 1)
        if chosen and info.attn_implementation not in ("eager", ""):
            raise KvvizError(key="errors.attention_needs_eager")
        caps.check_attention(info, len(chosen), len(self.trace.prompt_token_ids), self.max_new_tokens,
                             self.attention_budget)
        self.attention_layers = chosen
        self.trace.settings["attention_layers"] = chosen

    @property
    def done(self) -> bool:
        return self.trace.finish_reason is not None

    def step(self) -> Step | None:
        """Run one forward pass (prefill first, then one decode step) and record it."""
        if self.done:
            return None
        index = len(self.trace.steps)
        context = len(self.ids)
        # The two modes take turns going first, so that neither always pays for a busy machine.
        other = None
        shadow = self.shadow
        if shadow is not None and shadow.mode == "recompute" and not self.compare_now():
            shadow = None
        if shadow is not None and index % 2 == 1:
            other = shadow.forward(self.ids)
        meter = None
        if self.measure_flops:
            from kvviz.engine.measure import FlopMeter

            meter = FlopMeter()
            with meter:
                fw = self.primary.forward(self.ids, self.attention_layers)
        else:
            fw = self.primary.forward(self.ids, self.attention_layers)
        if shadow is not None and other is None:
            other = shadow.forward(self.ids)
        self.last_logits = fw.logits
        token_id, probs = self._choose(fw.logits)
        step = Step(
            index=index,
            phase="prefill" if index == 0 else "decode",
            input_length=fw.hidden_shape[1],
            context_length=context,
            token_id=token_id,
            token_text=self._token_text(token_id),
            token_bytes=token_bytes(self.loaded.tokenizer, [token_id])[0].hex(),
            top_k=self._top_k(probs),
            cache_layers=self.primary.cache_layers(),
            hidden_shape=fw.hidden_shape,
            hidden_bytes=fw.hidden_bytes,
            time_ms=round(fw.time_ms, 3),
        )
        step.cache_bytes = sum(c.bytes for c in step.cache_layers)
        if meter is not None:
            step.measured_flops = meter.groups()
        if other is not None:
            step.other_time_ms = round(other.time_ms, 3)
            step.max_abs_logit_diff = float((other.logits - fw.logits).abs().max())
            step.other_token_id = int(other.logits.argmax())
        for layer, a in fw.attentions.items():
            step.attention[layer] = a.float().numpy().copy()  # (heads, q, k)
        if self.policy.holds_all or self.mode != "cached":
            _annotate_flops(self.loaded.info, step)  # kvviz's cost model describes the full cache only
        self.trace.steps.append(step)
        self.ids.append(token_id)
        if token_id in self._eos:
            self.trace.finish_reason = "eos"
        elif len(self.trace.steps) >= self.max_new_tokens:
            self.trace.finish_reason = "max_new_tokens"
        return step

    def run(self) -> Trace:
        while not self.done:
            self.step()
        return self.trace

    def _choose(self, logits: torch.Tensor) -> tuple[int, torch.Tensor]:
        s = self.sampling
        if s.greedy:
            return int(logits.argmax()), torch.softmax(logits, -1)
        scaled = logits / s.temperature
        probs = torch.softmax(scaled, -1)
        keep = torch.ones_like(probs, dtype=torch.bool)
        if s.top_k:
            kth = torch.topk(probs, min(s.top_k, probs.numel())).values[-1]
            keep &= probs >= kth
        if s.top_p < 1:
            sorted_p, order = torch.sort(probs, descending=True)
            cum = torch.cumsum(sorted_p, 0)
            inside = (cum - sorted_p) < s.top_p  # keep the smallest prefix reaching top_p
            mask = torch.zeros_like(keep)
            mask[order[inside]] = True
            keep &= mask
        filtered = torch.where(keep, probs, torch.zeros_like(probs))
        filtered = filtered / filtered.sum()
        return int(torch.multinomial(filtered, 1, generator=self._generator)), probs

    def _top_k(self, probs: torch.Tensor) -> list[Candidate]:
        top = torch.topk(probs, min(self.top_k_shown, probs.numel()))
        tok = self.loaded.tokenizer
        ids = top.indices.tolist()
        raws = token_bytes(tok, ids)
        return [
            Candidate(int(i), tok.decode([int(i)]), round(float(p), 6), raw.hex())
            for p, i, raw in zip(top.values.tolist(), ids, raws)
        ]

    def _token_text(self, token_id: int) -> str:
        """Decode incrementally so that spaces and multi-byte characters come out as in the full text."""
        tok = self.loaded.tokenizer
        before = tok.decode(self.ids[len(self.trace.prompt_token_ids) :])
        after = tok.decode(self.ids[len(self.trace.prompt_token_ids) :] + [token_id])
        return after[len(before) :] if after.startswith(before) else tok.decode([token_id])


def _eos_ids(loaded: LoadedModel) -> set[int]:
    ids: set[int] = set()
    gc = getattr(loaded.model, "generation_config", None)
    for v in (getattr(gc, "eos_token_id", None), loaded.tokenizer.eos_token_id):
        if isinstance(v, int):
            ids.add(v)
        elif isinstance(v, (list, tuple)):
            ids.update(int(x) for x in v)
    return ids


def _annotate_flops(info, step: Step) -> None:
    """Store the cost model of both modes for this step (the ledger is pure arithmetic).

    The cache formula is checked against the real cache first: a model the cost model does
    not describe fails loudly instead of showing wrong figures.
    """
    from kvviz.analysis import ledger

    if step.cache_layers:
        predicted = ledger.cache_bytes(info, step.context_length)
        if predicted != step.cache_bytes:
            raise KvvizError(key="errors.model.cache_mismatch", model=info.name, predicted=predicted,
                             real=step.cache_bytes)
    step.flops = ledger.step_flops(info, step.phase, step.context_length)


def trace(
    loaded: LoadedModel,
    prompt: str,
    max_new_tokens: int = 16,
    use_cache: bool = True,
    **kwargs,
) -> Trace:
    """Generate max_new_tokens (or until end-of-sequence) and return the whole Trace."""
    return Tracer(loaded, prompt, max_new_tokens, use_cache=use_cache, **kwargs).run()
