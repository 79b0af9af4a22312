"""Durianpay plugin test fixtures: the emulator on loopback, clients, documented examples."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from promokit_durianpay.emulator import DurianpayEmulator
from promokit_durianpay.provider import DurianpayProvider

import promokit
from promokit.plugins import reset_default_plugins
from promokit.sdk import EmulatorServer, VirtualClock

FIXTURES = Path(__file__).parent / "fixtures"
TEST_KEY = "dp_test_XXXXXXXXX"
LIVE_KEY = "dp_live_XXXXXXXXX"
START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _only_durianpay(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Load just this plugin from entry points, fresh for every test."""
    monkeypatch.setenv("PROMOKIT_LOAD_PLUGINS", "durianpay")
    reset_default_plugins()
    yield
    reset_default_plugins()


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """Read ``tests/fixtures/<name>`` verbatim."""
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def fixture_json() -> Callable[[str], Any]:
    """Read ``tests/fixtures/<name>`` as parsed JSON."""
    return lambda name: json.loads((FIXTURES / name).read_text())


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def emulator(clock: VirtualClock) -> DurianpayEmulator:
    return DurianpayEmulator(keys=(TEST_KEY, LIVE_KEY), clock=clock, seed=7)


@pytest.fixture
async def server(emulator: DurianpayEmulator) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(emulator, prefix="/v1") as running:
        yield running


async def _no_sleep(seconds: float) -> None:
    return None


def settings_dict(base_url: str | None, **overrides: Any) -> dict[str, Any]:
    """A one-alias (``dp``) config for :meth:`promokit.Client.from_config`."""
    table: dict[str, Any] = {"plugin": "durianpay", "api_key": TEST_KEY, "timeout": 5.0}
    if base_url is not None:
        table["base_url"] = base_url
    table.update(overrides)
    return {"default": "dp", "ledger": ":memory:", "providers": {"dp": table}}


@pytest.fixture
def test_key() -> str:
    """The fake sandbox key the emulator accepts."""
    return TEST_KEY


@pytest.fixture
def live_key() -> str:
    """The fake production key the emulator accepts."""
    return LIVE_KEY


@pytest.fixture
def start() -> datetime:
    """The emulator clock's starting moment."""
    return START


@pytest.fixture
def config_for() -> Callable[..., dict[str, Any]]:
    """:func:`settings_dict`, for tests that build their own configuration."""
    return settings_dict


@pytest.fixture
def make_client() -> Callable[..., promokit.Client]:
    """Build a client for ``base_url`` (retries never really sleep)."""

    def build(base_url: str | None, **overrides: Any) -> promokit.Client:
        return promokit.Client.from_config(settings_dict(base_url, **overrides), sleep=_no_sleep)

    return build


@pytest.fixture
def provider_for() -> Callable[..., DurianpayProvider]:
    """:func:`provider_of`, for tests with several clients."""
    return provider_of


def provider_of(client: promokit.Client, clock: VirtualClock | None = None) -> DurianpayProvider:
    """The Durianpay provider behind ``client`` (optionally on ``clock``)."""
    provider = client.provider("dp")
    assert isinstance(provider, DurianpayProvider)
    if clock is not None:
        provider.clock = clock.now
    return provider


@pytest.fixture
async def client(
    server: EmulatorServer, clock: VirtualClock, make_client: Callable[..., promokit.Client]
) -> AsyncIterator[promokit.Client]:
    async with make_client(server.url) as built:
        provider_of(built, clock)
        yield built


@pytest.fixture
def provider(client: promokit.Client, clock: VirtualClock) -> DurianpayProvider:
    return provider_of(client, clock)


@pytest.fixture
def seed_promotion() -> promokit.Promotion:
    """The neutral twin of the create docs' example (seed 003)."""
    return promokit.Promotion(
        name="SALE502022",
        code="SALE2022",
        discount=promokit.Percent(value=Decimal(10)),
        limit=promokit.Quota(uses=100),
        payment=promokit.CardScope(bins=("424242",)),
        reward="discount",
        applies_to="order",
        starts_at=datetime(2022, 2, 24, 18, 30, tzinfo=UTC),
        ends_at=datetime(2022, 2, 27, 18, 30, tzinfo=UTC),
    )


@pytest.fixture
def promotion() -> promokit.Promotion:
    """A card promo running around the emulator's START."""
    return promokit.Promotion(
        name="PAYDAY-2030",
        code="PAYDAY30",
        description="payday card promo",
        discount=promokit.Percent(value=Decimal("12.5"), max_amount=50_000),
        min_purchase=100_000,
        limit=promokit.Quota(uses=3),
        payment=promokit.CardScope(bins=("424242",), banks=("BCA",)),
        starts_at=START - timedelta(days=1),
        ends_at=START + timedelta(days=30),
    )


@pytest.fixture
async def mocked_client(
    make_client: Callable[..., promokit.Client],
) -> AsyncIterator[promokit.Client]:
    # No base_url: the real Durianpay host, answered by aioresponses, never contacted.
    async with make_client(None) as client:
        yield client
