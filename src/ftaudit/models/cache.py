"""On-disk response cache (SQLite, WAL) so repeated audits and evaluations are cheap and reproducible.

A reply is keyed by the model's identity (for a local model with an adapter, a hash of the
adapter's weights, so retraining into the same folder cannot serve stale replies), the
messages, the prefill and every sampling parameter. Modes: ``on`` reads and writes,
``read-only`` reads but never writes (replaying a recorded evaluation), ``off`` bypasses it.

The cache holds prompts and model replies: its folder is kept private (0700, tightened if it
was made before) and its files, SQLite's ``-wal``/``-shm``/``-journal`` included, are 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from ftaudit.config import CacheMode
from ftaudit.errors import ConfigError
from ftaudit.models.types import ChatMessage, Completion, SamplingParams

#: Owner-only permissions of the cache folder and of its files.
FOLDER_MODE = 0o700
FILE_MODE = 0o600
#: SQLite's side files; they hold the same rows as the database until checkpointed.
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    completion TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def cache_key(model_id: str, messages: list[ChatMessage], prefill: str | None, params: SamplingParams) -> str:
    """A stable hash of everything that determines a reply."""
    payload = {
        "model": model_id,
        "messages": [m.model_dump() for m in messages],
        "prefill": prefill,
        "params": params.model_dump(mode="json"),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """A thread-safe SQLite cache of :class:`Completion` objects."""

    def __init__(self, path: str | Path, mode: CacheMode = "on") -> None:
        if mode not in ("on", "off", "read-only"):
            raise ConfigError(f"response cache mode must be on, off or read-only, not {mode!r}")
        self.path = Path(path)
        self.mode = mode
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self.mode == "off":
            return None
        if self._conn is None:
            if self.mode == "read-only" and not self.path.exists():
                return None
            self._make_private()
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            conn.commit()
            self._conn = conn
        return self._conn

    def _make_private(self) -> None:
        folder = self.path.parent
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        # A folder made by an older ftaudit (or by mkdir under a loose umask) is tightened;
        # one that belongs to someone else (a shared path the user chose) is left as it is.
        if folder.stat().st_uid == os.geteuid():
            folder.chmod(FOLDER_MODE)
        if self.mode == "on":
            # SQLite gives its -wal/-shm/-journal files the database file's permissions, so the
            # database is created 0600 before SQLite opens it.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        for path in (self.path, *(self.path.with_name(self.path.name + s) for s in SIDE_FILE_SUFFIXES)):
            try:
                if path.stat().st_uid == os.geteuid():
                    path.chmod(FILE_MODE)
            except FileNotFoundError:
                pass

    def get(self, key: str) -> Completion | None:
        """The cached completion for ``key`` (marked ``cached=True``), or None."""
        with self._lock:
            conn = self._connect()
            if conn is None:
                return None
            row = conn.execute("SELECT completion FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        completion = Completion.model_validate_json(row[0])
        return completion.model_copy(update={"cached": True})

    def put(self, key: str, completion: Completion) -> None:
        """Store a completion unless the cache is off or read-only."""
        if self.mode != "on":
            return
        with self._lock:
            conn = self._connect()
            assert conn is not None
            conn.execute(
                "INSERT OR REPLACE INTO responses (key, model, completion, created) VALUES (?, ?, ?, ?)",
                (key, completion.model, completion.model_dump_json(), time.time()),
            )
            conn.commit()

    def __len__(self) -> int:
        with self._lock:
            conn = self._connect()
            if conn is None:
                return 0
            return int(conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
