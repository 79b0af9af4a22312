"""Ledger rows to entries and back: the SQL shapes the SQLite and PostgreSQL stores share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from promokit.ledger.entries import COLUMNS, Entry, EntryState

_RECLAIMED = (
    "owner",
    "lease_until",
    "settles_at",
    "request",
    "fingerprint",
    "natural_key",
    "updated_at",
)
"""What a claim of a stored key writes over (the rest of the row is the key's own)."""


def entry_of(row: Sequence[Any] | None) -> Entry | None:
    """The entry a ``SELECT`` of :data:`COLUMNS` returned (``None`` for no row).

    Blobs come back as ``bytes`` from SQLite and as ``memoryview`` from psycopg:
    both are read as ``bytes``.
    """
    if row is None:
        return None
    values = dict(zip(COLUMNS, row, strict=True))
    for column in ("request", "result"):
        if values[column] is not None:
            values[column] = bytes(values[column])
    return msgspec.convert(values, Entry)


def insert_sql(table: str, mark: str) -> str:
    """``INSERT`` of a whole entry into ``table``; ``mark`` is the driver's placeholder."""
    return f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"


def insert_values(entry: Entry) -> tuple[object, ...]:
    """The parameters of :func:`insert_sql`."""
    return tuple(getattr(entry, column) for column in COLUMNS)


def reclaim_sql(table: str, mark: str) -> str:
    """``UPDATE`` that makes a stored key pending under its new owner (see ``decide``)."""
    sets = ", ".join(f"{column} = {mark}" for column in _RECLAIMED)
    return (
        f"UPDATE {table} SET state = 'pending', {sets}, error = NULL "
        f"WHERE target = {mark} AND key = {mark}"
    )


def reclaim_values(entry: Entry) -> tuple[object, ...]:
    """The parameters of :func:`reclaim_sql`."""
    return (*(getattr(entry, column) for column in _RECLAIMED), entry.target, entry.key)


def entries_sql(
    select: str,
    *,
    mark: str,
    key_head: str,
    target: str | None,
    state: EntryState | None,
    prefix: str | None,
) -> tuple[str, list[object]]:
    """``select`` narrowed by target, state and key prefix, oldest first, with its
    parameters; ``key_head`` is the store's SQL for the first ``mark`` characters of
    ``key`` (its parameter is the prefix's length)."""
    clauses: list[str] = []
    params: list[object] = []
    if target is not None:
        clauses.append(f"target = {mark}")
        params.append(target)
    if state is not None:
        clauses.append(f"state = {mark}")
        params.append(state)
    if prefix is not None:
        clauses.append(f"{key_head} = {mark}")
        params.extend([len(prefix), prefix])
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"{select}{where} ORDER BY created_at, key", params


def codes_sql(
    table: str, *, mark: str, target: str, code: str | None, promo_id: str | None
) -> tuple[str, list[object]]:
    """The ``SELECT`` of ``target``'s codes, narrowed to ``code`` and/or ``promo_id``;
    each filter is answered by an index (the primary key, or the ``…_by_promo`` one)."""
    query = f"SELECT code, promo_id FROM {table} WHERE target = {mark}"
    params: list[object] = [target]
    if code is not None:
        query += f" AND code = {mark}"
        params.append(code)
    if promo_id is not None:
        query += f" AND promo_id = {mark}"
        params.append(promo_id)
    return query, params
