"""Time one decode step with and without the KV cache, and the floor the memory sets under it.

For each context length n, on one model, one sequence (batch 1):
    cached     the model's own loop: DynamicCache holding n tokens, one new token per forward, eager PyTorch
    recompute  no cache: the whole sequence of n + 1 tokens through the model for each new token
    compiled   (CUDA only) StaticCache sized n + a few, the step under torch.compile(mode="reduce-overhead"),
               i.e. replayed as a CUDA graph: the same arithmetic, without Python and launch overhead
    floor      weights + cache read once at this machine's measured read bandwidth (analysis.floor)
The bandwidth comes from a probe on the same machine (a large tensor summed: bytes read / time).
Speed does not depend on the weights' values, so published shapes run with random weights.
Results are plain dicts (JSON-ready); benchmarks/speed.py prints them, the Speed page charts them.
"""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from kvviz.analysis.floor import step_floor_seconds, weight_bytes_read

SCHEMA = "kvviz.speed/1"
MODES = ("cached", "recompute", "compiled")
# One measurement at a time in this process: a live run on a shared server must not overlap another.
MEASURE_LOCK = threading.Lock()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(fn: Callable[[], Any], device: torch.device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - t0


def probe_read_bandwidth(device: torch.device, nbytes: int, reps: int = 10) -> dict[str, Any]:
    """Bytes per second this machine reads from memory: a large fp32 tensor summed, `reps` times.

    A sum reads every byte once and writes one number, like a decode step reads its weights.
    The best run is the floor's rate (a floor should not be raised by a noisy neighbour); the median
    and a copy's rate (read + write counted) are recorded beside it.
    """
    n = max(1, nbytes // 4)
    x = torch.randn(n, device=device, dtype=torch.float32)  # (n,) random, never zeros
    y = torch.empty_like(x)
    x.sum()
    y.copy_(x)  # warm-up: kernels loaded, pages touched
    reads = [_timed(lambda: x.sum(), device) for _ in range(reps)]
    copies = [_timed(lambda: y.copy_(x), device) for _ in range(max(3, reps // 2))]
    size = n * 4
    out = {
        "method": "sum of a float32 tensor (bytes read / time); copy counts bytes read + written",
        "probe_bytes": size,
        "reps": reps,
        "read_bytes_per_s": size / min(reads),
        "read_bytes_per_s_median": size / statistics.median(reads),
        "copy_bytes_per_s": 2 * size / min(copies),
    }
    return out


def weight_bytes(model) -> dict[str, Any]:
    """Bytes of the weights held and of those one decode step reads (analysis.floor.weight_bytes_read)."""
    params = sum(p.numel() * p.element_size() for p in model.parameters())  # shared tensors once
    emb = model.get_input_embeddings().weight  # (vocab, hidden)
    head = model.get_output_embeddings()
    tied = head is not None and head.weight is emb  # the same Parameter when tied
    row = emb.shape[1] * emb.element_size()
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "weight_bytes": params,
        "embedding_bytes": emb.numel() * emb.element_size(),
        "tied_embeddings": bool(tied),
        "weight_bytes_read_per_step": weight_bytes_read(params, emb.numel() * emb.element_size(), tied, row),
    }


def cache_bytes(cache) -> int:
    """Bytes held in a transformers cache's key and value tensors (all layers)."""
    total = 0
    for layer in getattr(cache, "layers", []):
        for t in (getattr(layer, "keys", None), getattr(layer, "values", None)):
            if isinstance(t, torch.Tensor):
                total += t.numel() * t.element_size()
    return total


def _ids(vocab: int, n: int, device: torch.device, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (1, n), generator=g).to(device)  # (1, n)


def _median_ms(seconds: list[float]) -> float:
    return 1000.0 * statistics.median(seconds)


@torch.inference_mode()
def _prefill(model, ids: torch.Tensor):
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    out = model(input_ids=ids, cache=cache, use_cache=True, logits_to_keep=1)
    return out.cache if getattr(out, "cache", None) is not None else cache


@torch.inference_mode()
def _cached_steps(model, cache, start: int, tok: torch.Tensor, steps: int, warmup: int, device,
                  count_ops: bool = False) -> tuple[list[float], int | None]:
    """Decode steps on a DynamicCache that already holds `start` tokens; (seconds per timed step, ops).

    With count_ops, one more step runs under an operation counter: how many aten operations (each a
    kernel launch or a view) the eager step dispatches from Python.
    """
    positions = [torch.tensor([[start + i]], device=device) for i in range(warmup + steps + 1)]  # (1, 1)
    times = []

    def step(i):
        nonlocal tok
        out = model(input_ids=tok, position_ids=positions[i], cache=cache, use_cache=True, logits_to_keep=1)
        tok = out.logits[:, -1:].argmax(-1)  # (1, 1): greedy, stays on the device

    for i in range(warmup + steps):
        dt = _timed(lambda i=i: step(i), device)
        if i >= warmup:
            times.append(dt)
    ops = None
    if count_ops:
        with _OpCounter() as counter:
            step(warmup + steps)
        ops = counter.n
    return times, ops


class _OpCounter(TorchDispatchMode):
    """Counts the aten operations dispatched inside it (device-agnostic)."""

    def __init__(self):
        super().__init__()
        self.n = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.n += 1
        return func(*args, **(kwargs or {}))


def probe_op_overhead(device: torch.device, ops: int = 2000) -> float:
    """Seconds per tiny operation issued back to back: the host's cost of one launch, arithmetic ~0."""
    x = torch.ones(1, device=device)
    for _ in range(100):
        x.add_(1)
    _sync(device)

    def many():
        for _ in range(ops):
            x.add_(1)

    return min(_timed(many, device) for _ in range(3)) / ops


@torch.inference_mode()
def _recompute(model, ids: torch.Tensor, reps: int, warmup: int, device, budget_s: float) -> list[float]:
    """The whole sequence, no cache, for one new token; seconds per forward."""
    times: list[float] = []
    for i in range(warmup + reps):
        dt = _timed(lambda: model(input_ids=ids, use_cache=False, logits_to_keep=1), device)
        if i >= warmup:
            times.append(dt)
            if sum(times) > budget_s:  # long contexts: fewer repeats, each one is long
                break
    return times


def _static_from(model, dyn_cache, n: int, room: int):
    """A StaticCache of n + room positions holding the dynamic cache's first n tokens."""
    from transformers import StaticCache

    static = StaticCache(config=model.config, max_cache_len=n + room)
    with torch.inference_mode():
        for i, layer in enumerate(dyn_cache.layers):
            static.update(layer.keys[:, :, :n].clone(), layer.values[:, :, :n].clone(), i)
    return static


def _compiled_steps(model, static, start: int, tok, steps: int, warmup: int, device) -> dict[str, float]:
    """Decode steps under torch.compile(mode='reduce-overhead') (CUDA graphs), two ways.

    synced: one step, wait for it, time it (what a loop that looks at each token on the host sees);
    pipelined: `steps` steps queued back to back, one wait at the end (the next token never leaves
    the GPU, so the host prepares step i+1 while the GPU runs step i): the GPU's own time per step.
    """
    torch._dynamo.reset()
    compiled = torch.compile(model, mode="reduce-overhead", fullgraph=False)
    total = warmup + 2 * steps
    positions = [torch.tensor([[start + i]], device=device) for i in range(total)]  # (1, 1) each
    times, compile_s = [], 0.0
    with torch.inference_mode():
        # an inference tensor with the strides of every later one: no recompile at step 2
        tok = tok.clone(memory_format=torch.contiguous_format)

        def step(i):
            nonlocal tok
            torch.compiler.cudagraph_mark_step_begin()
            out = compiled(input_ids=tok, position_ids=positions[i], cache=static, use_cache=True, logits_to_keep=1)
            tok = out.logits[:, -1:].argmax(-1).clone()  # (1, 1): out of the graph's pool

        for i in range(warmup + steps):
            dt = _timed(lambda i=i: step(i), device)
            if i < warmup:
                compile_s += dt
            else:
                times.append(dt)
        pipelined = _timed(lambda: [step(i) for i in range(warmup + steps, total)], device) / steps
    return {"compiled_ms": _median_ms(times), "compiled_ms_min": 1000.0 * min(times),
            "compiled_pipelined_ms": 1000.0 * pipelined, "compile_s": compile_s}


def measure_context(
    model, n: int, *, device: torch.device, modes: tuple[str, ...], steps: int, warmup: int,
    bandwidth: float, weights_read: int, budget_s: float = 30.0, seed: int = 0, count_ops: bool = False,
) -> dict[str, Any]:
    """One context length: each mode's median ms per step, the cache's bytes and the floor."""
    vocab = model.get_input_embeddings().weight.shape[0]
    ids = _ids(vocab, n + 1, device, seed)  # (1, n + 1): n in the cache, then one new token
    point: dict[str, Any] = {"context": n, "errors": {}}
    if "recompute" in modes:
        try:
            t = _recompute(model, ids, reps=max(1, steps // 4), warmup=1 if n <= 8192 else 0,
                           device=device, budget_s=budget_s)
            point["recompute_ms"], point["recompute_reps"] = _median_ms(t), len(t)
        except torch.OutOfMemoryError as e:
            point["errors"]["recompute"] = f"out of memory: {str(e)[:200]}"
        _free(device)
    dyn = _prefill(model, ids[:, :n])
    point["cache_bytes"] = cache_bytes(dyn)  # n tokens; the step adds one
    point["floor_ms"] = 1000.0 * step_floor_seconds(weights_read, point["cache_bytes"], bandwidth)
    static = None
    compiled_warmup = max(warmup, 3)  # compile, then CUDA-graph warm-up and recording
    if "compiled" in modes:
        try:
            static = _static_from(model, dyn, n, room=compiled_warmup + 2 * steps + 1)
        except Exception as e:
            point["errors"]["compiled"] = f"{type(e).__name__}: {str(e)[:300]}"
    if "cached" in modes:
        t, ops = _cached_steps(model, dyn, n, ids[:, n:], steps, warmup, device, count_ops=count_ops)
        if ops is not None:
            point["eager_step_aten_ops"] = ops
        point["cached_ms"] = _median_ms(t)
        point["cached_ms_min"] = 1000.0 * min(t)
    del dyn
    _free(device)
    if static is not None:
        try:
            point.update(_compiled_steps(model, static, n, ids[:, n:], steps, compiled_warmup, device))
        except Exception as e:
            point["errors"]["compiled"] = f"{type(e).__name__}: {str(e)[:300]}"
        del static
        torch._dynamo.reset()
        _free(device)
    for mode in ("cached", "recompute", "compiled", "compiled_pipelined"):
        if f"{mode}_ms" in point:
            point[f"{mode}_tokens_per_s"] = 1000.0 / point[f"{mode}_ms"]
    return point


def _free(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()


def environment(device: torch.device) -> dict[str, Any]:
    """Hardware and library versions, recorded with every run."""
    import transformers

    hw: dict[str, Any] = {
        "device": device.type,
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
    }
    try:
        hw["load_average"] = list(os.getloadavg())
    except OSError:
        pass
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        hw.update(gpu=props.name, gpu_memory_bytes=int(props.total_memory),
                  gpu_multiprocessors=int(props.multi_processor_count))
    versions = {"python": platform.python_version(), "torch": torch.__version__,
                "transformers": transformers.__version__}
    if device.type == "cuda":
        versions["cuda"] = torch.version.cuda
    env = {k: v for k, v in sorted(os.environ.items()) if k.startswith(("TRANSFORMERS_SDPA", "TORCHINDUCTOR_"))}
    return {"hardware": hw, "versions": versions, "env": env}


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def model_shape(model) -> dict[str, Any]:
    cfg = model.config
    heads = getattr(cfg, "num_attention_heads", None)
    return {
        "model_type": getattr(cfg, "model_type", ""),
        "layers": getattr(cfg, "num_hidden_layers", None),
        "hidden_size": getattr(cfg, "hidden_size", None),
        "attention_heads": heads,
        "kv_heads": getattr(cfg, "num_key_value_heads", heads),
        "dtype": str(next(model.parameters()).dtype).replace("torch.", ""),
        "attn_implementation": str(getattr(cfg, "_attn_implementation", "") or ""),
    }


def run(
    model, contexts: list[int], *, name: str, device: str | torch.device = "cpu",
    modes: tuple[str, ...] = ("cached", "recompute"), steps: int = 8, warmup: int = 2,
    probe_bytes: int = 256 * 2**20, budget_s: float = 30.0, command: str = "",
    on_point: Callable[[dict[str, Any]], None] | None = None, compile_contexts: list[int] | None = None,
) -> dict[str, Any]:
    """Measure every context in `contexts` (ascending), side by side in one run; a JSON-ready dict.

    `on_point(result)` is called after each context with the result so far (to save partial runs).
    `compile_contexts` limits the compiled mode (each context compiles anew) to those lengths.
    Waits for any other measurement in this process to finish first.
    """
    with MEASURE_LOCK:
        return _run(model, contexts, name=name, device=device, modes=modes, steps=steps, warmup=warmup,
                    probe_bytes=probe_bytes, budget_s=budget_s, command=command, on_point=on_point,
                    compile_contexts=compile_contexts)


# The live measurement a web page may start: small, bounded, one at a time per process.
LIVE_CONTEXTS = (16, 64, 256)


def run_live(model, name: str) -> dict[str, Any] | None:
    """A few seconds on the CPU: cached and recompute at LIVE_CONTEXTS. None if one is already running."""
    if not MEASURE_LOCK.acquire(blocking=False):
        return None
    try:
        return _run(model, list(LIVE_CONTEXTS), name=name, device="cpu", modes=("cached", "recompute"),
                    steps=4, warmup=1, probe_bytes=64 * 2**20, budget_s=3.0, command="kvviz.engine.speed.run_live")
    finally:
        MEASURE_LOCK.release()


def _run(model, contexts, *, name, device, modes, steps, warmup, probe_bytes, budget_s, command, on_point=None,
         compile_contexts=None) -> dict[str, Any]:
    device = torch.device(device)
    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError(f"unknown modes {sorted(unknown)}")
    if "compiled" in modes and device.type != "cuda":
        modes = tuple(m for m in modes if m != "compiled")  # CUDA graphs need a GPU
    model.eval()
    w = weight_bytes(model)
    result: dict[str, Any] = {
        "schema": SCHEMA, "command": command, "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": {"name": name, **model_shape(model), **w},
        **environment(device),
        "settings": {"modes": list(modes), "steps": steps, "warmup": warmup, "batch": 1},
    }
    result["bandwidth"] = probe_read_bandwidth(device, probe_bytes)
    result["overhead"] = {"tiny_op_us": 1e6 * probe_op_overhead(device),
                          "method": "x.add_(1) on a 1-element tensor, 2000 issued back to back, best of 3"}
    bw = result["bandwidth"]["read_bytes_per_s"]
    result["points"] = []
    for n in sorted(contexts):
        m = modes if (compile_contexts is None or n in compile_contexts) else tuple(
            x for x in modes if x != "compiled")
        result["points"].append(measure_context(
            model, n, device=device, modes=m, steps=steps, warmup=warmup, bandwidth=bw,
            weights_read=w["weight_bytes_read_per_step"], budget_s=budget_s, count_ops=not result["points"]))
        if on_point:
            on_point(result)
    return result


def build_random_model(config: dict[str, Any], dtype: str = "bfloat16", device: str = "cuda"):
    """A model of a published shape with random weights (no download): transformers' from_config."""
    from transformers import AutoConfig, AutoModelForCausalLM

    cfg = dict(config)
    model_type = cfg.pop("model_type")
    hf_config = AutoConfig.for_model(model_type, **cfg)
    torch_dtype = getattr(torch, dtype)
    torch.manual_seed(0)
    try:  # initialised where it will run: 8B random weights in seconds on a GPU
        with torch.device(device):
            model = AutoModelForCausalLM.from_config(hf_config, dtype=torch_dtype, attn_implementation="sdpa")
    except (RuntimeError, NotImplementedError):
        model = AutoModelForCausalLM.from_config(hf_config, dtype=torch_dtype, attn_implementation="sdpa").to(device)
    return model.eval()
