"""Deprecated alias of :mod:`promokit.plugins.provider`; plugins import :mod:`promokit.sdk`.

Kept for one release so plugins written against 0.1 keep working (with a warning).
"""

from __future__ import annotations

import warnings

from promokit.plugins.provider import (
    Environment,
    Provider,
    ProviderSettings,
)

warnings.warn(
    "promokit.provider moved to promokit.plugins.provider and will be removed in the next "
    "release; a plugin imports these names from promokit.sdk",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["Environment", "Provider", "ProviderSettings"]
