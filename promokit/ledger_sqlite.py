"""Deprecated path of :mod:`promokit.ledger.sqlite` (kept for one release; it warns on import)."""

from __future__ import annotations

import warnings

from promokit.ledger.sqlite import SCHEMA_VERSION, SqliteLedgerStore, describe

__all__ = ["SCHEMA_VERSION", "SqliteLedgerStore", "describe"]

warnings.warn(
    "promokit.ledger_sqlite moved to promokit.ledger.sqlite; the old path goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
