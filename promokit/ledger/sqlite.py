"""The embedded ledger store: one SQLite file in WAL mode, shared by the workers of one host."""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from promokit.errors import LedgerError
from promokit.ledger import rows
from promokit.ledger.entries import COLUMNS, Claim, Entry, EntryState, decide
from promokit.ledger.sqlite_schema import FRESH, MIGRATIONS, SCHEMA_VERSION, statements

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM writes"
_INSERT = rows.insert_sql("writes", "?")
_RECLAIM = rows.reclaim_sql("writes", "?")


def describe(error: sqlite3.Error) -> str:
    """What a sqlite3 error means for the merchant, in words."""
    text = str(error)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return "is locked by another process and did not free in time"
    if "not a database" in lowered or "malformed" in lowered:
        return f"is corrupted or not a SQLite file ({text})"
    if "readonly" in lowered or "read-only" in lowered:
        return f"cannot be written (read-only file or directory: {text})"
    if "unable to open" in lowered:
        return f"cannot be opened ({text}; is the directory writable?)"
    if "full" in lowered:
        return f"cannot grow: the disk is full ({text})"
    return f"failed: {type(error).__name__}: {text}"


def _code_version(db: sqlite3.Connection, target: str) -> int:
    row = db.execute("SELECT version FROM code_versions WHERE target = ?", (target,)).fetchone()
    return 0 if row is None else int(row[0])


class SqliteLedgerStore:
    """The default store: one SQLite file (``":memory:"`` for a process-local one).

    Every worker on the host opens the same file; WAL mode lets readers run while one
    writer claims, and ``BEGIN IMMEDIATE`` makes a claim atomic across processes.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.name = f"SQLite ledger {self.path}"
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._busy_ms = 0
        """The connection's ``busy_timeout`` as last set (0: fail at once)."""
        self._code_writes = 0
        """Code writes through this store: the codes version of a ``":memory:"`` one."""

    def __repr__(self) -> str:
        return f"SqliteLedgerStore({self.path!r})"

    def _fail(self, what: str) -> LedgerError:
        return LedgerError(f"the {self.name} {what}; nothing was sent", store=self.name)

    @contextlib.contextmanager
    def _using(self, timeout: float) -> Iterator[sqlite3.Connection]:
        """The connection under the lock, waiting at most ``timeout`` for either."""
        if not self._lock.acquire(timeout=max(timeout, 0.001)):
            raise self._fail("is busy in this process and did not free in time")
        try:
            if self._closed:
                # A call abandoned at its deadline may finish in its worker thread after
                # the client closed: opening a new connection then would leak it.
                raise self._fail("is closed")
            if self._db is None:
                self._connect(timeout)
            assert self._db is not None
            busy = max(1, int(timeout * 1000))
            if busy != self._busy_ms:
                self._db.execute(f"PRAGMA busy_timeout = {busy}")
                self._busy_ms = busy
            yield self._db
        except sqlite3.Error as error:
            raise self._fail(describe(error)) from None
        finally:
            self._lock.release()

    def _connect(self, timeout: float) -> None:
        if self.path != ":memory:":
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise self._fail(f"cannot be created ({error.strerror})") from None
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=0)
        try:
            self._busy_ms = max(1, int(timeout * 1000))
            db.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            if self.path != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        self._db = db

    def _version(self, db: sqlite3.Connection) -> int:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if (
            version == 0
            and db.execute("SELECT 1 FROM sqlite_master WHERE name = 'writes'").fetchone()
        ):
            return 1  # 0.1 wrote no user_version
        return version

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Bring the schema to :data:`SCHEMA_VERSION`, one step per transaction.

        The version is read again inside each write transaction: of several
        processes opening a new file at once, one migrates and the others see it.
        """
        if self._version(db) == SCHEMA_VERSION:
            return
        while True:
            db.execute("BEGIN IMMEDIATE")
            try:
                version = self._version(db)
                if version > SCHEMA_VERSION:
                    raise self._fail(
                        f"has schema version {version}, newer than this promokit knows "
                        f"({SCHEMA_VERSION}); upgrade promokit"
                    )
                if version == SCHEMA_VERSION:
                    db.execute("COMMIT")
                    return
                script, version = (
                    (FRESH, SCHEMA_VERSION) if version == 0 else (MIGRATIONS[version], version + 1)
                )
                for statement in statements(script):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite rolls back by itself on a full disk
                    db.execute("ROLLBACK")
                raise

    def open(self, *, timeout: float) -> None:
        with self._using(timeout):
            pass

    def secret(self, *, timeout: float) -> bytes:
        with self._using(timeout) as db:
            db.execute(
                "INSERT INTO meta (name, value) VALUES ('secret', ?) ON CONFLICT DO NOTHING",
                (secrets.token_bytes(32),),
            )
            return bytes(db.execute("SELECT value FROM meta WHERE name = 'secret'").fetchone()[0])

    def _select(self, db: sqlite3.Connection, target: str, key: str) -> Entry | None:
        return rows.entry_of(
            db.execute(f"{_SELECT} WHERE target = ? AND key = ?", (target, key)).fetchone()
        )

    def get(self, target: str, key: str, *, timeout: float) -> Entry | None:
        with self._using(timeout) as db:
            return self._select(db, target, key)

    def claim(self, entry: Entry, *, lease_for: float, timeout: float) -> Claim:
        with self._using(timeout) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                claim = self._claim(db, entry, lease_for)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite rolls back by itself on a full disk
                    db.execute("ROLLBACK")
                raise
            return claim

    def _claim(self, db: sqlite3.Connection, entry: Entry, lease_for: float) -> Claim:
        stored = self._select(db, entry.target, entry.key)
        claim = decide(stored, entry, now=time.time(), lease_for=lease_for)
        if not claim.owned:
            return claim
        mine = claim.entry
        if stored is None:
            db.execute(_INSERT, rows.insert_values(mine))
        else:
            db.execute(_RECLAIM, rows.reclaim_values(mine))
        return claim

    def renew(
        self,
        target: str,
        key: str,
        owner: str,
        *,
        lease_for: float,
        settle_for: float | None,
        timeout: float,
    ) -> bool:
        now = time.time()
        with self._using(timeout) as db:
            if settle_for is None:
                cursor = db.execute(
                    "UPDATE writes SET lease_until = ? WHERE target = ? AND key = ? "
                    "AND owner = ? AND state = 'pending'",
                    (now + lease_for, target, key, owner),
                )
            else:
                cursor = db.execute(
                    "UPDATE writes SET lease_until = ?, settles_at = max(settles_at, ?) "
                    "WHERE target = ? AND key = ? AND owner = ? AND state = 'pending'",
                    (now + lease_for, now + settle_for, target, key, owner),
                )
            return cursor.rowcount == 1

    def settle(
        self, target: str, key: str, owner: str, *, settle_for: float, timeout: float
    ) -> bool:
        with self._using(timeout) as db:
            cursor = db.execute(
                "UPDATE writes SET lease_until = 0, settles_at = ? "
                "WHERE target = ? AND key = ? AND owner = ? AND state = 'pending'",
                (time.time() + settle_for, target, key, owner),
            )
            return cursor.rowcount == 1

    def finish(
        self,
        target: str,
        key: str,
        owner: str,
        *,
        state: EntryState,
        result: bytes | None,
        provider_id: str | None,
        error: str | None,
        timeout: float,
    ) -> bool:
        with self._using(timeout) as db:
            cursor = db.execute(
                "UPDATE writes SET state = ?, result = ?, provider_id = ?, error = ?, "
                "owner = NULL, lease_until = 0, updated_at = ? "
                "WHERE target = ? AND key = ? AND owner = ? AND state = 'pending'",
                (state, result, provider_id, error, time.time(), target, key, owner),
            )
            return cursor.rowcount == 1

    def entries(
        self,
        *,
        target: str | None = None,
        state: EntryState | None = None,
        prefix: str | None = None,
        timeout: float,
    ) -> list[Entry]:
        query, params = rows.entries_sql(
            _SELECT,
            mark="?",
            key_head="substr(key, 1, ?)",
            target=target,
            state=state,
            prefix=prefix,
        )
        with self._using(timeout) as db:
            found = db.execute(query, params).fetchall()
        return [entry for row in found if (entry := rows.entry_of(row)) is not None]

    def release(self, target: str, provider_id: str, *, timeout: float) -> int:
        with self._using(timeout) as db:
            cursor = db.execute(
                "UPDATE writes SET state = 'failed', error = 'deleted', updated_at = ? "
                "WHERE target = ? AND provider_id = ? AND state = 'done'",
                (time.time(), target, provider_id),
            )
            return cursor.rowcount

    def forget(self, target: str, key: str, *, timeout: float) -> bool:
        with self._using(timeout) as db:
            cursor = db.execute(
                "DELETE FROM writes WHERE target = ? AND key = ? "
                "AND NOT (state = 'pending' AND max(lease_until, settles_at) > ?)",
                (target, key, time.time()),
            )
            return cursor.rowcount == 1

    def take_slot(
        self, target: str, *, rate: int, hold_for: float, timeout: float
    ) -> tuple[str | None, float]:
        now = time.time()
        with self._using(timeout) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM rate_slots WHERE held_until <= ?", (now,))
                held, first = db.execute(
                    "SELECT count(*), min(held_until) FROM rate_slots WHERE target = ?",
                    (target,),
                ).fetchone()
                slot = None
                if held < rate:
                    slot = secrets.token_hex(8)
                    db.execute(
                        "INSERT INTO rate_slots (target, id, held_until) VALUES (?, ?, ?)",
                        (target, slot, now + hold_for),
                    )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return slot, 0.0 if slot is not None else max(0.0, float(first) - now)

    def free_slot(self, target: str, slot: str, *, period: float, timeout: float) -> None:
        with self._using(timeout) as db:
            db.execute(
                "UPDATE rate_slots SET held_until = min(held_until, ?) WHERE target = ? AND id = ?",
                (time.time() + period, target, slot),
            )

    def remember_code(self, target: str, code: str, promo_id: str, *, timeout: float) -> None:
        with self._using(timeout) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                # One code per promo: a promo whose code changed loses the old one.
                db.execute(
                    "DELETE FROM codes WHERE target = ? AND promo_id = ?", (target, promo_id)
                )
                db.execute(
                    "INSERT INTO codes (target, code, promo_id) VALUES (?, ?, ?) "
                    "ON CONFLICT (target, code) DO UPDATE SET promo_id = excluded.promo_id",
                    (target, code, promo_id),
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            self._code_writes += 1

    def forget_codes(self, target: str, promo_id: str, *, timeout: float) -> None:
        with self._using(timeout) as db:
            db.execute("DELETE FROM codes WHERE target = ? AND promo_id = ?", (target, promo_id))
            self._code_writes += 1

    def codes_version(self, target: str, *, timeout: float) -> int:
        if self.path == ":memory:":
            return self._code_writes
        with self._using(timeout) as db:
            return _code_version(db, target)

    def codes_version_now(self, target: str) -> int | None:
        """:meth:`codes_version` without waiting, on the caller's thread (the event loop).

        A primary-key read of an open connection, a few microseconds: ``None`` when it
        would wait (another thread holds the connection, a writer's lock) or the
        connection is not open yet, so the caller asks in a worker thread instead.
        In memory, where only this store writes, the count of its code writes.
        """
        if self.path == ":memory:":
            return self._code_writes
        if not self._lock.acquire(blocking=False):
            return None
        try:
            db = self._db
            if db is None or self._closed:
                return None
            if self._busy_ms:
                db.execute("PRAGMA busy_timeout = 0")  # fail at once rather than wait
                self._busy_ms = 0
            return _code_version(db, target)
        except sqlite3.Error:
            return None
        finally:
            self._lock.release()

    def codes(
        self,
        target: str,
        *,
        timeout: float,
        code: str | None = None,
        promo_id: str | None = None,
    ) -> dict[str, str]:
        query, values = rows.codes_sql(
            "codes", mark="?", target=target, code=code, promo_id=promo_id
        )
        with self._using(timeout) as db:
            found = db.execute(query, values).fetchall()
        return {str(code): str(promo_id) for code, promo_id in found}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._db is not None:
                self._db.close()
                self._db = None
