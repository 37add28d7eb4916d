"""What fits on accelerators, one or several (tensor parallel): hand-computed figures, typed results."""

from __future__ import annotations

import pytest

from kvviz.errors import KvvizError
from kvviz.planner.catalog import _accelerators_raw, get_accelerator, load_accelerators, resolve_config
from kvviz.planner.describe import split_note
from kvviz.planner.fit import DEFAULT_RESERVE, MAX_GPUS, fit, kv_sharding, smallest_gpus, tp_layout
from kvviz.planner.layout import kv_layout
from kvviz.planner.plan import plan, variant_configs

# --------------------------------------------------------------------------- accelerators and fit


def test_a100_40gb_entry_names_both_variants_and_the_driver_difference():
    acc = get_accelerator("A100 40 GB")
    assert acc.memory_bytes == 40_960 * 2**20 == 42_949_672_960
    for needle in ("A100-SXM4-40GB", "A100-PCIE-40GB", "40,960 MiB", "40,536 MiB", "driver"):
        assert needle in acc.memory_basis, needle
    raw = next(a for a in _accelerators_raw() if a["name"] == "A100 40 GB")
    assert raw["nvidia_smi_total_mib"] == 40_960 and raw["nvidia_smi_total_mib_older_drivers"] == 40_536


def test_fit_rejects_nonpositive_context_and_batch():
    spec = resolve_config("gpt2")
    for kw in ({"context": 0}, {"batch": 0}, {"context": -1}):
        with pytest.raises(KvvizError):
            fit(spec, 2**30, **kw)


def test_accelerators():
    accs = {a.name: a for a in load_accelerators()}
    assert len(accs) == 7
    assert accs["A100 80 GB"].memory_bytes == 81_920 * 2**20  # nvidia-smi total: 80 GiB
    assert accs["H100 80 GB"].memory_bytes == 81_559 * 2**20
    assert accs["H200 141 GB"].memory_bytes == 143_771 * 2**20
    assert get_accelerator("h100").name == "H100 80 GB"


def test_fit_llama3_8b_on_h100():
    spec = resolve_config("Llama-3.1-8B")
    mem = 81_559 * 2**20
    f = fit(spec, mem, dtype="bf16", context=32768, batch=16, weights_dtype="bf16", reserve_fraction=0.0)
    free = mem - 8_030_261_248 * 2  # 69,460,287,488 bytes beside the weights
    assert f.free_for_cache_bytes == free
    assert f.largest_batch == free // (131_072 * 32768)  # 16 sequences of 4 GiB each -> 16
    assert f.largest_context == free // (131_072 * 16)  # 69,460,287,488 // 2,097,152 = 33,121 tokens
    assert f.context_limited_by == "memory"
    assert fit(spec, mem, reserve_fraction=0.1).usable_bytes == int(mem * 0.9)


def test_fit_default_reserve_is_ten_percent():
    # the page and the CLI share DEFAULT_RESERVE: Llama-3.1-8B at 32k on an H100 gives 14 everywhere
    spec = resolve_config("Llama-3.1-8B")
    mem = 81_559 * 2**20  # 85,520,809,984
    assert DEFAULT_RESERVE == 0.10
    f = fit(spec, mem, context=32768, batch=16)
    assert f.reserve_fraction == 0.10
    assert f.usable_bytes == 76_968_728_985  # int(85,520,809,984 x 0.9)
    assert f.free_for_cache_bytes == 76_968_728_985 - 16_060_522_496 == 60_908_206_489
    assert f.largest_batch == 60_908_206_489 // (131_072 * 32768) == 14
    assert not f.fits


# Llama-3.1-70B at 32,768 tokens x batch 16, bf16, on H100s (85,520,809,984 bytes;
# 10% reserve: 76,968,728,985 usable).
# Weights 70,553,706,496 x 2 = 141,107,412,992 bytes.
# KV: 80 layers x 2 x 128 x 2 B = 40,960 bytes per token per KV head;
# 8 KV heads -> 327,680 bytes per token, 160 GiB at 32,768 x 16.
H100 = 85_520_809_984
LLAMA70_CASES = [
    # gpus, weights/device, KV heads/device, cache/device at 32k x 16, free, largest batch
    (1, 141_107_412_992, 8, 171_798_691_840, 0, 0),  # weights alone exceed 76.97e9 usable
    (2, 70_553_706_496, 4, 85_899_345_920, 6_415_022_489, 1),  # 6,415,022,489 // (163,840 x 32,768)
    (4, 35_276_853_248, 2, 42_949_672_960, 41_691_875_737, 15),  # 41,691,875,737 // 2,684,354,560 = 15 < 16
    (8, 17_638_426_624, 1, 21_474_836_480, 59_330_302_361, 44),  # // 1,342,177,280 = 44 >= 16: fits
    (16, 8_819_213_312, 1, 21_474_836_480, 68_149_515_673, 50),  # 16 > 8 KV heads: one head per device, replicated
]


@pytest.mark.parametrize("gpus, weights, heads, cache, free, batch", LLAMA70_CASES)
def test_tensor_parallel_llama3_70b_on_h100s(gpus, weights, heads, cache, free, batch):
    f = fit(resolve_config("Llama-3.1-70B"), H100, context=32768, batch=16, gpus=gpus)
    assert f.gpus == gpus
    assert f.weights_per_device_bytes == weights
    assert f.kv_heads_per_device == heads
    assert f.cache_per_device_bytes == cache
    assert f.free_for_cache_bytes == free
    assert f.largest_batch == batch
    assert f.fits == (batch >= 16)
    assert f.weights_fit == (gpus > 1)
    assert f.kv_split == {1: "whole", 16: "replicated"}.get(gpus, "split")


def test_smallest_gpus_for_llama3_70b_at_32k_x_16():
    spec = resolve_config("Llama-3.1-70B")
    assert smallest_gpus(spec, H100, context=32768, batch=16).gpus == 8
    # with no reserve 4 fit: (85,520,809,984 - 35,276,853,248) // 2,684,354,560 = 18 >= 16
    assert smallest_gpus(spec, H100, context=32768, batch=16, reserve_fraction=0.0).gpus == 4
    # batch 15 fits on 4 with the reserve (largest batch 15 above)
    assert smallest_gpus(spec, H100, context=32768, batch=15).gpus == 4
    # a cache no number of devices can hold: per-device KV stops shrinking at N = 8 (one head each)
    assert smallest_gpus(spec, H100, context=131072, batch=1000) is None


def test_tensor_parallel_replication_and_uneven_heads():
    smol = resolve_config("SmolLM2-135M")  # 30 layers, 3 KV heads of 64
    one_head = 30 * 2 * 64 * 2  # 7,680 bytes per token per KV head (bf16)
    for gpus, heads, split in ((1, 3, "whole"), (2, 2, "uneven"), (3, 1, "split"), (4, 1, "replicated"),
                               (64, 1, "replicated")):
        f = fit(smol, H100, context=1000, batch=1, gpus=gpus)
        assert (f.kv_heads_per_device, f.kv_split) == (heads, split), gpus
        assert f.per_sequence_per_device_bytes == heads * one_head * 1000
    assert fit(smol, H100, gpus=2).sharding == kv_sharding(smol, 2)
    assert (kv_sharding(smol, 2).kv_heads, kv_sharding(smol, 64).kv_heads_per_device) == (3, 1)
    assert "3" in split_note(kv_sharding(smol, 2)) and "64" in split_note(kv_sharding(smol, 64))
    # MQA: one KV head is replicated on every device, the cache per device never shrinks
    gemma = resolve_config("Gemma-3-270M")
    c1 = fit(gemma, H100, context=4096, gpus=1).cache_per_device_bytes
    assert fit(gemma, H100, context=4096, gpus=8).cache_per_device_bytes == c1


def test_tensor_parallel_mla_latent_is_replicated():
    ds = resolve_config("DeepSeek-V3")
    whole = plan(ds, context=32768, batch=16).total_bytes  # 61 x 576 x 2 B x 32,768 x 16 = 36,842,766,336
    assert whole == 61 * 576 * 2 * 32768 * 16 == 36_842_766_336
    for gpus in (1, 8, 64):
        f = fit(ds, H100, context=32768, batch=16, gpus=gpus)
        assert f.cache_per_device_bytes == whole and f.kv_split == "mla" and f.kv_heads_per_device is None
    # weights 1,342,052,838,400 bytes: / 32 = 41,939,151,200 leaves 35,029,577,785 < 36.8e9; / 64 leaves 56.0e9
    assert smallest_gpus(ds, H100, context=32768, batch=16).gpus == 64


def test_tp_layout_and_bad_gpu_counts():
    layout = kv_layout(resolve_config("Llama-3.1-8B").config)
    assert [layer.kv_heads for layer in tp_layout(layout, 4)][:2] == [2, 2]
    assert tp_layout(layout, 4)[0].parts == (("K", 2, 128), ("V", 2, 128))
    assert tp_layout(layout, 1) is layout
    spec = resolve_config("gpt2")
    for bad in (0, -2, 1.5, True, MAX_GPUS + 1):
        with pytest.raises(KvvizError):
            fit(spec, 2**30, gpus=bad)


def test_fit_sliding_model_is_limited_by_max_positions():
    f = fit(resolve_config("Mistral-7B-v0.1"), 80 * 2**30, context=4096, batch=1)
    assert f.largest_context == 32768 and f.context_limited_by == "max_positions"


def test_fit_weights_do_not_fit():
    f = fit(resolve_config("Llama-3.1-405B"), 80 * 2**30)
    assert not f.weights_fit and f.largest_batch == 0


def test_variants_compared():
    got = {n: plan(c, dtype="bf16", context=1, parameters=0).bytes_per_token for n, c in variant_configs().items()}
    assert got == {
        "mha": 2 * 32 * 32 * 128 * 2,  # 524,288
        "gqa": 2 * 32 * 8 * 128 * 2,  # 131,072
        "mqa": 2 * 32 * 1 * 128 * 2,  # 16,384
        "mla": 32 * (512 + 64) * 2,  # 36,864
    }


