"""Deprecated alias of :mod:`promokit.plugins.hookspecs`; plugins import :mod:`promokit.sdk`.

Kept for one release so plugins written against 0.1 keep working (with a warning).
"""

from __future__ import annotations

import warnings

from promokit.plugins.hookspecs import (
    PROJECT,
    hookimpl,
    hookspec,
    promokit_register_providers,
    promokit_request_done,
)

warnings.warn(
    "promokit.hookspecs moved to promokit.plugins.hookspecs and will be removed in the next "
    "release; a plugin imports these names from promokit.sdk",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "PROJECT",
    "hookimpl",
    "hookspec",
    "promokit_register_providers",
    "promokit_request_done",
]
