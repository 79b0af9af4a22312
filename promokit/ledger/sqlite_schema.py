"""The SQLite ledger's schema: its tables, and the steps that bring an older file up to date."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from promokit.ledger.entries import COLUMNS

SCHEMA_VERSION = 5
"""Kept in ``PRAGMA user_version``; 1 was the alias-keyed table of promokit 0.1, 2 had
no shared rate budget, 3 no code map, 4 no code map versions."""

_V2 = """
CREATE TABLE writes (
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    provider TEXT NOT NULL,
    operation TEXT NOT NULL,
    state TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    natural_key TEXT,
    request BLOB NOT NULL,
    result BLOB,
    provider_id TEXT,
    error TEXT,
    owner TEXT,
    lease_until REAL NOT NULL DEFAULT 0,
    settles_at REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (target, key)
);
CREATE INDEX writes_by_provider_id ON writes (target, provider_id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""
_RATE = """
CREATE TABLE rate_slots (
    target TEXT NOT NULL,
    id TEXT NOT NULL,
    held_until REAL NOT NULL,
    PRIMARY KEY (target, id)
);
"""
_CODES = """
CREATE TABLE codes (
    target TEXT NOT NULL,
    code TEXT NOT NULL,
    promo_id TEXT NOT NULL,
    PRIMARY KEY (target, code)
);
CREATE INDEX codes_by_promo ON codes (target, promo_id);
"""
# Every change to a target's codes, by any writer (an older promokit still running
# included), bumps its version in the same transaction: a reader that finds the
# version it last read knows its copy of the map is current.
_CODE_VERSIONS = """
CREATE TABLE code_versions (target TEXT PRIMARY KEY, version INTEGER NOT NULL);
""" + "".join(
    f"""
CREATE TRIGGER codes_{event.lower()} AFTER {event} ON codes BEGIN
    INSERT INTO code_versions (target, version) VALUES ({row}.target, 1)
    ON CONFLICT (target) DO UPDATE SET version = version + 1;
END;
"""
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
)

FRESH = _V2 + _RATE + _CODES + _CODE_VERSIONS
"""The current schema, which a new file gets at once."""

# An older file steps from version N to N + 1, each step in one transaction.
MIGRATIONS: dict[int, str] = {
    # 0.1's rows had no target: they stay readable under "legacy:<alias>" but never
    # answer a create for a target, since nobody knows which account they went to.
    1: "ALTER TABLE writes RENAME TO writes_v1;"
    + _V2
    + f"INSERT INTO writes ({', '.join(COLUMNS)}) SELECT 'legacy:' || provider, key, provider, "
    "operation, state, fingerprint, natural_key, request, result, provider_id, error, NULL, "
    "0, 0, created_at, updated_at FROM writes_v1; DROP TABLE writes_v1;",
    2: _RATE,
    3: _CODES,
    4: _CODE_VERSIONS,
}


def statements(script: str) -> Iterator[str]:
    """The statements of ``script``, a trigger's body (its own ``;``) kept whole."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""
