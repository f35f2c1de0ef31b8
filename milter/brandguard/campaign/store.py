"""Where the campaign memory keeps what it learnt: the Store protocol and the embedded SQLite store."""
from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

Key = tuple[str, str]  # (kind, value)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS taught (
    kind TEXT NOT NULL, value TEXT NOT NULL, source TEXT NOT NULL, queue_id TEXT NOT NULL DEFAULT '',
    first REAL NOT NULL, seen REAL NOT NULL, PRIMARY KEY (kind, value, source)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS taught_source ON taught (source);
CREATE INDEX IF NOT EXISTS taught_queue_id ON taught (queue_id);
CREATE INDEX IF NOT EXISTS taught_seen ON taught (kind, seen);
CREATE TABLE IF NOT EXISTS rate (key TEXT PRIMARY KEY, until REAL NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS banned (source TEXT PRIMARY KEY, until REAL NOT NULL) WITHOUT ROWID;
"""
_LATEST = "(SELECT source FROM taught t2 WHERE t2.kind = t.kind AND t2.value = t.value ORDER BY seen DESC LIMIT 1)"


@dataclass(frozen=True)
class Seen:
    """What the store knows of one indicator: how many messages taught it, when, and the latest of them."""

    kind: str
    value: str
    count: int
    first_seen: float
    last_seen: float
    source: str  # the Message-ID (or content hash) of the latest message that taught it


class Store(Protocol):
    """A campaign store; every method may raise (the memory counts it and goes on without the store)."""

    kind: str  # sqlite | redis

    def lookup(self, keys: Sequence[Key], since: float) -> list[Seen]: ...

    def fingerprints(self, since: float, limit: int) -> list[str]: ...

    def teach(self, keys: Sequence[Key], source: str, queue_id: str, now: float, ttl: float) -> None: ...

    def forget(self, source: str = "", queue_id: str = "") -> int: ...

    def sources_of(self, queue_id: str) -> list[str]: ...

    def ban(self, sources: Sequence[str], until: float) -> None: ...

    def banned(self, source: str, now: float) -> bool: ...

    def bump(self, key: str, window: float, now: float) -> int: ...

    def entries(self, since: float, kind: str | None = None, limit: int = 1000) -> list[Seen]: ...

    def expire(self, before: float) -> int: ...

    def stats(self, since: float) -> dict[str, int]: ...

    def close(self) -> None: ...


class SQLiteStore:
    """One file on this machine, shared by every brandguard process on it (WAL: readers never wait for a writer).

    The connection opens on first use in each process: the milter forks its analysis processes after start-up,
    and an SQLite connection must not cross a fork.
    """

    kind = "sqlite"

    def __init__(self, path: Path, *, timeout: float = 0.25, read_only: bool = False):
        self.path, self.timeout, self.read_only = Path(path), timeout, read_only
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            if self.read_only:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=self.timeout,
                                       check_same_thread=False, isolation_level=None)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=self.timeout, check_same_thread=False,
                                       isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last lessons, not the file
                conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def lookup(self, keys: Sequence[Key], since: float) -> list[Seen]:
        if not keys:
            return []
        where = " OR ".join("(kind = ? AND value = ?)" for _ in keys)
        args = [x for k in keys for x in k]
        with self._lock:
            rows = self._db().execute(
                f"SELECT kind, value, COUNT(*), MIN(first), MAX(seen), {_LATEST} FROM taught t WHERE seen >= ? AND ({where}) GROUP BY kind, value", [since, *args]).fetchall()
        return [Seen(*row) for row in rows]

    def fingerprints(self, since: float, limit: int) -> list[str]:
        with self._lock:
            rows = self._db().execute("SELECT value FROM taught WHERE kind = 'text_fuzzy' AND seen >= ? "
                                      "GROUP BY value ORDER BY MAX(seen) DESC LIMIT ?", (since, limit)).fetchall()
        return [r[0] for r in rows]

    def teach(self, keys: Sequence[Key], source: str, queue_id: str, now: float, ttl: float) -> None:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT INTO taught (kind, value, source, queue_id, first, seen) VALUES (?, ?, ?, ?, ?, ?) "
                               "ON CONFLICT (kind, value, source) DO UPDATE SET seen = excluded.seen, "
                               "queue_id = excluded.queue_id", [(k, v, source, queue_id, now, now) for k, v in keys])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def forget(self, source: str = "", queue_id: str = "") -> int:
        with self._lock:
            cur = self._db().execute("DELETE FROM taught WHERE (source = ? AND ? != '') OR (queue_id = ? AND ? != '')",
                                     (source, source, queue_id, queue_id))
        return cur.rowcount

    def sources_of(self, queue_id: str) -> list[str]:
        with self._lock:
            rows = self._db().execute("SELECT DISTINCT source FROM taught WHERE queue_id = ?", (queue_id,)).fetchall()
        return [r[0] for r in rows]

    def ban(self, sources: Sequence[str], until: float) -> None:
        with self._lock:
            self._db().executemany("INSERT INTO banned (source, until) VALUES (?, ?) ON CONFLICT (source) DO UPDATE "
                                   "SET until = excluded.until", [(s, until) for s in sources])

    def banned(self, source: str, now: float) -> bool:
        with self._lock:
            return self._db().execute("SELECT 1 FROM banned WHERE source = ? AND until > ?",
                                      (source, now)).fetchone() is not None

    def bump(self, key: str, window: float, now: float) -> int:
        with self._lock:
            row = self._db().execute(
                "INSERT INTO rate (key, until, n) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET "
                "n = CASE WHEN until <= ? THEN 1 ELSE n + 1 END, until = CASE WHEN until <= ? THEN ? ELSE until END "
                "RETURNING n", (key, now + window, now, now, now + window)).fetchone()
        return int(row[0])

    def entries(self, since: float, kind: str | None = None, limit: int = 1000) -> list[Seen]:
        with self._lock:
            rows = self._db().execute(
                f"SELECT kind, value, COUNT(*), MIN(first), MAX(seen), {_LATEST} FROM taught t "
                "WHERE seen >= ? AND (? IS NULL OR kind = ?) GROUP BY kind, value ORDER BY MAX(seen) DESC LIMIT ?",
                (since, kind, kind, limit)).fetchall()
        return [Seen(*row) for row in rows]

    def expire(self, before: float) -> int:
        with self._lock:
            db = self._db()
            n = db.execute("DELETE FROM taught WHERE seen < ?", (before,)).rowcount
            db.execute("DELETE FROM rate WHERE until < ?", (before,))
            db.execute("DELETE FROM banned WHERE until < ?", (before,))
        return n

    def stats(self, since: float) -> dict[str, int]:
        """Indicators per kind, and `messages`: the messages that taught them."""
        with self._lock:
            db = self._db()
            out = dict(db.execute("SELECT kind, COUNT(DISTINCT value) FROM taught WHERE seen >= ? GROUP BY kind",
                                  (since,)).fetchall())
            out["messages"] = db.execute("SELECT COUNT(DISTINCT source) FROM taught WHERE seen >= ?",
                                         (since,)).fetchone()[0]
        return {str(k): int(v) for k, v in out.items()}

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None
