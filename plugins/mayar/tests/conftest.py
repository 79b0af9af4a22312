"""Fixtures for the Mayar plugin tests: seed documents, a loopback emulator, a client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from promokit_mayar.emulator import DOCS_PLACEHOLDER_KEY, MayarEmulator, create_server
from promokit_mayar.provider import MayarProvider

from promokit import Client, Fixed, Promotion, Quota
from promokit.plugins import Plugins
from promokit.sdk import EmulatorServer, VirtualClock
from promokit.testing.secrets import SecretGuard

FIXTURES = Path(__file__).parent / "fixtures"
KEY = DOCS_PLACEHOLDER_KEY
NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def fixture_bytes(name: str) -> bytes:
    """A fixture file exactly as stored (pretty-printed, as in the docs)."""
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    """A fixture parsed into builtins, key order kept."""
    return json.loads(fixture_bytes(name))


def compact(name: str) -> bytes:
    """A fixture re-encoded without whitespace: the bytes a client would send."""
    return msgspec.json.encode(fixture_json(name))


def seed_promotion(**changes: Any) -> Promotion:
    """The neutral form of the docs' create example (seed 002), optionally changed."""
    promotion = Promotion(
        name="Diskon Murmer",
        discount=Fixed(amount=100000),
        code="haribaik",
        coupon_type="reusable",
        min_purchase=500000,
        limit=Quota(uses=100),
        ends_at=datetime(2030, 1, 1, 9, 6, 14, 933000, tzinfo=UTC),
        customers="all",
        products=(),
    )
    return msgspec.structs.replace(promotion, **changes)


def percent(value: str) -> Any:
    """A Decimal percent from text (never from a float)."""
    return Decimal(value)


@pytest.fixture(autouse=True)
def no_secret_leaks(promokit_secret_guard: SecretGuard) -> SecretGuard:
    """Every test fails if a key reaches a log line, an error, a traceback or a pickle."""
    return promokit_secret_guard


@pytest.fixture
def plugins() -> Plugins:
    """A fresh plugin set loaded from the installed entry points."""
    return Plugins()


@pytest.fixture
def emulator() -> MayarEmulator:
    """A Mayar emulator frozen at :data:`NOW`, accepting the docs' placeholder key."""
    return MayarEmulator(clock=VirtualClock(NOW))


@pytest.fixture
async def server(emulator: MayarEmulator) -> AsyncIterator[EmulatorServer]:
    """The emulator served on 127.0.0.1 with the ``/hl/v2`` prefix."""
    async with create_server(emulator) as running:
        yield running


ClientFactory = Callable[..., Client]


@pytest.fixture
def make_client(plugins: Plugins, server: EmulatorServer, emulator: MayarEmulator) -> ClientFactory:
    """Build clients for the emulator; keyword arguments override provider settings."""

    def build(client_options: dict[str, Any] | None = None, **settings: Any) -> Client:
        table = {
            "plugin": "mayar",
            "api_key": KEY,
            "base_url": server.url,
            # High enough that no test waits on the 20-per-minute limiter.
            "rate_limit": 100_000,
            "max_retries": 0,
        }
        table.update(settings)
        client = Client.from_config(
            {"default": "shop", "ledger": ":memory:", "providers": {"shop": table}},
            plugins=plugins,
            **(client_options or {}),
        )
        provider = client.provider("shop")
        assert isinstance(provider, MayarProvider)
        provider.now = emulator.clock.now
        return client

    return build


@pytest.fixture
async def client(make_client: ClientFactory) -> AsyncIterator[Client]:
    """A client whose default alias ``shop`` is Mayar, pointed at the emulator."""
    async with make_client() as built:
        yield built


@pytest.fixture
def provider(client: Client) -> MayarProvider:
    """The Mayar provider instance behind ``client``."""
    built = client.provider("shop")
    assert isinstance(built, MayarProvider)
    return built
