"""What the cache-policy tests share: one run's tokens and every step's next-token logits."""

import torch

from kvviz.engine.tracer import Tracer

PROMPT = "The cache grows by one token at every step"  # 9 tokens on the tiny models' tokenizer


def run_logits(loaded, steps: int, **kw):
    """The tracer's tokens, every step's next-token logits, and the steps."""
    tracer = Tracer(loaded, PROMPT, steps, compare=False, **kw)
    logits = []
    while not tracer.done:
        tracer.step()
        logits.append(tracer.last_logits.clone())
    return tracer, torch.stack(logits)  # (steps, vocab)
