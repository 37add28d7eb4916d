"""Paged KV blocks with prefix sharing, in the manner of vLLM's block manager.

The cache of each request is a list of fixed-size blocks (a block table) drawn from one pool.
A full block is identified by a hash of its tokens and of every token before it (vLLM's prefix
caching), so requests that start with the same tokens share those blocks by reference count.
A block is written only while it has one owner: appending to a shared, partly filled block (after
`fork`, as in parallel sampling) first copies it (copy-on-write).

Pure bookkeeping, no tensors: positions and bytes are what the lab's paged view draws; the bytes
of one block come from the model's per-token KV bytes (kvviz.cache.rules / the planner).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kvviz.errors import KvvizError

DEFAULT_BLOCK_SIZE = 16  # vLLM's default block size on GPUs


@dataclass
class Block:
    id: int
    tokens: list[int] = field(default_factory=list)
    refs: int = 0
    hash: int | None = None  # set once the block is full (then it is immutable and shareable)


@dataclass(frozen=True)
class PoolStats:
    blocks_used: int
    blocks_if_unshared: int  # what the same requests would take with no sharing
    tokens: int  # tokens held over all requests (each request counts its own)
    shared_blocks: int  # blocks with more than one owner
    copies_on_write: int
    prefix_hits: int  # full blocks found by hash instead of written


class BlockPool:
    """A fixed pool of KV blocks, block tables per request, sharing by hash and reference count."""

    def __init__(self, num_blocks: int, block_size: int = DEFAULT_BLOCK_SIZE):
        if not (1 <= block_size <= 4096) or not (1 <= num_blocks <= 1_000_000):
            raise KvvizError(f"block size must be 1..4096 and blocks 1..1,000,000 (got {block_size}, {num_blocks}).")
        self.block_size = block_size
        self.blocks = [Block(i) for i in range(num_blocks)]
        self.free: list[int] = list(range(num_blocks - 1, -1, -1))  # pop() takes the lowest id first
        self.by_hash: dict[int, int] = {}
        self.tables: dict[str, list[int]] = {}
        self.copies_on_write = 0
        self.prefix_hits = 0

    # ------------------------------------------------------------------ requests

    def add(self, request: str, token_ids: list[int]) -> int:
        """Admit a request with its prompt; returns how many prompt tokens were found in the pool.

        Full blocks already in the pool are shared, not kept twice; their K/V need no prefill.
        Hashes chain over the whole prefix, so the blocks found are always a leading run.
        """
        if request in self.tables:
            raise KvvizError(f"request {request!r} already exists.")
        self.tables[request] = []
        hits = self.prefix_hits
        for tid in token_ids:
            self.append(request, tid)
        return (self.prefix_hits - hits) * self.block_size

    def append(self, request: str, token_id: int) -> None:
        """One more token for `request` (a prompt token or a generated one)."""
        table = self._table(request)
        if not table or len(self.blocks[table[-1]].tokens) == self.block_size:
            table.append(self._take())
        last = self.blocks[table[-1]]
        if last.refs > 1:  # shared and not full: copy before writing
            copy = self.blocks[self._take()]
            copy.tokens = list(last.tokens)
            last.refs -= 1
            table[-1] = copy.id
            last = copy
            self.copies_on_write += 1
        last.tokens.append(int(token_id))
        if len(last.tokens) == self.block_size:
            self._seal(table, len(table) - 1)

    def fork(self, parent: str, child: str) -> None:
        """A second request continuing from the parent's state (parallel sampling): every block shared."""
        if child in self.tables:
            raise KvvizError(f"request {child!r} already exists.")
        table = list(self._table(parent))
        for b in table:
            self.blocks[b].refs += 1
        self.tables[child] = table

    def release(self, request: str) -> None:
        """The request is done: its references go; blocks nobody holds return to the pool."""
        for b in self.tables.pop(request):
            block = self.blocks[b]
            block.refs -= 1
            if block.refs == 0:
                if block.hash is not None and self.by_hash.get(block.hash) == b:
                    del self.by_hash[block.hash]
                block.tokens, block.hash = [], None
                self.free.append(b)

    # ------------------------------------------------------------------ reading

    def tokens_of(self, request: str) -> list[int]:
        return [t for b in self._table(request) for t in self.blocks[b].tokens]

    def stats(self) -> PoolStats:
        used = {b for table in self.tables.values() for b in table}
        unshared = sum(-(-len(self.tokens_of(r)) // self.block_size) for r in self.tables)
        return PoolStats(
            blocks_used=len(used),
            blocks_if_unshared=unshared,
            tokens=sum(len(self.tokens_of(r)) for r in self.tables),
            shared_blocks=sum(1 for b in used if self.blocks[b].refs > 1),
            copies_on_write=self.copies_on_write,
            prefix_hits=self.prefix_hits,
        )

    # ------------------------------------------------------------------ internals

    def _table(self, request: str) -> list[int]:
        if request not in self.tables:
            raise KvvizError(f"no request {request!r}.")
        return self.tables[request]

    def _take(self) -> int:
        if not self.free:
            raise KvvizError("the block pool is full: release a request or give the pool more blocks.")
        b = self.free.pop()
        self.blocks[b].refs = 1
        return b

    def _seal(self, table: list[int], index: int) -> None:
        """A block just filled: key it by its prefix; if an identical block exists, share that one."""
        parent = self.blocks[table[index - 1]].hash if index else None
        block = self.blocks[table[index]]
        key = hash((parent, tuple(block.tokens)))
        other = self.by_hash.get(key)
        if other is not None and other != block.id:
            self.blocks[other].refs += 1
            block.refs -= 1
            if block.refs == 0:
                block.tokens = []
                self.free.append(block.id)
            table[index] = other
            self.prefix_hits += 1
        else:
            block.hash = key
            self.by_hash[key] = block.id
