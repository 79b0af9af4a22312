"""One contract for every ledger store: SQLite and a real PostgreSQL server."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from promokit import Fixed, LedgerError, Promotion
from promokit.ledger import Entry, Ledger, LedgerStore
from promokit.ledger.postgres import PostgresLedgerStore
from promokit.ledger.sqlite import SCHEMA_VERSION as sqlite_schema
from promokit.ledger.sqlite import SqliteLedgerStore

from .pg_cluster import PASSWORD, Cluster, free_port

T = "mayar https://api.mayar.id/hl/v2 sandbox acct-0123456789abcdef"
OTHER = "mayar https://api.mayar.id/hl/v2 production acct-fedcba9876543210"
TIMEOUT = 5.0
Opener = Callable[[], LedgerStore]


def entry(key: str = "k1", owner: str = "host:1:aaaaaa", target: str = T) -> Entry:
    return Entry(
        key=key,
        target=target,
        provider="shop",
        operation="create",
        state="pending",
        fingerprint="f" * 32,
        natural_key="CODE1",
        request=b'{"name":"x"}',
        owner=owner,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh ledger lives: a SQLite file, or a new database on the cluster."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite3")
    cluster: Cluster = request.getfixturevalue("postgresql")
    return cluster.database()


@pytest.fixture
def opener(location: str) -> Iterator[Opener]:
    opened: list[LedgerStore] = []

    def open_store() -> LedgerStore:
        store = Ledger.at(location).store
        store.open(timeout=TIMEOUT)
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


def test_the_first_claim_owns_and_a_live_lease_keeps_others_out(opener: Opener) -> None:
    one, two = opener(), opener()
    first = one.claim(entry(owner="a"), lease_for=30, timeout=TIMEOUT)
    assert first.owned
    assert not first.took_over
    second = two.claim(entry(owner="b"), lease_for=30, timeout=TIMEOUT)
    assert not second.owned
    assert second.entry.owner == "a"
    assert second.entry.lease_until > time.time() + 20
    stored = two.get(T, "k1", timeout=TIMEOUT)
    assert stored is not None
    assert stored.state == "pending"


def test_a_dead_owner_is_taken_over_only_after_its_request_settled(opener: Opener) -> None:
    store = opener()
    assert store.claim(entry(owner="dead"), lease_for=0.2, timeout=TIMEOUT).owned
    # Before its request left, the owner said the gateway may process it for 1.5 s.
    assert store.renew(T, "k1", "dead", lease_for=0.2, settle_for=1.5, timeout=TIMEOUT)
    time.sleep(0.4)  # the lease ran out, the request has not settled yet
    assert not store.claim(entry(owner="new"), lease_for=5, timeout=TIMEOUT).owned
    time.sleep(1.3)
    taken = store.claim(entry(owner="new"), lease_for=5, timeout=TIMEOUT)
    assert taken.owned
    assert taken.took_over  # its outcome is unknown: look it up before sending
    assert not store.renew(T, "k1", "dead", lease_for=5, settle_for=None, timeout=TIMEOUT)


def test_settle_frees_the_lease_and_keeps_everyone_out_until_then(opener: Opener) -> None:
    store = opener()
    assert store.claim(entry(owner="a"), lease_for=30, timeout=TIMEOUT).owned
    assert store.settle(T, "k1", "a", settle_for=0.5, timeout=TIMEOUT)
    assert not store.claim(entry(owner="a"), lease_for=5, timeout=TIMEOUT).owned
    time.sleep(0.7)
    assert store.claim(entry(owner="b"), lease_for=5, timeout=TIMEOUT).took_over


def test_only_the_owner_records_and_a_loser_never_overwrites_a_success(opener: Opener) -> None:
    store = opener()
    assert store.claim(entry(owner="a"), lease_for=30, timeout=TIMEOUT).owned
    loser = {"state": "failed", "result": None, "provider_id": None, "error": "409"}
    assert not store.finish(T, "k1", "b", **loser, timeout=TIMEOUT)  # type: ignore[arg-type]
    assert store.finish(
        T, "k1", "a", state="done", result=b"{}", provider_id="id-1", error=None, timeout=TIMEOUT
    )
    assert not store.finish(T, "k1", "a", **loser, timeout=TIMEOUT)  # type: ignore[arg-type]
    done = store.get(T, "k1", timeout=TIMEOUT)
    assert done is not None
    assert (done.state, done.provider_id, done.result) == ("done", "id-1", b"{}")
    again = store.claim(entry(owner="c"), lease_for=30, timeout=TIMEOUT)
    assert not again.owned
    assert again.entry.state == "done"


def test_a_failed_write_is_claimed_afresh(opener: Opener) -> None:
    store = opener()
    assert store.claim(entry(owner="a"), lease_for=30, timeout=TIMEOUT).owned
    assert store.finish(
        T, "k1", "a", state="failed", result=None, provider_id=None, error="400", timeout=TIMEOUT
    )
    fresh = store.claim(entry(owner="b"), lease_for=30, timeout=TIMEOUT)
    assert fresh.owned
    assert not fresh.took_over


def test_records_belong_to_their_target(opener: Opener) -> None:
    store = opener()
    assert store.claim(entry(), lease_for=30, timeout=TIMEOUT).owned
    assert store.claim(entry(target=OTHER, owner="z"), lease_for=30, timeout=TIMEOUT).owned
    assert store.get(OTHER, "k1", timeout=TIMEOUT) is not None
    assert [e.target for e in store.entries(target=OTHER, timeout=TIMEOUT)] == [OTHER]
    assert len(store.entries(prefix="k", timeout=TIMEOUT)) == 2
    assert store.entries(state="done", timeout=TIMEOUT) == []


def test_release_and_forget(opener: Opener) -> None:
    store = opener()
    assert store.claim(entry(owner="a"), lease_for=30, timeout=TIMEOUT).owned
    assert not store.forget(T, "k1", timeout=TIMEOUT)  # a live lease is kept
    store.finish(
        T, "k1", "a", state="done", result=b"{}", provider_id="id-9", error=None, timeout=TIMEOUT
    )
    assert store.release(OTHER, "id-9", timeout=TIMEOUT) == 0
    assert store.release(T, "id-9", timeout=TIMEOUT) == 1
    released = store.get(T, "k1", timeout=TIMEOUT)
    assert released is not None
    assert released.state == "failed"
    assert store.forget(T, "k1", timeout=TIMEOUT)
    assert store.get(T, "k1", timeout=TIMEOUT) is None


def test_the_fingerprint_secret_is_made_once_and_shared(opener: Opener) -> None:
    one, two = opener(), opener()
    secret = one.secret(timeout=TIMEOUT)
    assert len(secret) == 32
    assert two.secret(timeout=TIMEOUT) == secret


CLAIMER = """
import json, sys
from promokit.ledger import Entry, Ledger
store = Ledger.at(sys.argv[1]).store
sys.stdin.readline()  # everyone starts together
claim = store.claim(
    Entry(key="race", target="t", provider="p", operation="create", state="pending",
          fingerprint="f", owner=sys.argv[2]),
    lease_for=30, timeout=20,
)
print(json.dumps({"owned": claim.owned, "owner": claim.entry.owner}))
"""


def test_every_change_to_a_targets_codes_moves_its_version_for_every_connection(
    opener: Opener,
) -> None:
    writer, reader = opener(), opener()
    assert reader.codes_version(T, timeout=TIMEOUT) == 0
    seen = [0]
    for change in (
        lambda: writer.remember_code(T, "HEMAT10", "prm_1", timeout=TIMEOUT),
        lambda: writer.remember_code(T, "HEMAT20", "prm_1", timeout=TIMEOUT),  # renamed
        lambda: writer.remember_code(T, "HEMAT20", "prm_2", timeout=TIMEOUT),  # moved
        lambda: writer.forget_codes(T, "prm_2", timeout=TIMEOUT),
    ):
        change()
        version = reader.codes_version(T, timeout=TIMEOUT)
        assert version not in seen
        seen.append(version)
    assert reader.codes_version(OTHER, timeout=TIMEOUT) == 0  # another target's own
    assert reader.codes(T, timeout=TIMEOUT) == {}


def test_the_sqlite_version_read_without_waiting_agrees_or_declines(tmp_path: Path) -> None:
    store = SqliteLedgerStore(tmp_path / "ledger.sqlite3")
    assert store.codes_version_now(T) is None  # not open yet: asked in a thread instead
    store.open(timeout=TIMEOUT)
    other = SqliteLedgerStore(tmp_path / "ledger.sqlite3")
    other.remember_code(T, "HEMAT10", "prm_1", timeout=TIMEOUT)
    assert store.codes_version_now(T) == store.codes_version(T, timeout=TIMEOUT) > 0
    with store._lock:  # another thread holds the connection: no waiting on the loop
        assert store.codes_version_now(T) is None
    store.close()
    other.close()
    assert store.codes_version_now(T) is None


def test_an_older_ledger_gains_code_versions_keeping_its_codes(location: str) -> None:
    """A ledger made before code versions (SQLite 4, PostgreSQL 3) migrates in place."""
    store = Ledger.at(location).store
    store.open(timeout=TIMEOUT)
    store.remember_code(T, "HEMAT10", "prm_1", timeout=TIMEOUT)
    store.close()
    if location.startswith("postgresql"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as db:
            db.execute("DROP TABLE promokit_code_versions")
            db.execute("DROP FUNCTION promokit_code_changed() CASCADE")
            db.execute("UPDATE promokit_meta SET value = '3' WHERE name = 'schema_version'")
    else:
        import sqlite3

        with closing(sqlite3.connect(location)) as db, db:
            db.execute("DROP TABLE code_versions")
            for event in ("insert", "update", "delete"):
                db.execute(f"DROP TRIGGER codes_{event}")
            db.execute("PRAGMA user_version = 4")
    again = Ledger.at(location).store
    again.open(timeout=TIMEOUT)
    try:
        assert again.codes(T, timeout=TIMEOUT) == {"HEMAT10": "prm_1"}
        before = again.codes_version(T, timeout=TIMEOUT)
        again.forget_codes(T, "prm_1", timeout=TIMEOUT)
        assert again.codes_version(T, timeout=TIMEOUT) != before
    finally:
        again.close()


def test_eight_processes_claiming_one_key_give_it_one_owner(location: str) -> None:
    schema = Ledger.at(location).store
    schema.open(timeout=TIMEOUT)  # the schema first: the processes race on the key
    schema.close()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, location, f"worker-{n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    answers = [json.loads(process.communicate(timeout=60)[0]) for process in processes]
    winners = [answer for answer in answers if answer["owned"]]
    assert len(winners) == 1
    assert {answer["owner"] for answer in answers} == {winners[0]["owner"]}


def test_a_newer_schema_is_refused(location: str) -> None:
    store = Ledger.at(location).store
    store.open(timeout=TIMEOUT)
    store.close()
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as db:
            db.execute("UPDATE promokit_meta SET value = '99' WHERE name = 'schema_version'")
    else:
        import sqlite3

        with closing(sqlite3.connect(location)) as db, db:
            db.execute("PRAGMA user_version = 99")
    with pytest.raises(LedgerError) as caught:
        Ledger.at(location).store.open(timeout=TIMEOUT)
    assert "schema version 99, newer" in str(caught.value)


PROMO = Promotion(name="Ledger sale", code="LEDGER1", discount=Fixed(amount=5000))


@pytest.mark.parametrize("problem", ["unreachable", "wrong password"])
async def test_a_postgresql_ledger_that_cannot_be_used_is_one_error_within_the_deadline(
    postgresql: Cluster, problem: str
) -> None:
    url = (
        f"postgresql://promokit:{PASSWORD}@127.0.0.1:{free_port()}/postgres"
        if problem == "unreachable"
        else postgresql.url(password="not-the-password-123")
    )
    ledger = Ledger.at(url)
    started = time.monotonic()
    with pytest.raises(LedgerError) as caught:
        await ledger.open()
    assert time.monotonic() - started < 5.0
    message = str(caught.value)
    assert "PostgreSQL ledger postgresql://promokit:***@127.0.0.1" in message
    assert PASSWORD not in message + repr(caught.value)
    assert "not-the-password-123" not in message
    expected = "cannot be reached" if problem == "unreachable" else "refused the password"
    assert expected in message
    ledger.close()


def test_the_url_password_is_masked_in_names_and_reprs(postgresql: Cluster) -> None:
    store = PostgresLedgerStore(postgresql.url())
    assert PASSWORD not in store.name + repr(store) + repr(Ledger(store))
    assert isinstance(SqliteLedgerStore(":memory:").name, str)


def test_a_promokit_0_1_sqlite_ledger_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    # The 0.1 schema: keyed by alias, no user_version.
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript(
            "CREATE TABLE writes (key TEXT PRIMARY KEY, provider TEXT NOT NULL, "
            "operation TEXT NOT NULL, state TEXT NOT NULL, fingerprint TEXT NOT NULL, "
            "natural_key TEXT, request BLOB NOT NULL, result BLOB, provider_id TEXT, "
            "error TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL);"
            "CREATE INDEX writes_by_provider ON writes (provider, state);"
        )
        db.execute(
            "INSERT INTO writes VALUES ('k-old', 'shop', 'create', 'done', 'fp', 'CODE', "
            "x'7b7d', x'7b7d', 'id-1', NULL, 1.0, 2.0)"
        )
    store = SqliteLedgerStore(path)
    old = store.get("legacy:shop", "k-old", timeout=TIMEOUT)
    assert old is not None  # kept, readable, but it answers no target's create
    assert (old.state, old.provider_id, old.natural_key, old.created_at) == (
        "done",
        "id-1",
        "CODE",
        1.0,
    )
    assert store.get(T, "k-old", timeout=TIMEOUT) is None
    store.close()
    with closing(sqlite3.connect(path)) as db, db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == sqlite_schema


@pytest.mark.parametrize("shared", ["memory", "file"])
async def test_code_books_sharing_a_ledger_see_each_others_changes(
    shared: str, tmp_path: Path
) -> None:
    """In one process: two clients on one in-memory ledger, or on one file."""
    from promokit.plugins.codes import CodeBook

    if shared == "memory":
        ledgers = [Ledger.memory()] * 2
    else:
        ledgers = [Ledger.at(tmp_path / "ledger.sqlite3") for _ in range(2)]

    async def target() -> str:
        return T

    one, two = CodeBook(), CodeBook()
    one.bind(ledgers[0], target)
    two.bind(ledgers[1], target)
    try:
        assert await two.id_for("HEMAT10") is None
        await one.remember("HEMAT10", "prm_1")
        assert await two.id_for("HEMAT10") == "prm_1"
        await one.remember("HEMAT20", "prm_1")
        assert await two.id_for("HEMAT10") is None
        assert await two.id_for("HEMAT20") == "prm_1"
        await two.ready_for("prm_1")
        assert two.code_for("prm_1") == "HEMAT20"
        await one.forget("prm_1")
        assert await two.id_for("HEMAT20") is None
    finally:
        for ledger in set(ledgers):
            ledger.close()
