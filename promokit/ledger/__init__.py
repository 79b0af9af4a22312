"""The write ledger: stores, targets, durable codes, shared limits and exactly-once writes."""

from __future__ import annotations

from promokit.ledger.core import (
    DEFAULT_STORE_TIMEOUT,
    LEASE_TTL,
    Ledger,
    call_budget,
    is_url,
    owner_id,
)
from promokit.ledger.entries import COLUMNS, Claim, Entry, EntryState, decide
from promokit.ledger.store import LedgerStore

__all__ = [
    "COLUMNS",
    "DEFAULT_STORE_TIMEOUT",
    "LEASE_TTL",
    "Claim",
    "Entry",
    "EntryState",
    "Ledger",
    "LedgerStore",
    "call_budget",
    "decide",
    "is_url",
    "owner_id",
]


def __getattr__(name: str) -> object:
    # promokit 0.1 exported the SQLite store from here; it now has its own module.
    if name == "SqliteLedgerStore":
        from promokit.ledger.sqlite import SqliteLedgerStore

        return SqliteLedgerStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
