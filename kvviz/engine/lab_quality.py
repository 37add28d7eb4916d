"""The lab's two longer measurements on the real model: perplexity against memory, and paged prefix reuse.

Perplexity is teacher-forced over a shipped public-domain text: the first `prompt` tokens are read in
one pass with full attention, then the text is fed one token at a time through the policy's cache and
each next token's negative log-likelihood is summed. It measures the model on real text, not on its
own samples (a mistake of visual peers that flatters every policy).

The paged demo admits requests that share a system prompt into kvviz.cache.paged.BlockPool (vLLM's
block tables, prefix hashes, reference counts) and measures on the model what the shared blocks save:
prefilling every request whole, against prefilling the shared prefix once and then, per request,
only its own tokens on a copy of the prefix's cache.
"""

from __future__ import annotations

import copy
import math
import time

import torch

from kvviz.cache.paged import DEFAULT_BLOCK_SIZE, BlockPool
from kvviz.cache.specs import policy_from_spec
from kvviz.engine.models import LoadedModel, cache_keyword
from kvviz.engine.tracer import _Runner
from kvviz.errors import KvvizError
from kvviz.paths import ASSETS

TEXT_PATH = ASSETS / "texts" / "alice-ch1.txt"
MAX_PERPLEXITY_TOKENS = 512  # bounds one measurement (one forward pass per token per policy)


def text_ids(loaded: LoadedModel, limit: int | None = None) -> list[int]:
    ids = loaded.tokenizer(TEXT_PATH.read_text(encoding="utf-8"), add_special_tokens=False)["input_ids"]
    return ids[: limit or MAX_PERPLEXITY_TOKENS]


def perplexity(loaded: LoadedModel, ids: list[int], spec: str, prompt: int = 16) -> dict:
    """Teacher-forced perplexity of ids[prompt:] under one policy, and the peak bytes it held."""
    if not 1 <= prompt < len(ids) <= MAX_PERPLEXITY_TOKENS:
        raise KvvizError(key="errors.lab.perplexity_span", most=MAX_PERPLEXITY_TOKENS)
    runner = _Runner(loaded, "cached", policy_from_spec(spec))
    nll, peak, t0 = 0.0, 0, time.perf_counter()
    for t in range(prompt, len(ids)):
        fw = runner.forward(ids[:t])  # feeds only what the cache has not seen: the prompt, then one token
        nll -= float(torch.log_softmax(fw.logits.double(), -1)[ids[t]])
        peak = max(peak, sum(c.bytes for c in runner.cache_layers()))
    n = len(ids) - prompt
    return {"spec": spec, "tokens": n, "mean_nll": nll / n, "perplexity": math.exp(nll / n),
            "peak_cache_bytes": peak, "seconds": time.perf_counter() - t0}


def _prefill(model, ids: list[int], cache, start: int):
    """Feed ids[start:] into `cache` (holding ids[:start]); the last logits, wall and CPU milliseconds.

    CPU time of the calling thread is what the pass itself costs (torch on one thread runs there);
    wall time also counts waiting for a busy machine.
    """
    x = torch.tensor([ids[start:]])  # (1, n)
    pos = torch.arange(start, len(ids))[None]  # (1, n)
    t0, c0 = time.perf_counter(), time.thread_time()
    with torch.inference_mode():
        out = model(input_ids=x, position_ids=pos, use_cache=True, logits_to_keep=1, **{cache_keyword(model): cache})
    return out.logits[0, -1].float(), (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000


def paged_demo(loaded: LoadedModel, system: str, questions: list[str], block_size: int = DEFAULT_BLOCK_SIZE,
               repeats: int = 3) -> dict:
    """Requests = system prompt + each question: their blocks in one pool, and the prefill time shared blocks save."""
    from transformers import DynamicCache

    if not 1 <= len(questions) <= 8:
        raise KvvizError(key="errors.lab.paged_requests", most=8)
    tok, model, info = loaded.tokenizer, loaded.model, loaded.info
    prompts = [tok(system + q, add_special_tokens=False)["input_ids"] for q in questions]
    if max(len(p) for p in prompts) > 1024:
        raise KvvizError(key="errors.lab.paged_tokens", most=1024)
    pool = BlockPool(num_blocks=sum(len(p) // block_size + 2 for p in prompts) + 4, block_size=block_size)
    found = [pool.add(f"r{i}", p) for i, p in enumerate(prompts)]
    tables = {name: list(t) for name, t in pool.tables.items()}
    stats = pool.stats()
    # a second sample of request 0 (parallel sampling): every block shared, then each writes its own token
    pool.fork("r0", "r0b")
    pool.append("r0", prompts[0][-1])
    pool.append("r0b", prompts[0][-1])
    cow = pool.stats().copies_on_write
    per_token = 2 * info.num_layers * info.num_key_value_heads * info.head_dim * info.dtype_bytes
    shared = min(found[1:], default=0)  # tokens every later request found in the pool: a whole-block prefix
    whole_ms, reuse_ms, whole_cpu, reuse_cpu, worst = [], [], [], [], 0.0
    for _ in range(repeats):  # best of `repeats`: the machine is shared
        whole, reused = [0.0, 0.0], [0.0, 0.0]  # wall, CPU
        prefix_cache = DynamicCache(config=model.config)
        if shared:
            _, ms, cpu = _prefill(model, prompts[0][:shared], prefix_cache, 0)
            reused = [ms, cpu]
        for ids in prompts:
            full_logits, ms, cpu = _prefill(model, ids, DynamicCache(config=model.config), 0)
            whole = [whole[0] + ms, whole[1] + cpu]
            start = shared if shared and ids[:shared] == prompts[0][:shared] else 0
            t0, c0 = time.perf_counter(), time.thread_time()
            cache = copy.deepcopy(prefix_cache) if start else DynamicCache(config=model.config)  # the copy counts too
            copy_ms, copy_cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
            logits, ms, cpu = _prefill(model, ids, cache, start)
            reused = [reused[0] + ms + copy_ms, reused[1] + cpu + copy_cpu]
            worst = max(worst, float((logits - full_logits).abs().max()))
        whole_ms.append(whole[0])
        reuse_ms.append(reused[0])
        whole_cpu.append(whole[1])
        reuse_cpu.append(reused[1])
    return {
        "block_size": block_size,
        "requests": [{"tokens": len(p), "found_tokens": f, "blocks": tables[f"r{i}"]}
                     for i, (p, f) in enumerate(zip(prompts, found))],
        "blocks_used": stats.blocks_used,
        "blocks_if_unshared": stats.blocks_if_unshared,
        "shared_blocks": stats.shared_blocks,
        "bytes_per_block": per_token * block_size,
        "bytes_shared": stats.blocks_used * per_token * block_size,
        "bytes_unshared": stats.blocks_if_unshared * per_token * block_size,
        "copies_on_write_after_fork": cow,
        "shared_prefix_tokens": shared,
        "prefill_ms_whole": min(whole_ms),
        "prefill_ms_reusing_prefix": min(reuse_ms),
        "prefill_cpu_ms_whole": min(whole_cpu),
        "prefill_cpu_ms_reusing_prefix": min(reuse_cpu),
        "max_abs_logit_diff": worst,
    }
