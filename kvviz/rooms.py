"""Rooms for follow mode: an instructor's run state that every replica of the server can read.

An instructor's session creates a room and publishes the state of the run on screen (the link's
parameters: settings, step, open view) each time it changes; attendees open `?follow=<room id>`
and show that state, read-only. Attendees may land on any replica of `make serve REPLICAS=N`, so
the state lives outside the processes, in a directory every replica reads: KVVIZ_ROOMS_DIR
(default: a folder in the system's temp directory, shared by the processes of one machine). For
several machines, mount one shared directory (NFS, a volume) at KVVIZ_ROOMS_DIR on each, or give
the page another object with RoomStore's four methods (create, publish, peek, read), e.g. over Redis.

- One JSON file per room, replaced atomically (write a temp file, then rename): a reader sees the
  old state or the new, never half of one.
- Followers poll cheaply: peek() is one stat() of the room's file; read() only when that changed.
- Room ids are 128 random bits (secrets.token_urlsafe): a room cannot be found by guessing. The
  right to publish is a second secret, the lead key, kept in the instructor's session only (stored
  as its SHA-256): a follower's link cannot be turned into a leader's.
- A leader link (`?lead=<room id>.<lead key>`, lead_token) lets the instructor lead the room again
  from a new session, e.g. after reloading the page; the page takes it out of the address bar at
  once, so a projected page does not show it.
- Bounded: at most `max_rooms` rooms (least recently published closed first) and `max_bytes` per
  room; rooms not published for `ttl_s` are gone.

Pure Python, no Streamlit: tested across processes in tests/test_rooms.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kvviz.errors import KvvizError

ROOM_ID = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16): 16 random bytes
LEAD_TOKEN = re.compile(r"([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})")  # room id . token_urlsafe(32)
SUFFIX = ".room.json"


@dataclass(frozen=True)
class Lead:
    """What the instructor's session holds: the room's public id and the secret that may publish."""

    room_id: str
    key: str


@dataclass(frozen=True)
class RoomState:
    version: int  # 0 when created, +1 per publish
    params: dict[str, str]  # the published state (the explainer's link parameters); {} before any
    updated: float  # time.time() of the last publish


def valid_room_id(room_id: object) -> bool:
    return isinstance(room_id, str) and ROOM_ID.fullmatch(room_id) is not None


def lead_token(lead: Lead) -> str:
    """What a leader link carries: the room id and its lead key."""
    return f"{lead.room_id}.{lead.key}"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def default_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"kvviz-rooms-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


class RoomStore:
    """Rooms as files in `root`: safe for many processes (atomic replace), bounded, ids unguessable."""

    def __init__(self, root: Path | str, max_rooms: int = 200, max_bytes: int = 64 * 1024,
                 ttl_s: float = 12 * 3600):
        self.root = Path(root)
        self.max_rooms = max_rooms
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, room_id: str) -> Path:
        if not valid_room_id(room_id):  # never a path from a link: only our own ids
            raise KvvizError(key="errors.room.bad_link")
        return self.root / f"{room_id}{SUFFIX}"

    def _write(self, room_id: str, record: dict) -> None:
        data = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
        if len(data) > self.max_bytes:
            raise KvvizError(key="errors.room.too_big", size=len(data), limit=self.max_bytes)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self._path(room_id))  # atomic on one filesystem: readers see old or new
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _load(self, room_id: str) -> dict | None:
        try:
            raw = self._path(room_id).read_bytes()
        except (FileNotFoundError, KvvizError):
            return None
        if len(raw) > self.max_bytes:
            return None
        try:
            record = json.loads(raw)
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def _rooms(self) -> list[tuple[float, Path]]:
        out = []
        for p in self.root.glob(f"*{SUFFIX}"):
            try:
                out.append((p.stat().st_mtime, p))
            except FileNotFoundError:
                pass
        return sorted(out)

    def _expired(self, mtime: float, now: float) -> bool:
        return now - mtime > self.ttl_s

    def create(self) -> Lead:
        """A new room. Expired rooms are removed first; a full store closes its least recently
        published room (an instructor who is still stepping publishes often and stays)."""
        now = time.time()
        rooms = self._rooms()
        for mtime, p in rooms:
            if self._expired(mtime, now):
                p.unlink(missing_ok=True)
        rooms = [(m, p) for m, p in rooms if not self._expired(m, now)]
        for _, p in rooms[: max(0, len(rooms) - self.max_rooms + 1)]:
            p.unlink(missing_ok=True)
        lead = Lead(secrets.token_urlsafe(16), secrets.token_urlsafe(32))
        self._write(lead.room_id, {"v": 0, "key": _hash(lead.key), "params": {}, "t": now})
        return lead

    def publish(self, lead: Lead, params: dict[str, str]) -> int:
        """Replace the room's state; returns its new version. Only the room's lead key may."""
        record = self._load(lead.room_id)
        if record is None:
            raise KvvizError(key="errors.room.closed")
        if not hmac.compare_digest(str(record.get("key", "")), _hash(lead.key)):
            raise KvvizError(key="errors.room.not_lead")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
            raise KvvizError(key="errors.room.not_text")
        version = int(record.get("v", 0)) + 1
        self._write(lead.room_id, {"v": version, "key": record["key"], "params": dict(params), "t": time.time()})
        return version

    def peek(self, room_id: str) -> tuple | None:
        """A cheap signature of the room's state (one stat()): it changes whenever the state does.
        None: no such room (or an invalid id)."""
        if not valid_room_id(room_id):
            return None
        try:
            st = self._path(room_id).stat()
        except FileNotFoundError:
            return None
        if self._expired(st.st_mtime, time.time()):
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def read(self, room_id: str) -> RoomState | None:
        """The room's state, or None (no such room, expired, or a file that is not a room's)."""
        if not valid_room_id(room_id):
            return None
        record = self._load(room_id)
        if record is None:
            return None
        params, version, updated = record.get("params"), record.get("v"), record.get("t")
        if not isinstance(params, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in params.items()):
            return None
        if not isinstance(version, int) or not isinstance(updated, (int, float)):
            return None
        if self._expired(float(updated), time.time()):
            return None
        return RoomState(version, params, float(updated))

    def resume(self, token: object) -> Lead | None:
        """The lead a leader link's token holds, if it still leads an open room here; else None
        (malformed, no such room, expired, or not that room's lead key)."""
        m = LEAD_TOKEN.fullmatch(token) if isinstance(token, str) else None
        if m is None or self.read(m.group(1)) is None:
            return None
        record = self._load(m.group(1))
        if record is None or not hmac.compare_digest(str(record.get("key", "")), _hash(m.group(2))):
            return None
        return Lead(m.group(1), m.group(2))

    def close(self, lead: Lead) -> None:
        record = self._load(lead.room_id)
        if record is not None and hmac.compare_digest(str(record.get("key", "")), _hash(lead.key)):
            self._path(lead.room_id).unlink(missing_ok=True)

    def __len__(self) -> int:
        return len(self._rooms())


def store_from_env() -> RoomStore:
    """The rooms of this deployment: KVVIZ_ROOMS_DIR (default: a folder in the temp directory),
    KVVIZ_MAX_ROOMS (default 200), KVVIZ_ROOM_TTL_H (hours without a publish before a room is
    gone, default 12)."""
    root = os.environ.get("KVVIZ_ROOMS_DIR") or default_dir()
    return RoomStore(root, max_rooms=int(os.environ.get("KVVIZ_MAX_ROOMS", "200")),
                     ttl_s=float(os.environ.get("KVVIZ_ROOM_TTL_H", "12")) * 3600)
