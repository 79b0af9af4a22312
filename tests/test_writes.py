"""Exactly-once creates over real loopback HTTP, under injected faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

import promokit
from promokit import Conflict, Fixed, OutcomeUnknown, Promotion, StaleRecord
from promokit.ledger import Entry, Ledger
from promokit.ledger.fingerprints import differences, encode_promotion, fingerprint
from promokit.ledger.sqlite import SqliteLedgerStore
from promokit.plugins import Plugins
from promokit.plugins.emulator import EmulatorServer

from .conftest import CANARY_KEY, EchoEmulator, no_sleep_recorder

PROMO = Promotion(name="Echo sale", code="ECHO10", discount=Fixed(amount=5000))


def config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "default": "echo",
        "ledger": ":memory:",
        "providers": {
            "echo": {
                "plugin": "echo",
                "api_key": CANARY_KEY,
                "base_url": url,
                "timeout": 1.0,
                # The echo emulator is done with a request once it answers or drops it.
                "settle_margin": 0.2,
                **extra,
            },
        },
    }


@pytest.fixture
async def server() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(EchoEmulator()) as running:
        yield running


@pytest.fixture
async def client(plugins: Plugins, server: EmulatorServer) -> AsyncIterator[promokit.Client]:
    _, sleep = no_sleep_recorder()
    async with promokit.Client.from_config(
        config(server.url), plugins=plugins, sleep=sleep
    ) as opened:
        yield opened


def posts(server: EmulatorServer) -> int:
    return sum(1 for request in server.emulator.requests if request.method == "POST")


def stored(server: EmulatorServer) -> int:
    emulator = server.emulator
    assert isinstance(emulator, EchoEmulator)
    return len(emulator.items)


async def test_same_key_returns_the_recorded_result_without_a_request(
    client: promokit.Client, server: EmulatorServer
) -> None:
    first = await client.create(PROMO, idempotency_key="order-1")
    second = await client.create(PROMO, idempotency_key="order-1")
    assert not first.already_created
    assert second.already_created  # answered from the ledger, confirmed by one read
    assert msgspec.structs.replace(second, already_created=False) == first
    assert posts(server) == 1
    assert [r.method for r in server.emulator.requests] == ["POST", "GET"]


async def test_a_record_the_gateway_no_longer_has_is_a_stale_record_not_created(
    client: promokit.Client, server: EmulatorServer
) -> None:
    first = await client.create(PROMO, idempotency_key="order-2")
    emulator = server.emulator
    assert isinstance(emulator, EchoEmulator)
    emulator.items.clear()  # an emulator restart: the gateway is empty
    with pytest.raises(StaleRecord) as caught:
        await client.create(PROMO, idempotency_key="order-2")
    assert caught.value.idempotency_key == "order-2"
    assert caught.value.provider_id == first.id
    assert "client.forget('order-2')" in str(caught.value)
    assert posts(server) == 1
    assert await client.forget("order-2")
    again = await client.create(PROMO, idempotency_key="order-2")
    assert not again.already_created
    assert posts(server) == 2


async def test_a_key_reused_for_another_promotion_is_refused(client: promokit.Client) -> None:
    await client.create(PROMO, idempotency_key="order-1")
    other = Promotion(name="Echo sale", code="OTHER", discount=Fixed(amount=1))
    with pytest.raises(Conflict, match="different promotion"):
        await client.create(other, idempotency_key="order-1")


@pytest.mark.parametrize(
    ("fault", "committed"),
    [("drop_after", True), ("drop_before", False), ("status", False)],
)
async def test_unknown_outcome_is_reconciled_never_duplicated(
    client: promokit.Client, server: EmulatorServer, fault: str, committed: bool
) -> None:
    server.emulator.faults.add(fault, method="POST")  # type: ignore[arg-type]
    created = await client.create(PROMO)
    assert stored(server) == 1
    assert created.code == "ECHO10"
    assert created.reconciled is committed
    assert posts(server) == (1 if committed else 2)


async def test_timeout_after_commit_ends_on_time_and_is_reconciled_later(
    client: promokit.Client, server: EmulatorServer
) -> None:
    # One deadline (the provider's 1 s) covers the send and the lookup: the answer
    # comes too late for either, so the call ends unknown, never resent.
    server.emulator.faults.add("delay_after", delay=1.5, method="POST")
    with pytest.raises(promokit.OutcomeUnknown) as caught:
        await client.create(PROMO)
    assert posts(server) == 1
    await asyncio.sleep(0.6)
    created = await client.reconcile(caught.value.idempotency_key or "")
    assert created is not None
    assert created.reconciled
    assert stored(server) == 1
    assert posts(server) == 1


async def test_a_request_still_queued_at_the_deadline_is_never_resent(
    client: promokit.Client, server: EmulatorServer
) -> None:
    # The first request is still queued server-side when the client gives up: no
    # time is left to resend, and the late original is the only promotion.
    server.emulator.faults.add("delay", delay=1.2, method="POST")
    with pytest.raises(promokit.OutcomeUnknown) as caught:
        await client.create(PROMO)
    await asyncio.sleep(0.4)
    assert stored(server) == 1
    assert posts(server) == 1
    created = await client.reconcile(caught.value.idempotency_key or "")
    assert created is not None
    assert created.code == PROMO.code


async def test_409_on_the_resend_is_verified_as_ours(
    client: promokit.Client, server: EmulatorServer
) -> None:
    # The first send commits but its answer is lost; the lookup misses it (a stale
    # read), so the resend meets "already exists", which is verified, not raised.
    server.emulator.faults.add("drop_after", method="POST")
    server.emulator.faults.add("status", status=200, path="/items", method="GET", body=b"[]")
    created = await client.create(PROMO)
    assert created.reconciled
    assert stored(server) == 1


async def test_existing_but_different_is_a_conflict(
    client: promokit.Client, server: EmulatorServer
) -> None:
    emulator = server.emulator
    assert isinstance(emulator, EchoEmulator)
    emulator.items["it_9"] = {"id": "it_9", "name": "Someone else", "amount": 1, "code": "ECHO10"}
    emulator.faults.add("drop_before", method="POST")
    with pytest.raises(Conflict, match="differs in name"):
        await client.create(PROMO)
    assert stored(server) == 1


async def test_409_on_the_first_attempt_is_a_plain_conflict(
    client: promokit.Client, server: EmulatorServer
) -> None:
    emulator = server.emulator
    assert isinstance(emulator, EchoEmulator)
    emulator.items["it_9"] = {"id": "it_9", "name": "Echo sale", "amount": 5000, "code": "ECHO10"}
    with pytest.raises(Conflict) as caught:
        await client.create(PROMO)
    assert caught.value.status == 409


async def test_failed_lookup_gives_outcome_unknown_and_reconcile_finishes_later(
    client: promokit.Client, server: EmulatorServer
) -> None:
    server.emulator.faults.add("drop_after", method="POST")
    server.emulator.faults.add("status", status=503, count=3, method="GET")
    with pytest.raises(OutcomeUnknown) as caught:
        await client.create(PROMO, idempotency_key="k-1")
    error = caught.value
    assert error.idempotency_key == "k-1"
    assert error.natural_key == "ECHO10"
    assert error.outcome == "unknown"
    found = await client.reconcile("k-1")
    assert found is not None
    assert found.reconciled
    again = await client.create(PROMO, idempotency_key="k-1")
    assert again == msgspec.structs.replace(found, already_created=True)
    assert stored(server) == 1


async def test_without_a_natural_key_the_outcome_is_unknown(
    client: promokit.Client, server: EmulatorServer
) -> None:
    server.emulator.faults.add("drop_after", method="POST")
    anonymous = Promotion(name="No code", discount=Fixed(amount=1))
    with pytest.raises(OutcomeUnknown, match="no caller-chosen natural key") as caught:
        await client.create(anonymous, idempotency_key="anon")
    assert caught.value.natural_key is None
    assert posts(server) == 1
    emulator = server.emulator
    assert isinstance(emulator, EchoEmulator)
    recorded = await client.reconcile("anon", found_id=next(iter(emulator.items)))
    assert recorded is not None
    assert recorded.reconciled


async def test_concurrent_creates_share_one_request(
    client: promokit.Client, server: EmulatorServer
) -> None:
    server.emulator.faults.add("delay", delay=0.1, method="POST")
    results = await asyncio.gather(*(client.create(PROMO) for _ in range(5)))
    assert len({result.id for result in results}) == 1
    assert posts(server) == 1


async def until(condition: Callable[[], bool], within: float = 30.0) -> None:
    """Wait for ``condition``: an event, not a guess of how long it takes."""
    async with asyncio.timeout(within):
        # Polled: the emulator's request log and in-flight count have no event to await.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def test_cancelled_create_stays_pending_and_is_reconciled_on_retry(
    client: promokit.Client, server: EmulatorServer
) -> None:
    server.emulator.faults.add("delay", delay=0.3, method="POST")
    task = asyncio.create_task(client.create(PROMO, idempotency_key="c-1"))
    # Cancelled while the gateway holds the create, however long a loaded machine
    # took to send it; the retry comes once the gateway has finished with it.
    await until(lambda: any(r.method == "POST" for r in server.emulator.requests))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    entry = await client.ledger.get("c-1", target=await client.target())
    assert entry is not None
    assert entry.state == "pending"
    await until(lambda: server.emulator.in_flight == 0)
    again = await client.create(PROMO, idempotency_key="c-1")
    assert again.reconciled
    assert stored(server) == 1


async def test_a_pending_intent_from_a_crashed_process_is_looked_up_first(
    plugins: Plugins, server: EmulatorServer, tmp_path: Path
) -> None:
    path = tmp_path / "ledger.sqlite3"
    emulator = server.emulator
    assert isinstance(emulator, EchoEmulator)
    emulator.items["it_1"] = {"id": "it_1", "name": "Echo sale", "amount": 5000, "code": "ECHO10"}
    _, sleep = no_sleep_recorder()
    ledger = Ledger(SqliteLedgerStore(path))
    async with promokit.Client.from_config(
        config(server.url), plugins=plugins, sleep=sleep, ledger=ledger
    ) as client:
        # A process that died holding the key: its lease and settle time are over.
        crashed = SqliteLedgerStore(path)
        crashed.claim(
            Entry(
                key="crash-1",
                target=await client.target(),
                provider="echo",
                operation="create",
                state="pending",
                fingerprint=fingerprint(PROMO),
                natural_key="ECHO10",
                request=encode_promotion(PROMO),
                owner="elsewhere:1:dead",
            ),
            lease_for=0.0,
            timeout=1.0,
        )
        crashed.close()
        created = await client.create(PROMO, idempotency_key="crash-1")
    assert created.reconciled
    assert created.id == "it_1"
    assert posts(server) == 0
    ledger.close()


def test_fingerprint_ignores_read_only_fields_and_differences_skip_missing() -> None:
    stored_copy = Promotion(
        name="Echo sale", code="ECHO10", discount=Fixed(amount=5000), id="x", status="active"
    )
    assert fingerprint(stored_copy) == fingerprint(PROMO)
    assert differences(PROMO, Promotion(name="Echo sale", discount=Fixed(amount=5000))) == []
    assert differences(PROMO, Promotion(name="Other", discount=Fixed(amount=1))) == [
        "name",
        "discount",
    ]


async def test_bulk_is_batched_resumable_and_never_duplicates(plugins: Plugins) -> None:
    class Batched(promokit.Provider):
        pass

    config_ = {"providers": {"m": {"plugin": "memory"}}}
    async with promokit.Client.from_config(config_, plugins=plugins) as client:
        memory = client.provider()
        template = Promotion(name="Welcome", discount=Fixed(amount=1000))
        progress: list[tuple[int, int]] = []
        result = await client.create_bulk(
            template, 7, on_progress=lambda d, t: progress.append((d, t))
        )
        assert len(result.codes) == 7
        assert len(set(result.codes)) == 7
        assert progress[-1] == (7, 7)
        again = await client.create_bulk(template, 7)
        assert again.codes == result.codes
        assert len([p async for p in client.list()]) == 1
        assert memory.alias == "m"


async def test_a_caller_supplied_ledger_is_left_open(plugins: Plugins, tmp_path: Path) -> None:
    ledger = Ledger(SqliteLedgerStore(tmp_path / "mine.sqlite3"))
    config_ = {"providers": {"m": {"plugin": "memory"}}}
    async with promokit.Client.from_config(config_, plugins=plugins, ledger=ledger) as client:
        await client.create(PROMO, idempotency_key="kept")
    entry = (await ledger.entries(prefix="kept"))[0]  # still open after the client closed
    assert entry is not None
    assert entry.state == "done"
    ledger.close()
