"""The B1 fault rows against both real provider plugins and their emulators, over loopback.

For every row: the emulator's store holds exactly one promotion per logical create,
and the caller gets the promotion or a typed error carrying its ``outcome``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest

import promokit
from promokit import (
    CardScope,
    ConnectError,
    Fixed,
    OutcomeUnknown,
    Percent,
    PromokitError,
    Promotion,
    ProviderResponseError,
    Quota,
    RequestTimeout,
)
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

from .conftest import no_sleep_recorder

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2030, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Gateway:
    """What differs between the two providers in these tests."""

    plugin: str
    key: str
    sample: Promotion
    stored: Callable[[Any], int]
    empty_list: bytes
    settings: dict[str, Any]


MAYAR = Gateway(
    plugin="mayar",
    key="matrix-mayar-key-00000001",
    sample=Promotion(
        name="Flash sale",
        code="FLASH1",
        discount=Fixed(amount=10_000),
        limit=Quota(uses=10),
        ends_at=END,
    ),
    stored=lambda emulator: len(emulator.discounts),
    empty_list=b'{"statusCode":200,"messages":"success","data":{"coupons":[]},'
    b'"hasMore":false,"nextStartingAfter":null}',
    settings={"environment": "sandbox"},
)
DURIANPAY = Gateway(
    plugin="durianpay",
    key="dp_test_matrix0000000001",
    sample=Promotion(
        name="FLASH-LABEL",
        code="FLASH1",
        discount=Percent(value=Decimal(10)),
        limit=Quota(uses=10),
        starts_at=START,
        ends_at=END,
        payment=CardScope(bins=("424242",)),
    ),
    stored=lambda emulator: len(emulator.promos),
    empty_list=b'{"data":[]}',
    settings={},
)


@dataclass
class Rig:
    gateway: Gateway
    emulator: Any
    client: promokit.Client
    slept: list[float]

    def stored(self) -> int:
        return self.gateway.stored(self.emulator)

    def posts(self) -> int:
        return sum(1 for request in self.emulator.requests if request.method == "POST")


@contextlib.asynccontextmanager
async def opened(gateway: Gateway) -> AsyncIterator[Rig]:
    """``gateway``'s emulator on loopback and a client for it that never sleeps."""
    emulator, prefix = load_emulator(gateway.plugin, api_key=gateway.key)
    slept, sleep = no_sleep_recorder()
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = {
            "default": "gw",
            "ledger": ":memory:",
            "providers": {
                "gw": {
                    "plugin": gateway.plugin,
                    "api_key": gateway.key,
                    "base_url": server.url,
                    "timeout": 1.0,
                    "rate_limit": 100_000,
                    # The emulators are done with a request once they answer or drop it.
                    "settle_margin": 0.2,
                    **gateway.settings,
                }
            },
        }
        async with promokit.Client.from_config(config, sleep=sleep) as client:
            yield Rig(gateway, emulator, client, slept)


@pytest.fixture(params=[MAYAR, DURIANPAY], ids=["mayar", "durianpay"])
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    async with opened(request.param) as running:
        yield running


@pytest.fixture
async def mayar() -> AsyncIterator[Rig]:
    async with opened(MAYAR) as running:
        yield running


async def create(rig: Rig, promotion: Promotion | None = None, **kwargs: Any) -> Promotion:
    return await rig.client.create(promotion or rig.gateway.sample, policy="strict", **kwargs)


# -- B1 rows 4, 5, 10: a create whose outcome is unknown is never duplicated ------------


@pytest.mark.parametrize(
    ("fault", "reconciled"),
    [
        ({"kind": "drop_after"}, True),  # committed, answer lost (disconnect)
        ({"kind": "drop_before"}, False),  # reset before the handler: not committed
        ({"kind": "status", "status": 502}, False),  # gateway 5xx before the handler
    ],
    ids=["drop-after-commit", "reset-before", "5xx"],
)
async def test_unknown_create_outcomes_end_with_exactly_one(
    rig: Rig, fault: dict[str, Any], reconciled: bool
) -> None:
    rig.emulator.faults.add(method="POST", **fault)
    created = await create(rig)
    assert created.reconciled is reconciled
    assert rig.stored() == 1
    assert created.id is not None
    fetched = await rig.client.get(created.id)
    assert fetched.name == rig.gateway.sample.name


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
async def test_a_sub_second_time_reconciles_at_the_gateways_precision(rig: Rig, field: str) -> None:
    # Durianpay keeps whole seconds, Mayar milliseconds: the lost create's own
    # promotion, read back at that precision, is ours, not a Conflict.
    moment = datetime(2030, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    if field == "starts_at" and rig.gateway.plugin == "mayar":
        field = "ends_at"  # Mayar has no start date
    promotion = msgspec.structs.replace(rig.gateway.sample, **{field: moment})
    if field == "starts_at":
        promotion = msgspec.structs.replace(promotion, ends_at=datetime(2031, 1, 1, tzinfo=UTC))
    rig.emulator.faults.add(method="POST", kind="drop_after")
    created = await create(rig, promotion)
    assert created.reconciled is True
    assert rig.stored() == 1


async def test_a_create_timed_out_after_commit_ends_on_time_and_reconciles_to_one(
    rig: Rig,
) -> None:
    # The answer comes after the create's one deadline (the provider's 1 s), which
    # the lookup shares: the call ends on time, unknown, and reconcile settles it.
    rig.emulator.faults.add(method="POST", kind="delay_after", delay=1.5)
    with pytest.raises(promokit.OutcomeUnknown) as caught:
        await create(rig)
    await asyncio.sleep(0.6)  # the answer was lost; the write committed before it
    created = await rig.client.reconcile(caught.value.idempotency_key)
    assert created is not None
    assert created.reconciled
    assert rig.stored() == 1
    assert created.id is not None
    fetched = await rig.client.get(created.id)
    assert fetched.name == rig.gateway.sample.name


async def test_already_exists_on_the_resend_is_verified_as_ours(rig: Rig) -> None:
    # Row 6: the answer is lost, the lookup misses (stale list), the resend meets
    # "already exists", which is then verified by fingerprint, not raised.
    rig.emulator.faults.add("drop_after", method="POST")
    rig.emulator.faults.add("status", status=200, method="GET", body=rig.gateway.empty_list)
    created = await create(rig)
    assert created.reconciled
    assert rig.stored() == 1
    assert rig.posts() == 2


async def test_a_first_attempt_conflict_is_a_plain_conflict(rig: Rig) -> None:
    await create(rig, idempotency_key="first")
    with pytest.raises(promokit.Conflict) as caught:
        await create(rig, idempotency_key="second")
    assert caught.value.outcome == "rejected"
    assert rig.stored() == 1


async def test_concurrent_creates_of_one_natural_key_send_once(rig: Rig) -> None:
    rig.emulator.faults.add("delay", delay=0.1, method="POST")
    results = await asyncio.gather(*(create(rig) for _ in range(4)))
    assert len({result.id for result in results}) == 1
    assert rig.posts() == 1
    assert rig.stored() == 1


async def test_cancelled_create_is_finished_by_the_next_attempt(rig: Rig) -> None:
    rig.emulator.faults.add("delay_after", delay=0.3, method="POST")
    task = asyncio.create_task(create(rig, idempotency_key="cancel-me"))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.3)
    again = await create(rig, idempotency_key="cancel-me")
    assert again.reconciled
    assert rig.stored() == 1


# -- B1 row 7: provider-generated codes --------------------------------------------------


async def test_mayar_generated_reusable_code_cannot_be_verified(mayar: Rig) -> None:
    mayar.emulator.faults.add("drop_after", method="POST")
    generated = Promotion(
        name="Generated code", discount=Fixed(amount=1000), limit=Quota(uses=5), ends_at=END
    )
    with pytest.raises(OutcomeUnknown) as caught:
        await mayar.client.create(generated, idempotency_key="gen-1")
    assert caught.value.natural_key is None
    assert caught.value.idempotency_key == "gen-1"
    assert mayar.stored() == 1  # sent once, never resent
    found_id = next(iter(mayar.emulator.discounts))
    recorded = await mayar.client.reconcile("gen-1", found_id=found_id)
    assert recorded is not None
    assert recorded.reconciled


async def test_mayar_one_time_batch_is_found_again_by_name(mayar: Rig) -> None:
    mayar.emulator.faults.add("drop_after", method="POST")
    template = Promotion(name="Welcome gift", discount=Fixed(amount=1000), ends_at=END)
    result = await mayar.client.create_bulk(template, 120)
    assert len(result.codes) == 120
    assert mayar.stored() == 3
    assert sum(p.reconciled for p in result.promotions) == 1


# -- B1 rows 1, 3, 9, 11, 13, 14, 15 on reads -------------------------------------------


async def test_connection_refused_is_not_sent_and_typed(rig: Rig) -> None:
    config = {
        "ledger": ":memory:",
        "providers": {
            "gw": {
                "plugin": rig.gateway.plugin,
                "api_key": rig.gateway.key,
                "base_url": "http://127.0.0.1:9" + rig.gateway.plugin[:0],
                **rig.gateway.settings,
            }
        },
    }
    _, sleep = no_sleep_recorder()
    async with promokit.Client.from_config(config, sleep=sleep) as client:
        with pytest.raises(ConnectError) as caught:
            await client.create(rig.gateway.sample)
    assert caught.value.outcome == "not_sent"
    assert caught.value.request_id is not None


@pytest.mark.parametrize(
    "fault",
    [{"kind": "drop_before"}, {"kind": "status", "status": 503}, {"kind": "delay", "delay": 0.6}],
    ids=["disconnect", "503", "slow"],
)
async def test_reads_are_retried_within_the_deadline(rig: Rig, fault: dict[str, Any]) -> None:
    created = await create(rig)
    rig.emulator.faults.add(method="GET", **fault)
    assert (await rig.client.get(created.id or "")).id == created.id


@pytest.mark.parametrize(
    ("header", "waited"),
    [("0.5", 0.5), ("Wed, 21 Oct 2015 07:28:00 GMT", None), (None, None), ("soon", None)],
    ids=["seconds", "http-date-past", "missing", "garbage"],
)
async def test_429_is_waited_out_then_retried(
    rig: Rig, header: str | None, waited: float | None
) -> None:
    created = await create(rig)
    rig.emulator.faults.add("rate_limit", retry_after=header, method="GET")
    assert (await rig.client.get(created.id or "")).id == created.id
    assert len(rig.slept) == 1
    if waited is not None:
        assert rig.slept[0] == waited
    else:
        assert 0 < rig.slept[0] <= 5


async def test_429_longer_than_the_deadline_is_raised_without_waiting(rig: Rig) -> None:
    created = await create(rig)
    rig.emulator.faults.add("rate_limit", retry_after="30", method="GET")
    with pytest.raises(promokit.RateLimited) as caught:
        await rig.client.get(created.id or "")
    assert caught.value.retry_after == 30.0
    assert caught.value.retryable
    assert rig.slept == []


@pytest.mark.usefixtures("settled_gc")
async def test_slow_body_ends_at_the_deadline(rig: Rig) -> None:
    created = await create(rig)
    rig.emulator.faults.add("slow_body", delay=0.05, count=5, method="GET")
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as caught:
        await rig.client.get(created.id or "")
    assert time.monotonic() - started < 1.0 + 0.1
    assert caught.value.outcome == "unknown"


@pytest.mark.parametrize(
    ("fault", "kind", "attempts"),
    [({"kind": "huge_body"}, "too_large", 1), ({"kind": "garbage", "status": 200}, "not_json", 1)],
    ids=["oversized", "html-200"],
)
async def test_unusable_success_bodies_are_typed_and_not_retried(
    rig: Rig, fault: dict[str, Any], kind: str, attempts: int
) -> None:
    created = await create(rig)
    before = len(rig.emulator.requests)
    rig.emulator.faults.add(method="GET", **fault)
    with pytest.raises(ProviderResponseError) as caught:
        await rig.client.get(created.id or "")
    assert caught.value.kind == kind
    assert len(rig.emulator.requests) - before == attempts


async def test_html_on_503_is_retried(rig: Rig) -> None:
    created = await create(rig)
    rig.emulator.faults.add("garbage", status=503, method="GET")
    assert (await rig.client.get(created.id or "")).id == created.id


async def test_every_raised_error_carries_its_facts(rig: Rig) -> None:
    rig.emulator.faults.add("status", status=503, count=5, method="GET")
    with pytest.raises(PromokitError) as caught:
        await rig.client.get("00000000-0000-0000-0000-000000000000")
    error = caught.value
    assert error.provider == "gw"
    assert error.operation == "get"
    assert error.status == 503
    assert error.request_id
    assert error.outcome == "unknown"
    assert error.retryable
