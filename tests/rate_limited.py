"""A promokit config for one Mayar emulator whose rate limit the client shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def mayar_config(
    url: str, key: str, ledger: Path, *, rate_limit: int, rate_period: float, timeout: float
) -> dict[str, Any]:
    """A dict config for the Mayar emulator at ``url``, limited as the emulator is."""
    return {
        "ledger": str(ledger),
        "providers": {
            "mayar": {
                "plugin": "mayar",
                "api_key": key,
                "environment": "sandbox",
                "base_url": url,
                "rate_limit": rate_limit,
                "rate_period": rate_period,
                "timeout": timeout,
            }
        },
    }
