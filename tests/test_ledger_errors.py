"""A ledger that cannot be used is one LedgerError naming the store, before any request."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import Fixed, LedgerError, Promotion
from promokit.plugins import Plugins
from promokit.plugins.emulator import EmulatorServer

from .conftest import CANARY_KEY, EchoEmulator

PROMO = Promotion(name="Ledger sale", code="LEDGER1", discount=Fixed(amount=5000))


@pytest.fixture
async def server() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(EchoEmulator()) as running:
        yield running


def config(url: str, ledger: Path) -> dict[str, Any]:
    return {
        "ledger": str(ledger),
        "providers": {"echo": {"plugin": "echo", "api_key": CANARY_KEY, "base_url": url}},
    }


async def refused(plugins: Plugins, server: EmulatorServer, ledger: Path, **call: Any) -> str:
    async with promokit.Client.from_config(config(server.url, ledger), plugins=plugins) as client:
        with pytest.raises(LedgerError) as caught:
            await client.create(PROMO, **call)
    assert not server.emulator.requests  # refused before any gateway request
    assert caught.value.store == f"SQLite ledger {ledger}"
    assert caught.value.outcome == "not_sent"
    return str(caught.value)


async def test_a_corrupted_file_names_the_store(
    plugins: Plugins, server: EmulatorServer, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    ledger.write_bytes(b"this is not a database, just text " * 200)
    assert "corrupted or not a SQLite file" in await refused(plugins, server, ledger)


async def test_a_truncated_file_names_the_store(
    plugins: Plugins, server: EmulatorServer, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    with closing(sqlite3.connect(ledger)) as db, db:
        db.execute("CREATE TABLE filler (x TEXT)")
        db.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
    data = ledger.read_bytes()
    ledger.write_bytes(data[: len(data) // 3])
    message = await refused(plugins, server, ledger)
    assert "corrupted" in message or "malformed" in message


async def test_a_read_only_directory_names_the_store(
    plugins: Plugins, server: EmulatorServer, tmp_path: Path
) -> None:
    if os.geteuid() == 0:
        folder = Path("/proc/self")  # root may write anywhere on disk, never into /proc
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
    try:
        message = await refused(plugins, server, folder / "ledger.sqlite3")
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o700)
    assert "cannot be opened" in message or "read-only" in message


async def test_a_ledger_from_a_newer_schema_is_refused(
    plugins: Plugins, server: EmulatorServer, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    with closing(sqlite3.connect(ledger)) as db, db:
        db.execute("PRAGMA user_version = 99")
    assert "schema version 99, newer" in await refused(plugins, server, ledger)


async def test_a_locked_ledger_respects_the_calls_deadline(
    plugins: Plugins, server: EmulatorServer, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    async with promokit.Client.from_config(config(server.url, ledger), plugins=plugins) as client:
        await client.ledger.open()  # the schema exists: the lock is what stops us
    holder = sqlite3.connect(ledger, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        started = time.monotonic()
        message = await refused(plugins, server, ledger, timeout=0.5)
        assert time.monotonic() - started < 3.0  # the call's 0.5 s, not SQLite's 30 s
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # SQLite's busy timeout says "locked"; on a loaded machine the call's own deadline
    # may strike first and says the ledger did not answer: the store is named either way.
    assert "locked by another process" in message or "did not answer within 0.5s" in message


async def test_a_full_disk_names_the_store_and_writes_nothing(
    plugins: Plugins, server: EmulatorServer, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    async with promokit.Client.from_config(config(server.url, ledger), plugins=plugins) as client:
        await client.target()  # schema and the ledger's secret are written
        store: Any = client.ledger.store
        with store._using(1.0) as db:  # the file may not grow by one more page
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages}")
        big = Promotion(name="x" * 20_000, code="FULL1", discount=Fixed(amount=1))
        with pytest.raises(LedgerError) as caught:
            await client.create(big)
        assert "disk is full" in str(caught.value)
        assert not server.emulator.requests
        assert await client.ledger.entries() == []  # nothing half-written
