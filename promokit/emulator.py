"""Deprecated alias of :mod:`promokit.plugins.emulator`; plugins import :mod:`promokit.sdk`.

Kept for one release so plugins written against 0.1 keep working (with a warning).
"""

from __future__ import annotations

import warnings

from promokit.plugins.emulator import (
    Emulator,
    EmulatorServer,
    Fault,
    FaultInjector,
    FaultKind,
    Handler,
    RateWindow,
    RecordedRequest,
    VirtualClock,
)

warnings.warn(
    "promokit.emulator moved to promokit.plugins.emulator and will be removed in the next "
    "release; a plugin imports these names from promokit.sdk",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "Emulator",
    "EmulatorServer",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "Handler",
    "RateWindow",
    "RecordedRequest",
    "VirtualClock",
]
