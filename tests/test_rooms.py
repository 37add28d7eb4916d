"""Follow mode's room store (kvviz/rooms.py): publish and read across processes, atomic, bounded,
ids that cannot be guessed, and nothing from a link used as a path."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kvviz import rooms
from kvviz.errors import KvvizError
from kvviz.rooms import Lead, RoomStore

ROOT = Path(__file__).resolve().parent.parent


def test_publish_then_read(tmp_path):
    store = RoomStore(tmp_path)
    lead = store.create()
    state = store.read(lead.room_id)
    assert (state.version, state.params) == (0, {})
    sig0 = store.peek(lead.room_id)
    assert store.publish(lead, {"step": "3", "prompt": "Lionel Messi is a"}) == 1
    assert store.peek(lead.room_id) != sig0  # a follower's one stat() sees the change
    state = store.read(lead.room_id)
    assert (state.version, state.params) == (1, {"step": "3", "prompt": "Lionel Messi is a"})
    assert store.publish(lead, {"step": "4"}) == 2 and store.read(lead.room_id).params == {"step": "4"}
    assert store.peek(lead.room_id) == store.peek(lead.room_id)  # no change, same signature


def test_only_the_lead_key_publishes_and_the_key_is_not_stored(tmp_path):
    store = RoomStore(tmp_path)
    lead = store.create()
    with pytest.raises(KvvizError):
        store.publish(Lead(lead.room_id, "guess"), {"step": "9"})
    raw = (tmp_path / f"{lead.room_id}{rooms.SUFFIX}").read_text()
    assert lead.key not in raw
    store.close(Lead(lead.room_id, "guess"))
    assert store.read(lead.room_id) is not None
    store.close(lead)
    assert store.read(lead.room_id) is None and store.peek(lead.room_id) is None
    with pytest.raises(KvvizError):
        store.publish(lead, {"step": "1"})


def test_room_ids_are_random_and_unguessable(tmp_path):
    store = RoomStore(tmp_path, max_rooms=10_000)
    leads = [store.create() for _ in range(300)]
    ids = [lead.room_id for lead in leads]
    assert len(set(ids)) == 300 and all(rooms.valid_room_id(i) for i in ids)
    assert len({lead.key for lead in leads}) == 300
    # 22 url-safe characters = 128 random bits; no shared prefix that would hint at an order.
    assert len(ids[0]) == 22 and len({i[:3] for i in ids}) > 250


@pytest.mark.parametrize("bad", ["../../etc/passwd", "", "x" * 22 + "/", "a" * 21, "a" * 23, "....",
                                 "aaaaaaaaaaaaaaaaaaaa\x00b", None, 12, "aaaaaaaaaaaaaaaaaaaa.."])
def test_a_link_never_names_a_file(tmp_path, bad):
    store = RoomStore(tmp_path)
    assert store.peek(bad) is None and store.read(bad) is None


def test_a_corrupt_or_foreign_file_is_no_room(tmp_path):
    store = RoomStore(tmp_path)
    lead = store.create()
    path = tmp_path / f"{lead.room_id}{rooms.SUFFIX}"
    for content in ("{not json", "[1, 2]", json.dumps({"v": 1, "params": {"a": 1}, "t": 1.0e9}),
                    json.dumps({"v": "1", "params": {}, "t": 1.0e9})):
        path.write_text(content)
        assert store.read(lead.room_id) is None, content


def test_bounded_rooms_and_bytes(tmp_path):
    store = RoomStore(tmp_path, max_rooms=5, max_bytes=2000)
    leads = []
    for i in range(8):
        leads.append(store.create())
        path = tmp_path / f"{leads[-1].room_id}{rooms.SUFFIX}"
        written = path.stat().st_mtime  # the file's own time, not a clock read by the test
        os.utime(path, (written - 100 + i, written - 100 + i))
    assert len(store) == 5
    assert store.read(leads[0].room_id) is None and store.read(leads[-1].room_id) is not None  # oldest out
    with pytest.raises(KvvizError):
        store.publish(leads[-1], {"prompt": "x" * 3000})
    assert store.read(leads[-1].room_id).version == 0  # the refused state was not written


def test_rooms_expire(tmp_path):
    store = RoomStore(tmp_path, ttl_s=60)
    lead = store.create()
    store.publish(lead, {"step": "1"})
    path = tmp_path / f"{lead.room_id}{rooms.SUFFIX}"
    record = json.loads(path.read_text())
    record["t"] -= 120
    path.write_text(json.dumps(record))
    old = path.stat().st_mtime - 120  # older than the 60 s time to live
    os.utime(path, (old, old))
    assert store.read(lead.room_id) is None and store.peek(lead.room_id) is None
    store.create()  # creating a room sweeps expired ones
    assert not path.exists()


def test_the_env_picks_the_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("KVVIZ_ROOMS_DIR", str(tmp_path / "shared"))
    monkeypatch.setenv("KVVIZ_MAX_ROOMS", "7")
    store = rooms.store_from_env()
    assert store.root == tmp_path / "shared" and store.max_rooms == 7


# --- across processes: what replicas of one deployment do ----------------------------------------------


def _in_another_process(code: str, env_dir: Path) -> str:
    env = dict(os.environ, KVVIZ_ROOMS_DIR=str(env_dir), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         cwd=str(ROOT))
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_room_published_here_is_read_by_another_process_and_back(tmp_path):
    store = rooms.RoomStore(tmp_path)
    lead = store.create()
    store.publish(lead, {"step": "5", "view": "cache"})
    seen = _in_another_process(
        f"import json; from kvviz import rooms; s = rooms.store_from_env().read({lead.room_id!r}); "
        "print(json.dumps([s.version, s.params]))", tmp_path)
    assert json.loads(seen) == [1, {"step": "5", "view": "cache"}]
    # The other process leads a room; this one follows it.
    made = _in_another_process(
        "import json; from kvviz import rooms; st = rooms.store_from_env(); lead = st.create(); "
        "st.publish(lead, {'step': '7'}); print(lead.room_id)", tmp_path)
    assert store.read(made).params == {"step": "7"}


def _writer(root: str, lead: tuple[str, str], n: int) -> None:
    store = RoomStore(root)
    for i in range(n):
        store.publish(Lead(*lead), {"step": str(i), "pad": "x" * (i % 50) * 100})


def _reader(root: str, room_id: str, n: int, q) -> None:
    store = RoomStore(root)
    seen, bad = [], 0
    for _ in range(n):
        s = store.read(room_id)
        if s is None or (s.params and len(s.params["pad"]) != (int(s.params["step"]) % 50) * 100):
            bad += 1
        elif s.params:
            seen.append(int(s.params["step"]))
    q.put((bad, seen))


def test_readers_in_other_processes_never_see_half_a_state(tmp_path):
    store = RoomStore(tmp_path)
    lead = store.create()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    readers = [ctx.Process(target=_reader, args=(str(tmp_path), lead.room_id, 800, q)) for _ in range(2)]
    writer = ctx.Process(target=_writer, args=(str(tmp_path), (lead.room_id, lead.key), 400))
    for p in readers + [writer]:
        p.start()
    results = [q.get(timeout=120) for _ in readers]
    for p in readers + [writer]:
        p.join(120)
    assert all(p.exitcode == 0 for p in readers + [writer])
    for bad, seen in results:
        assert bad == 0
        assert seen == sorted(seen)  # versions only move forward
    assert store.read(lead.room_id).version == 400
    assert not list(tmp_path.glob(".tmp-*"))  # no temp file left behind


def test_a_leader_link_resumes_its_room_and_nothing_else_does(tmp_path):
    store = RoomStore(tmp_path)
    lead = store.create()
    store.publish(lead, {"step": "2"})
    token = rooms.lead_token(lead)
    assert store.resume(token) == lead
    store.publish(store.resume(token), {"step": "3"})  # the resumed lead publishes
    assert store.read(lead.room_id).params == {"step": "3"}
    other = store.create()
    forged = [
        lead.room_id,  # a follower's link: the room id without its key
        f"{lead.room_id}.{other.key}",  # another room's key
        f"{other.room_id}.{lead.key}",
        token + "x", token[:-1], token.replace(".", "/"), "../" + token, None, 42,
    ]
    assert [store.resume(f) for f in forged] == [None] * len(forged)
    store.close(lead)
    assert store.resume(token) is None  # closed: gone
    old = RoomStore(tmp_path, ttl_s=0.0)
    assert old.resume(rooms.lead_token(other)) is None  # expired
