"""The cost model's sizes, read from the loaded model's weight matrices.

Config keys differ between families (`intermediate_size`, `n_inner`, `ffn_dim`,
`ffn_hidden_size`, a `multi_query` flag, a `4 x hidden` nobody wrote down); the weight
shapes do not. So every size the cost model multiplies by comes from the modules, and
the config is only a cross-check whose disagreements are recorded by key.

Each matrix in a block is given a role with the same rule the FLOP meter uses to group
what it measures (measure.classify), so the two sides cannot drift apart:
    q_proj / kv_proj / qkv_proj (fused) / o_proj  -> attention projections
    mlp                                           -> the MLP's matrices
A matrix kvviz cannot place, a block unlike the others, or a matrix outside the blocks
other than the LM head (e.g. OPT's project_in / project_out) raises KvvizError naming it:
a figure kvviz cannot derive is not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from kvviz.engine.measure import classify
from kvviz.errors import KvvizError

_ATTN_ROLES = ("q_proj", "kv_proj", "qkv_proj", "o_proj")


@dataclass
class Dims:
    """Plain numbers for ModelInfo: what one block and the LM head multiply."""

    hidden_size: int
    num_attention_heads: int  # from the config: weights cannot tell how Q is cut into heads
    num_key_value_heads: int
    head_dim: int
    intermediate_size: int  # the MLP's inner width (the down projection's input)
    mlp_matrices: int  # hidden x inner matrices per block: 3 gated (gate, up, down), 2 plain
    mlp_kind: str  # "gated" or "plain"
    fused_qkv: bool
    vocab_size: int  # the LM head's rows: the logits really computed
    bias_parameters: int  # bias elements on the projections, MLPs and LM head (they count in bytes)
    config_mismatch: list[str] = field(default_factory=list)  # config keys the modules contradict


def _in_out(module: nn.Module) -> tuple[int, int] | None:
    """(in, out) of a matmul layer, or None when the module holds no 2-D weight of its own."""
    w = getattr(module, "weight", None)
    if not isinstance(w, nn.Parameter) or w.dim() != 2 or isinstance(module, nn.Embedding):
        return None
    if isinstance(module, nn.Linear):  # weight (out, in)
        return module.in_features, module.out_features
    if type(module).__name__ == "Conv1D" and hasattr(module, "nf"):  # GPT-2 style, weight (in, out)
        return int(w.shape[0]), int(w.shape[1])
    return -1, -1  # a 2-D weight kvviz does not know how to multiply


def _bias(module: nn.Module) -> int:
    b = getattr(module, "bias", None)
    return b.numel() if isinstance(b, nn.Parameter) else 0


def _block_matrices(block: nn.Module, prefix: str) -> tuple[dict[str, list[tuple[int, int]]], int]:
    """Role -> [(in, out), ...] for one block's matmul layers, in module order, and its bias elements."""
    roles: dict[str, list[tuple[int, int]]] = {}
    biases = 0
    for name, mod in block.named_modules():
        shape = _in_out(mod)
        if shape is None:
            continue
        path = f"{prefix}.{name}"
        role = classify(path)
        if shape == (-1, -1) or role not in _ATTN_ROLES + ("mlp",):
            raise KvvizError(key="errors.dims.module", module=path.split(".", 1)[-1], kind=type(mod).__name__)
        roles.setdefault(role, []).append(shape)
        biases += _bias(mod)
    return roles, biases


def read_dims(model, layers: nn.ModuleList) -> Dims:
    """Read the sizes from `model`'s blocks (`layers`) and LM head; cross-check the config."""
    cfg = model.config.get_text_config(decoder=True)
    root = type(model).__name__
    paths = {id(m): n for n, m in model.named_modules()}
    blocks = [_block_matrices(b, f"{root}.{paths[id(b)]}") for b in layers]
    first, _ = blocks[0]
    for i, (roles, _) in enumerate(blocks[1:], start=1):
        if roles != first:
            raise KvvizError(key="errors.dims.uneven_blocks", block=i)
    heads = int(cfg.num_attention_heads)
    hidden, q_dim, kv_dim, o_in, fused = _attention(first, cfg, heads)
    head_dim = _head_dim(cfg, heads, hidden, q_dim, fused)
    if q_dim != heads * head_dim or o_in != q_dim:
        raise KvvizError(key="errors.dims.attention", q=q_dim, o_in=o_in, heads=heads, head_dim=head_dim)
    if kv_dim % head_dim or heads % (kv_dim // head_dim or 1) or kv_dim == 0:
        raise KvvizError(key="errors.dims.kv_width", width=kv_dim, head_dim=head_dim)
    kv_heads = kv_dim // head_dim
    inter, mats = _mlp(first.get("mlp", []), hidden)
    vocab, head_bias = _lm_head(model, hidden, root, paths, layers)
    dims = Dims(
        hidden_size=hidden,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        head_dim=head_dim,
        intermediate_size=inter,
        mlp_matrices=mats,
        mlp_kind="gated" if mats == 3 else "plain",
        fused_qkv=fused,
        vocab_size=vocab,
        bias_parameters=sum(b for _, b in blocks) + head_bias,
    )
    dims.config_mismatch = _cross_check(cfg, dims)
    return dims


def _attention(roles, cfg, heads: int) -> tuple[int, int, int, int, bool]:
    """(hidden, Q width, one of K/V's width, output projection input, fused?) from one block."""
    o = roles.get("o_proj", [])
    if len(o) != 1:
        raise KvvizError(key="errors.dims.no_output")
    o_in, hidden = o[0]
    if "qkv_proj" in roles:
        if len(roles["qkv_proj"]) != 1 or "q_proj" in roles or "kv_proj" in roles:
            raise KvvizError(key="errors.dims.mixed_qkv")
        h_in, total = roles["qkv_proj"][0]
        # The fused output is Q then K and V: (heads + 2 x kv_heads) x head_dim columns.
        head_dim = _head_dim(cfg, heads, hidden, None, True)
        q_dim = heads * head_dim
        if (total - q_dim) <= 0 or (total - q_dim) % 2:
            raise KvvizError(key="errors.dims.fused_split", outputs=total)
        return _same_hidden(hidden, h_in), q_dim, (total - q_dim) // 2, o_in, True
    q, kv = roles.get("q_proj", []), roles.get("kv_proj", [])
    if len(q) != 1 or len(kv) != 2 or kv[0] != kv[1]:
        raise KvvizError(key="errors.dims.qkv")
    _same_hidden(hidden, q[0][0])
    _same_hidden(hidden, kv[0][0])
    return hidden, q[0][1], kv[0][1], o_in, False


def _same_hidden(hidden: int, other: int) -> int:
    if other != hidden:
        raise KvvizError(key="errors.dims.widths", read=other, write=hidden)
    return hidden


def _head_dim(cfg, heads: int, hidden: int, q_dim: int | None, fused: bool) -> int:
    """The config's head_dim when it states one; else Q's width (or hidden) over the heads."""
    stated = getattr(cfg, "head_dim", None)
    if isinstance(stated, int) and stated > 0:
        return stated
    width = hidden if q_dim is None else q_dim
    if width % heads:
        raise KvvizError(key="errors.dims.cut", width=width, heads=heads)
    return width // heads


def _mlp(mats: list[tuple[int, int]], hidden: int) -> tuple[int, int]:
    """(inner width, number of hidden x inner matrices); a fused gate+up counts as two."""
    downs = [i for i, o in mats if o == hidden and i != hidden]
    if mats and all(m == (hidden, hidden) for m in mats):
        downs = [hidden]  # inner width equal to the hidden width
    if len(downs) != 1 or any(i != hidden and o != hidden for i, o in mats):
        raise KvvizError(key="errors.dims.mlp_roles", matrices=str(mats))
    inner = downs[0]
    elements = sum(i * o for i, o in mats)
    if elements % (hidden * inner) or elements // (hidden * inner) not in (2, 3):
        raise KvvizError(key="errors.dims.mlp_kind", matrices=str(mats))
    return inner, elements // (hidden * inner)


def _lm_head(model, hidden: int, root: str, paths: dict[int, str], layers) -> tuple[int, int]:
    """(vocabulary rows, bias elements) of the LM head; refuse other matmuls outside the blocks."""
    head = model.get_output_embeddings()
    inside = {id(m) for b in layers for m in b.modules()}
    for mod in model.modules():
        if mod is head or id(mod) in inside or _in_out(mod) is None:
            continue
        raise KvvizError(key="errors.dims.outside", module=paths.get(id(mod), type(mod).__name__),
                         kind=type(mod).__name__)
    shape = _in_out(head) if head is not None else None
    if shape is None or shape == (-1, -1):
        raise KvvizError(key="errors.dims.no_lm_head")
    if shape[0] != hidden:
        raise KvvizError(key="errors.dims.lm_head", read=shape[0], hidden=hidden)
    return shape[1], _bias(head)


def _cross_check(cfg, dims: Dims) -> list[str]:
    """Config keys whose value the modules contradict (stable keys, sorted)."""
    checks = {
        "hidden_size": dims.hidden_size,
        "num_key_value_heads": dims.num_key_value_heads,
        "head_dim": dims.head_dim,
        "intermediate_size": dims.intermediate_size,
        "vocab_size": dims.vocab_size,
    }
    bad = []
    for key, value in checks.items():
        stated = getattr(cfg, key, None)
        if isinstance(stated, int) and not isinstance(stated, bool) and stated != value:
            bad.append(key)
    return sorted(bad)
