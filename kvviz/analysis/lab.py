"""The cache lab's summaries: pure arithmetic over kvviz.lab/1 runs (numbers and stable keys, no words)."""

from __future__ import annotations

from kvviz.lab.data import LabPolicy, LabRun, LabStep

# Cell states of the layers x positions grid, as stable keys (kvviz.text names them).
EVICTED, HELD, SINK, QUANTIZED, NEW, FUTURE = "evicted", "held", "sink", "quantized", "new", "future"
CELL_STATES = (EVICTED, HELD, SINK, QUANTIZED, NEW, FUTURE)


def summarize(steps: list[LabStep], forced: bool, reference: list[int] | None = None) -> dict:
    """mean_kl, agreement, peak_cache_bytes, first_divergence (the first step whose own top-1 differs
    from the full cache's: in forced mode its agree flag, in free mode `reference`, the full cache's tokens)."""
    peak = max((s.cache_bytes for s in steps), default=0)
    if forced:
        kls = [s.kl for s in steps]
        agree = [s.agree for s in steps]
        first = next((i for i, a in enumerate(agree) if not a), None)
        return {
            "mean_kl": sum(kls) / len(kls) if kls else 0.0,
            "agreement": sum(agree) / len(agree) if agree else 1.0,
            "peak_cache_bytes": peak,
            "first_divergence": first,
        }
    ref = reference or []
    first = next((i for i, s in enumerate(steps) if i >= len(ref) or s.token_id != ref[i]), None)
    return {"mean_kl": None, "agreement": None, "peak_cache_bytes": peak, "first_divergence": first}


def tokens_per_second(policy: LabPolicy) -> float:
    """Decode steps per second of the policy's own forward passes (the prompt pass left out)."""
    decode = [s.time_ms for s in policy.steps[1:]]
    return 1000 * len(decode) / sum(decode) if decode and sum(decode) > 0 else 0.0


def spec_parts(spec: str) -> tuple[str, list[int]]:
    """"sinks:4:12" -> ("sinks", [4, 12]); "int4:g32:r8" -> ("int4", [32, 8])."""
    name, *rest = spec.split(":")
    return name, [int(p.lstrip("gr")) for p in rest if p.lstrip("gr").isdigit()]


def sinks_of(spec: str) -> int:
    name, numbers = spec_parts(spec)
    return numbers[0] if name == "sinks" and numbers else 0


def held_sets(step: LabStep) -> list[list[set[int]]]:
    """Per layer, per K/V head (one entry when every head holds the same), the positions held."""
    out = []
    for layer in step.kept_positions:
        if layer and isinstance(layer[0], list):
            out.append([set(h) for h in layer])
        else:
            out.append([set(layer)])
    return out


def grid(run: LabRun, policy: int, step: int, head: int = 0) -> list[list[str]]:
    """layers x positions cell states after `step` for one policy (`head`: which K/V head, per-head policies).

    Positions run over the whole context the run reaches; a position a step has not yet seen is FUTURE,
    the position fed at that step NEW, and a held position SINK / QUANTIZED / HELD by the policy's rule.
    """
    p = run.policies[policy]
    s = p.steps[step]
    prompt = len(run.prompt_token_ids)
    width = prompt + len(p.steps)
    seen = prompt + step  # positions 0 .. seen - 1 went through the model
    newest = range(0, prompt) if step == 0 else range(seen - 1, seen)
    sinks = sinks_of(p.spec)
    rows = []
    for li, heads in enumerate(held_sets(s)):
        held = heads[min(head, len(heads) - 1)]
        quant = s.quantized[li] if s.quantized else 0
        row = []
        for pos in range(width):
            if pos >= seen:
                row.append(FUTURE)
            elif pos not in held:
                row.append(EVICTED)
            elif pos < sinks:
                row.append(SINK)
            elif pos < quant:
                row.append(QUANTIZED)
            elif pos in newest:
                row.append(NEW)
            else:
                row.append(HELD)
        rows.append(row)
    return rows




def divergence_marks(policy: LabPolicy, reference: list[int]) -> list[bool]:
    """Per generated token: True from the first token that differs from `reference` on."""
    first = next((i for i, s in enumerate(policy.steps) if i >= len(reference) or s.token_id != reference[i]), None)
    return [first is not None and i >= first for i in range(len(policy.steps))]


# Policy families the page offers at one common budget of positions (the quantized ones hold every
# position: the budget is their full-precision residual, in groups of 16).
FAMILIES = ("window", "sinks", "h2o", "knorm", "int8", "int4")
SINK_POSITIONS = 4  # StreamingLLM's default


def spec_at_budget(family: str, budget: int) -> str:
    """The spec of `family` holding `budget` positions (sinks: 4 + the rest recent; h2o: half heavy hitters)."""
    if family == "window":
        return f"window:{budget}"
    if family == "sinks":
        sinks = min(SINK_POSITIONS, budget - 1)
        return f"sinks:{sinks}:{budget - sinks}"
    if family == "h2o":
        return f"h2o:{budget // 2}:{budget - budget // 2}"
    if family == "knorm":
        return f"knorm:{budget}"
    if family in ("int8", "int4"):
        return f"{family}:g16:r{budget}"
    raise ValueError(family)


def running_summary(run: LabRun, policy: int, upto: int, reference: list[int] | None = None) -> dict:
    """The summary of steps 0 .. upto (the page shows it while stepping; free mode: the full cache's tokens)."""
    steps = run.policies[policy].steps[: upto + 1]
    return summarize(steps, run.mode == "forced", reference)
