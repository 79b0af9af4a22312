"""The local ledger: write intents, outcomes and id maps, so creates happen exactly once."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Literal, Protocol

import msgspec

EntryState = Literal["pending", "done", "failed"]


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One write intent and, once known, its outcome."""

    key: str
    provider: str
    operation: str
    state: EntryState
    fingerprint: str
    natural_key: str | None = None
    request: bytes = b""
    result: bytes | None = None
    provider_id: str | None = None
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


class LedgerStore(Protocol):
    """The storage interface; implement it to back the ledger with PostgreSQL etc.

    Methods are synchronous and may block: :class:`Ledger` calls them off the event
    loop. ``begin`` must be atomic: with many workers, use ``INSERT ... ON CONFLICT
    DO NOTHING`` (or a row lock) so only one worker owns a key.
    """

    def get(self, key: str) -> Entry | None:
        """The entry recorded under ``key``."""
        ...

    def begin(self, entry: Entry) -> Entry:
        """Record ``entry`` as pending unless ``key`` exists; return what is stored."""
        ...

    def finish(
        self,
        key: str,
        *,
        state: EntryState,
        result: bytes | None,
        provider_id: str | None,
        error: str | None,
    ) -> None:
        """Record the outcome of the write under ``key``."""
        ...

    def entries(
        self,
        *,
        provider: str | None = None,
        state: EntryState | None = None,
        prefix: str | None = None,
    ) -> list[Entry]:
        """Entries, oldest first, filtered by provider, state and key prefix."""
        ...

    def release(self, provider: str, provider_id: str) -> int:
        """Mark writes that produced ``provider_id`` as undone (it was deleted)."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS writes (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    operation TEXT NOT NULL,
    state TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    natural_key TEXT,
    request BLOB NOT NULL,
    result BLOB,
    provider_id TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS writes_by_provider ON writes (provider, state);
"""
_COLUMNS = (
    "key",
    "provider",
    "operation",
    "state",
    "fingerprint",
    "natural_key",
    "request",
    "result",
    "provider_id",
    "error",
    "created_at",
    "updated_at",
)


class SqliteLedgerStore:
    """The default store: one SQLite file in WAL mode (``":memory:"`` for a process-local one)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        import sqlite3  # lazy: only creates use the ledger, not ``import promokit``

        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._lock = threading.Lock()
        with self._lock:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"SqliteLedgerStore({self.path!r})"

    def _row(self, row: tuple[object, ...] | None) -> Entry | None:
        if row is None:
            return None
        return msgspec.convert(dict(zip(_COLUMNS, row, strict=True)), Entry)

    def _select(self, key: str) -> Entry | None:
        """The row under ``key``; the caller holds the lock."""
        cursor = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM writes WHERE key = ?", (key,))
        return self._row(cursor.fetchone())

    def get(self, key: str) -> Entry | None:
        with self._lock:
            return self._select(key)

    def begin(self, entry: Entry) -> Entry:
        now = time.time()
        values = msgspec.structs.replace(entry, created_at=now, updated_at=now, state="pending")
        with self._lock:
            self._db.execute(
                f"INSERT INTO writes ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * 12)}) "
                "ON CONFLICT(key) DO UPDATE SET state = 'pending', "
                "updated_at = excluded.updated_at WHERE writes.state = 'failed'",
                tuple(getattr(values, column) for column in _COLUMNS),
            )
            stored = self._select(entry.key)
        assert stored is not None
        return stored

    def finish(
        self,
        key: str,
        *,
        state: EntryState,
        result: bytes | None,
        provider_id: str | None,
        error: str | None,
    ) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE writes SET state = ?, result = ?, provider_id = ?, error = ?, "
                "updated_at = ? WHERE key = ?",
                (state, result, provider_id, error, time.time(), key),
            )

    def entries(
        self,
        *,
        provider: str | None = None,
        state: EntryState | None = None,
        prefix: str | None = None,
    ) -> list[Entry]:
        clauses, params = [], []
        if provider is not None:
            clauses.append("provider = ?")
            params.append(provider)
        if state is not None:
            clauses.append("state = ?")
            params.append(state)
        if prefix is not None:
            clauses.append("substr(key, 1, ?) = ?")
            params.extend([len(prefix), prefix])  # type: ignore[list-item]
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM writes{where} ORDER BY created_at, key",
                params,
            ).fetchall()
        return [entry for row in rows if (entry := self._row(row)) is not None]

    def release(self, provider: str, provider_id: str) -> int:
        with self._lock:
            cursor = self._db.execute(
                "UPDATE writes SET state = 'failed', error = 'deleted', updated_at = ? "
                "WHERE provider = ? AND provider_id = ? AND state = 'done'",
                (time.time(), provider, provider_id),
            )
            return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Ledger:
    """Async facade over a :class:`LedgerStore`; every call runs off the event loop."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"Ledger({self.store!r})"

    async def get(self, key: str) -> Entry | None:
        """The entry under ``key``, if any."""
        return await asyncio.to_thread(self.store.get, key)

    async def begin(self, entry: Entry) -> Entry:
        """Record the intent before the request; returns the stored entry (maybe older)."""
        return await asyncio.to_thread(self.store.begin, entry)

    async def done(self, key: str, result: bytes, provider_id: str | None) -> None:
        """Record success and the provider's id."""
        await asyncio.to_thread(
            self.store.finish, key, state="done", result=result, provider_id=provider_id, error=None
        )

    async def failed(self, key: str, error: str) -> None:
        """Record a definite failure (the write did not happen); the key may be reused."""
        await asyncio.to_thread(
            self.store.finish, key, state="failed", result=None, provider_id=None, error=error
        )

    async def entries(
        self,
        *,
        provider: str | None = None,
        state: EntryState | None = None,
        prefix: str | None = None,
    ) -> list[Entry]:
        """Entries, oldest first."""
        return await asyncio.to_thread(
            self.store.entries, provider=provider, state=state, prefix=prefix
        )

    async def release(self, provider: str, provider_id: str) -> int:
        """Forget writes that produced ``provider_id``, after it was deleted."""
        return await asyncio.to_thread(self.store.release, provider, provider_id)

    def close(self) -> None:
        """Close the store."""
        self.store.close()
