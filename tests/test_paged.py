"""The paged allocator's invariants under random requests: references, sharing, copy-on-write."""

import random

import pytest

from kvviz.cache.paged import BlockPool
from kvviz.errors import KvvizError


def check_invariants(pool: BlockPool, expected: dict[str, list[int]]) -> None:
    owners: dict[int, int] = {}
    for table in pool.tables.values():
        for b in table:
            owners[b] = owners.get(b, 0) + 1
    for block in pool.blocks:
        assert block.refs == owners.get(block.id, 0), f"block {block.id}: refs {block.refs} != owners"
    assert not set(pool.free) & set(owners), "a block in use is on the free list"
    assert len(set(pool.free)) == len(pool.free)
    assert len(pool.free) + len(owners) == len(pool.blocks)
    for request, tokens in expected.items():
        assert pool.tokens_of(request) == tokens, f"{request} lost its tokens"
        table = pool.tables[request]
        for b in table[:-1]:
            assert len(pool.blocks[b].tokens) == pool.block_size  # only the last block is partial
    for h, b in pool.by_hash.items():
        assert pool.blocks[b].hash == h and pool.blocks[b].refs > 0


def test_shared_prefix_uses_fewer_blocks():
    pool = BlockPool(64, block_size=4)
    system = list(range(100, 112))  # 12 tokens = 3 full blocks
    assert pool.add("a", system + [1, 2]) == 0
    assert pool.add("b", system + [7, 8, 9]) == 12  # all three system blocks found
    st = pool.stats()
    assert st.blocks_used == 3 + 1 + 1 and st.blocks_if_unshared == 4 + 4
    assert st.shared_blocks == 3 and st.prefix_hits == 3


def test_fork_then_write_copies_the_partial_block():
    pool = BlockPool(16, block_size=4)
    pool.add("p", [1, 2, 3, 4, 5, 6])
    pool.fork("p", "c")
    assert pool.tables["p"] == pool.tables["c"]
    pool.append("c", 99)
    assert pool.copies_on_write == 1
    assert pool.tables["p"][0] == pool.tables["c"][0]  # the full block stays shared
    assert pool.tables["p"][1] != pool.tables["c"][1]
    assert pool.tokens_of("p") == [1, 2, 3, 4, 5, 6] and pool.tokens_of("c") == [1, 2, 3, 4, 5, 6, 99]
    check_invariants(pool, {"p": [1, 2, 3, 4, 5, 6], "c": [1, 2, 3, 4, 5, 6, 99]})


def test_no_block_freed_while_shared():
    pool = BlockPool(8, block_size=2)
    pool.add("a", [1, 2, 3, 4])
    pool.add("b", [1, 2, 3, 4, 5])
    pool.release("a")
    check_invariants(pool, {"b": [1, 2, 3, 4, 5]})
    assert pool.stats().blocks_used == 3
    pool.release("b")
    assert len(pool.free) == 8 and not pool.by_hash


def test_full_pool_is_a_clear_error():
    pool = BlockPool(2, block_size=2)
    pool.add("a", [1, 2, 3, 4])
    with pytest.raises(KvvizError):
        pool.append("a", 5)


@pytest.mark.parametrize("seed", range(20))
def test_random_requests_keep_every_invariant(seed):
    rng = random.Random(seed)
    pool = BlockPool(400, block_size=rng.choice([1, 2, 4, 16]))
    prefixes = [[rng.randrange(50) for _ in range(rng.randrange(0, 40))] for _ in range(3)]
    expected: dict[str, list[int]] = {}
    for op in range(150):
        live = list(expected)
        r = rng.random()
        if r < 0.3 or not live:
            name = f"r{op}"
            tokens = rng.choice(prefixes) + [rng.randrange(50) for _ in range(rng.randrange(0, 10))]
            pool.add(name, tokens)
            expected[name] = list(tokens)
        elif r < 0.7:
            name = rng.choice(live)
            t = rng.randrange(50)
            pool.append(name, t)
            expected[name].append(t)
        elif r < 0.85:
            parent = rng.choice(live)
            pool.fork(parent, f"f{op}")
            expected[f"f{op}"] = list(expected[parent])
        else:
            name = rng.choice(live)
            pool.release(name)
            del expected[name]
        check_invariants(pool, expected)
