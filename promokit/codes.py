"""Deprecated path of :mod:`promokit.ledger.codes` (kept for one release; it warns on import)."""

from __future__ import annotations

import warnings

from promokit.ledger.codes import CodeBook

__all__ = ["CodeBook"]

warnings.warn(
    "promokit.codes moved to promokit.ledger.codes; the old path goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
