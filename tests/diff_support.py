"""Both emulators on loopback behind one client, for diff and apply tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import promokit
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

from .conftest import no_sleep_recorder

MAYAR_KEY = "diff-test-mayar-key-0001"
DURIANPAY_KEY = "dp_test_difftest000000001"
START = datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
END = datetime(2030, 6, 30, 16, 59, 59, 123000, tzinfo=UTC)


@dataclass
class Gateways:
    client: promokit.Client
    mayar: Any
    durianpay: Any
    product: str
    other_product: str

    def writes(self, emulator: Any) -> int:
        return sum(1 for r in emulator.requests if r.method in ("POST", "PUT", "PATCH", "DELETE"))


@contextlib.asynccontextmanager
async def gateways(
    ledger: Path | None = None, durianpay_options: dict[str, Any] | None = None
) -> AsyncIterator[Gateways]:
    """A Mayar and a Durianpay emulator, and a client with aliases ``mayar``/``durianpay``."""
    mayar, mayar_prefix = load_emulator("mayar", api_key=MAYAR_KEY)
    durianpay, durianpay_prefix = load_emulator(
        "durianpay", api_key=DURIANPAY_KEY, **(durianpay_options or {})
    )
    product = mayar.add_product(label="Kelas satu")
    other = mayar.add_product(label="Kelas dua")
    _, sleep = no_sleep_recorder()
    async with (
        EmulatorServer(mayar, prefix=mayar_prefix) as mayar_server,
        EmulatorServer(durianpay, prefix=durianpay_prefix) as durianpay_server,
    ):
        config: dict[str, Any] = {
            "default": "mayar",
            "providers": {
                "mayar": {
                    "plugin": "mayar",
                    "api_key": MAYAR_KEY,
                    "environment": "sandbox",
                    "base_url": mayar_server.url,
                    "rate_limit": 100_000,
                    "settle_margin": 0.2,
                    "options": {"page_size": 50},
                },
                "durianpay": {
                    "plugin": "durianpay",
                    "api_key": DURIANPAY_KEY,
                    "base_url": durianpay_server.url,
                    "rate_limit": 100_000,
                    "settle_margin": 0.2,
                },
            },
        }
        # Without a file, the test's writes live in memory, chosen explicitly.
        config["ledger"] = ":memory:" if ledger is None else str(ledger)
        async with promokit.Client.from_config(config, sleep=sleep) as client:
            yield Gateways(client, mayar, durianpay, product, other)
