"""Every operation given ``timeout=`` ends within it, with a truthful outcome, on both gateways.

The gateway (a real plugin's emulator on loopback) answers far later than the call's
``timeout`` and sooner than the provider's own: the call's deadline is what ends it.
A request that was sent and got no answer in time is ``RequestTimeout`` with
``outcome="unknown"`` (it may have been applied), naming the operation sent.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest

import promokit
from promokit import CardScope, Checkout, Fixed, Percent, Promotion, Quota, RequestTimeout
from promokit.http.call_deadline import CALL_DEADLINE
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

TIMEOUT = 0.3
SLACK = 0.35  # a loaded 2-core machine; the provider's own timeout is 4 s, the answer's 2 s
END = datetime(2030, 1, 1, tzinfo=UTC)
LINK = "0b4f1c2e-5d6a-4e7b-8c9d-0a1b2c3d4e5f"  # a Mayar payment link, made in the emulator


@dataclass(frozen=True)
class Gateway:
    plugin: str
    key: str
    sample: Promotion
    checkout: Checkout
    settings: dict[str, Any]


GATEWAYS = {
    "mayar": Gateway(
        "mayar",
        "deadline-mayar-key-0000001",
        Promotion(
            name="Deadline sale",
            code="DEADLINE1",
            discount=Fixed(amount=10_000),
            limit=Quota(uses=10),
            ends_at=END,
        ),
        Checkout(amount=200_000, product_id=LINK),
        {"environment": "sandbox"},
    ),
    "durianpay": Gateway(
        "durianpay",
        "dp_test_deadline00000001",
        Promotion(
            name="DEADLINE-LABEL",
            code="DEADLINE1",
            discount=Percent(value=Decimal(10)),
            limit=Quota(uses=10),
            starts_at=datetime(2026, 1, 1, tzinfo=UTC),
            ends_at=END,
            payment=CardScope(bins=("424242",)),
        ),
        Checkout(amount=200_000, payment_method="card", card_bin="424242"),
        {},
    ),
}


@dataclass
class Rig:
    client: promokit.Client
    emulator: Any
    created: Promotion
    checkout: Checkout

    @property
    def id(self) -> str:
        assert self.created.id is not None
        return self.created.id

    @property
    def code(self) -> str:
        assert self.created.code is not None
        return self.created.code


Call = Callable[[Rig], Awaitable[object]]


async def first_listed(rig: Rig) -> object:
    return await anext(rig.client.list(timeout=TIMEOUT))


def renamed(promotion: Promotion) -> Promotion:
    return msgspec.structs.replace(promotion, id=None, name="DEADLINE-NEW")


# operation -> (the call, the operation its cut-short request names); update and
# delete are Durianpay's only (Mayar cannot change or remove a coupon).
CALLS: dict[str, tuple[Call, str]] = {
    "get": (lambda r: r.client.get(r.id, timeout=TIMEOUT), "get"),
    "list": (first_listed, "list"),
    "validate": (lambda r: r.client.validate(r.code, r.checkout, timeout=TIMEOUT), "validate"),
    "usage": (lambda r: r.client.usage(r.code, timeout=TIMEOUT), "usage"),
    "register_code": (lambda r: r.client.register_code("DEADLINE2", r.id, timeout=TIMEOUT), "get"),
    "diff": (lambda r: r.client.diff([r.created], timeout=TIMEOUT), "list"),
    "update": (lambda r: r.client.update(r.id, renamed(r.created), timeout=TIMEOUT), "update"),
    "delete": (lambda r: r.client.delete(r.id, timeout=TIMEOUT), "delete"),
}


@pytest.fixture(params=sorted(GATEWAYS))
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    gateway = GATEWAYS[request.param]
    emulator, prefix = load_emulator(gateway.plugin, api_key=gateway.key)
    if gateway.plugin == "mayar":
        emulator.add_product(LINK)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = {
            "ledger": ":memory:",
            "providers": {
                "gw": {
                    "plugin": gateway.plugin,
                    "api_key": gateway.key,
                    "base_url": server.url,
                    "timeout": 4.0,
                    "max_retries": 0,
                    "rate_limit": 100_000,
                    **gateway.settings,
                }
            },
        }
        async with promokit.Client.from_config(config) as client:
            created = await client.create(gateway.sample)
            yield Rig(client, emulator, created, gateway.checkout)


@pytest.mark.usefixtures("settled_gc")
@pytest.mark.parametrize("operation", sorted(CALLS))
async def test_an_operation_given_a_timeout_fails_in_time_saying_the_outcome_is_unknown(
    rig: Rig, operation: str
) -> None:
    call, sent = CALLS[operation]
    if not rig.client.provider().manifest.supports(sent):
        with pytest.raises(promokit.UnsupportedFeature):
            await call(rig)
        return
    rig.emulator.faults.add("delay", delay=2.0, count=100)
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as caught:
        await call(rig)
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + SLACK, f"{operation} took {elapsed:.2f}s"
    assert caught.value.outcome == "unknown"
    assert caught.value.operation == sent
    assert caught.value.provider == "gw"
    assert CALL_DEADLINE.get() is None  # nothing left behind for the next call


async def test_without_a_timeout_only_the_providers_own_bounds_the_call(rig: Rig) -> None:
    assert promokit.deadline(None) is promokit.deadline(None)  # one shared, stateless block
    rig.emulator.faults.add("delay", delay=2 * TIMEOUT + SLACK, count=3)
    for read in (
        rig.client.get(rig.id),
        rig.client.usage(rig.code),
        rig.client.validate(rig.code, rig.checkout),
    ):
        assert await read is not None
    assert CALL_DEADLINE.get() is None
