"""The many-hosts ledger store: PostgreSQL through psycopg 3, row locks for ownership."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from promokit.errors import ConfigurationError, LedgerError
from promokit.ledger import rows
from promokit.ledger.entries import COLUMNS, Claim, Entry, EntryState, decide
from promokit.ledger.postgres_schema import FRESH, LOCK_ID, MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import psycopg

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM promokit_writes"
_INSERT = rows.insert_sql("promokit_writes", "%s")
_RECLAIM = rows.reclaim_sql("promokit_writes", "%s")
_NOW = "extract(epoch from clock_timestamp())::float8"


def masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for names and messages).

    Both places libpq takes one are masked — the user info (``u:pw@``) and a
    ``password`` query parameter — and a multi-host URL (``@h1:5432,h2:5433``) is
    kept as written: the netloc is split by hand, never through ``urlsplit().port``.
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    userinfo, at, hosts = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.partition(':')[0]}:***@{hosts}"
    query = "&".join(
        f"{name}=***" if unquote(name).lower() == "password" else piece
        for piece in parts.query.split("&")
        for name in (piece.partition("=")[0],)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def passwords(url: str) -> tuple[str, ...]:
    """Every password ``url`` carries, as written and decoded, to mask in messages.

    psycopg's own conninfo parser answers where it is installed (it knows every
    form libpq accepts); the URL's user info and query are read as well.
    """
    found: set[str] = set()
    with contextlib.suppress(Exception):  # no psycopg, or a URL libpq refuses
        from psycopg.conninfo import conninfo_to_dict

        given = conninfo_to_dict(url).get("password")
        if given:
            found.add(str(given))
    parts = urlsplit(url)
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        found.add(userinfo.partition(":")[2])
    for piece in parts.query.split("&"):
        name, _, value = piece.partition("=")
        if unquote(name).lower() == "password":
            found.add(value)
    found |= {unquote(word) for word in found}
    return tuple(sorted((word for word in found if word), key=len, reverse=True))


class PostgresLedgerStore:
    """A ledger shared by every host that reaches one PostgreSQL database.

    Ownership uses a transaction with ``SELECT … FOR UPDATE`` (and ``INSERT … ON
    CONFLICT DO NOTHING`` for a new key), and lease times come from the server's
    clock, so hosts whose clocks disagree still agree on when a lease ends.
    Requires ``pip install 'promokit[postgresql]'`` (psycopg 3).
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._secret_words = passwords(url)
        self.name = f"PostgreSQL ledger {masked(url)}"
        self._db: psycopg.Connection[tuple[Any, ...]] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresLedgerStore({masked(self._url)!r})"

    def _fail(self, what: str) -> LedgerError:
        for word in self._secret_words:
            what = what.replace(word, "***")
        return LedgerError(f"the {self.name} {what}; nothing was sent", store=self.name)

    @contextlib.contextmanager
    def _using(self, timeout: float) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """The connection under the lock, in a transaction bounded by ``timeout``."""
        self._require_driver()
        import psycopg

        if not self._lock.acquire(timeout=max(timeout, 0.001)):
            raise self._fail("is busy in this process and did not free in time")
        try:
            if self._db is None or self._db.closed:
                self._db = self._connect(timeout)
            db = self._db
            with db.transaction():
                milliseconds = max(1, int(timeout * 1000))
                # Both bound the call: a statement that runs, and a row lock waited for.
                db.execute(f"SET LOCAL statement_timeout = {milliseconds}")
                db.execute(f"SET LOCAL lock_timeout = {milliseconds}")
                yield db
        except psycopg.Error as error:
            if self._db is not None and self._db.broken:
                self._db = None
            raise self._fail(_describe(error)) from None
        finally:
            self._lock.release()

    def _require_driver(self) -> None:
        """Raise the error that says how to install psycopg (an optional extra) if absent."""
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise ConfigurationError(
                f"the {self.name} needs psycopg: pip install 'promokit[postgresql]'"
            ) from None

    def _connect(self, timeout: float) -> psycopg.Connection[tuple[Any, ...]]:
        import psycopg

        # libpq counts connect_timeout in whole seconds, at least 2.
        db = psycopg.connect(self._url, connect_timeout=max(2, int(timeout + 0.999)))
        try:
            db.autocommit = True
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, db: psycopg.Connection[tuple[Any, ...]]) -> None:
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))
            db.execute(
                "CREATE TABLE IF NOT EXISTS promokit_meta (name text PRIMARY KEY, value bytea)"
            )
            row = db.execute(
                "SELECT value FROM promokit_meta WHERE name = 'schema_version'"
            ).fetchone()
            version = 0 if row is None else int(bytes(row[0]).decode())
            if version > SCHEMA_VERSION:
                raise self._fail(
                    f"has schema version {version}, newer than this promokit knows "
                    f"({SCHEMA_VERSION}); upgrade promokit"
                )
            while version < SCHEMA_VERSION:
                script, version = (
                    (FRESH, SCHEMA_VERSION) if version == 0 else (MIGRATIONS[version], version + 1)
                )
                # Without parameters psycopg sends the script as one simple query.
                db.execute(script.encode())
            db.execute(
                "INSERT INTO promokit_meta (name, value) VALUES ('schema_version', %s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (str(version).encode(),),
            )

    def open(self, *, timeout: float) -> None:
        with self._using(timeout):
            pass

    def secret(self, *, timeout: float) -> bytes:
        with self._using(timeout) as db:
            db.execute(
                "INSERT INTO promokit_meta (name, value) VALUES ('secret', %s) "
                "ON CONFLICT DO NOTHING",
                (secrets.token_bytes(32),),
            )
            row = db.execute("SELECT value FROM promokit_meta WHERE name = 'secret'").fetchone()
            assert row is not None
            return bytes(row[0])

    def get(self, target: str, key: str, *, timeout: float) -> Entry | None:
        with self._using(timeout) as db:
            return rows.entry_of(
                db.execute(f"{_SELECT} WHERE target = %s AND key = %s", (target, key)).fetchone()
            )

    def claim(self, entry: Entry, *, lease_for: float, timeout: float) -> Claim:
        with self._using(timeout) as db:
            now = float(db.execute(f"SELECT {_NOW}").fetchone()[0])  # type: ignore[index]
            stored = rows.entry_of(
                db.execute(
                    f"{_SELECT} WHERE target = %s AND key = %s FOR UPDATE",
                    (entry.target, entry.key),
                ).fetchone()
            )
            claim = decide(stored, entry, now=now, lease_for=lease_for)
            if not claim.owned:
                return claim
            mine = claim.entry
            if stored is None:
                inserted = db.execute(
                    f"{_INSERT} ON CONFLICT DO NOTHING RETURNING key", rows.insert_values(mine)
                ).fetchone()
                if inserted is None:
                    # Another host inserted it between our read and our insert: its row
                    # is locked by its transaction until it commits; decide on it then.
                    raced = rows.entry_of(
                        db.execute(
                            f"{_SELECT} WHERE target = %s AND key = %s FOR UPDATE",
                            (entry.target, entry.key),
                        ).fetchone()
                    )
                    return Claim(entry=raced or mine, owned=False)
                return claim
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
        with self._using(timeout) as db:
            cursor = db.execute(
                f"UPDATE promokit_writes SET lease_until = {_NOW} + %s, "
                f"settles_at = CASE WHEN %s::float8 IS NULL THEN settles_at "
                f"ELSE greatest(settles_at, {_NOW} + %s) END "
                "WHERE target = %s AND key = %s AND owner = %s AND state = 'pending'",
                (lease_for, settle_for, settle_for, target, key, owner),
            )
            return cursor.rowcount == 1

    def settle(
        self, target: str, key: str, owner: str, *, settle_for: float, timeout: float
    ) -> bool:
        with self._using(timeout) as db:
            cursor = db.execute(
                f"UPDATE promokit_writes SET lease_until = 0, settles_at = {_NOW} + %s "
                "WHERE target = %s AND key = %s AND owner = %s AND state = 'pending'",
                (settle_for, target, key, owner),
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
                "UPDATE promokit_writes SET state = %s, result = %s, provider_id = %s, "
                f"error = %s, owner = NULL, lease_until = 0, updated_at = {_NOW} "
                "WHERE target = %s AND key = %s AND owner = %s AND state = 'pending'",
                (state, result, provider_id, error, target, key, owner),
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
            mark="%s",
            key_head="left(key, %s)",
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
                f"UPDATE promokit_writes SET state = 'failed', error = 'deleted', "
                f"updated_at = {_NOW} WHERE target = %s AND provider_id = %s AND state = 'done'",
                (target, provider_id),
            )
            return cursor.rowcount

    def forget(self, target: str, key: str, *, timeout: float) -> bool:
        with self._using(timeout) as db:
            cursor = db.execute(
                "DELETE FROM promokit_writes WHERE target = %s AND key = %s "
                f"AND NOT (state = 'pending' AND greatest(lease_until, settles_at) > {_NOW})",
                (target, key),
            )
            return cursor.rowcount == 1

    def take_slot(
        self, target: str, *, rate: int, hold_for: float, timeout: float
    ) -> tuple[str | None, float]:
        with self._using(timeout) as db:
            # One window per target: a transaction-scoped lock on its hash orders takers.
            db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (target,))
            now = float(db.execute(f"SELECT {_NOW}").fetchone()[0])  # type: ignore[index]
            db.execute("DELETE FROM promokit_rate_slots WHERE held_until <= %s", (now,))
            row = db.execute(
                "SELECT count(*), min(held_until) FROM promokit_rate_slots WHERE target = %s",
                (target,),
            ).fetchone()
            assert row is not None
            held, first = row
            if held >= rate:
                return None, max(0.0, float(first) - now)
            slot = secrets.token_hex(8)
            db.execute(
                "INSERT INTO promokit_rate_slots (target, id, held_until) VALUES (%s, %s, %s)",
                (target, slot, now + hold_for),
            )
            return slot, 0.0

    def free_slot(self, target: str, slot: str, *, period: float, timeout: float) -> None:
        with self._using(timeout) as db:
            db.execute(
                f"UPDATE promokit_rate_slots SET held_until = least(held_until, {_NOW} + %s) "
                "WHERE target = %s AND id = %s",
                (period, target, slot),
            )

    def remember_code(self, target: str, code: str, promo_id: str, *, timeout: float) -> None:
        with self._using(timeout) as db:
            # One code per promo: a promo whose code changed loses the old one.
            db.execute(
                "DELETE FROM promokit_codes WHERE target = %s AND promo_id = %s",
                (target, promo_id),
            )
            db.execute(
                "INSERT INTO promokit_codes (target, code, promo_id) VALUES (%s, %s, %s) "
                "ON CONFLICT (target, code) DO UPDATE SET promo_id = excluded.promo_id",
                (target, code, promo_id),
            )

    def forget_codes(self, target: str, promo_id: str, *, timeout: float) -> None:
        with self._using(timeout) as db:
            db.execute(
                "DELETE FROM promokit_codes WHERE target = %s AND promo_id = %s",
                (target, promo_id),
            )

    def codes_version(self, target: str, *, timeout: float) -> int:
        with self._using(timeout) as db:
            row = db.execute(
                "SELECT version FROM promokit_code_versions WHERE target = %s", (target,)
            ).fetchone()
        return 0 if row is None else int(row[0])

    def codes(
        self,
        target: str,
        *,
        timeout: float,
        code: str | None = None,
        promo_id: str | None = None,
    ) -> dict[str, str]:
        query, values = rows.codes_sql(
            "promokit_codes", mark="%s", target=target, code=code, promo_id=promo_id
        )
        with self._using(timeout) as db:
            found = db.execute(query, values).fetchall()
        return {str(code): str(promo_id) for code, promo_id in found}

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _describe(error: Exception) -> str:
    """What a psycopg error means for the merchant, in words."""
    import psycopg

    text = " ".join(str(error).split())
    if isinstance(error, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
        return "is locked or slow and did not answer in time"
    if "password authentication failed" in text:
        return f"refused the password ({text})"
    if isinstance(error, psycopg.OperationalError):
        return f"cannot be reached ({text})"
    if isinstance(error, psycopg.errors.DiskFull):
        return f"cannot grow: the disk is full ({text})"
    return f"failed: {type(error).__name__}: {text}"
