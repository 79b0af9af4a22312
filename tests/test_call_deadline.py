"""Per-call deadlines: ``timeout=`` on client calls and ``promokit.deadline()`` blocks."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import msgspec
import pytest

import promokit
from promokit import Fixed, InvalidInput, OutcomeUnknown, Promotion, RequestTimeout
from promokit.http.call_deadline import CALL_DEADLINE
from promokit.plugins.emulator import EmulatorServer

GOOD = Promotion(name="Echo sale", discount=Fixed(amount=5000))
# The echo provider's own timeout is 2 s (conftest): every bound below is far shorter.
SLACK = 0.25


def slow(server: EmulatorServer, seconds: float = 1.5, count: int = 5) -> None:
    server.emulator.faults.add("delay", delay=seconds, count=count)


@pytest.fixture
async def item_id(echo_client: promokit.Client) -> str:
    """The id of a promotion created (at full speed) on the echo emulator."""
    created = await echo_client.create(GOOD)
    assert created.id is not None
    return created.id


@pytest.mark.usefixtures("settled_gc")
async def test_a_call_timeout_cuts_the_providers_timeout_short(
    echo_client: promokit.Client, echo_server: EmulatorServer, item_id: str
) -> None:
    slow(echo_server)
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as caught:
        await echo_client.get(item_id, timeout=0.2)
    assert time.monotonic() - started < 0.2 + SLACK
    assert caught.value.operation == "get"
    assert caught.value.outcome == "unknown"
    assert CALL_DEADLINE.get() is None  # nothing left behind for the next call


async def test_a_longer_call_timeout_never_extends_the_providers(
    echo_client: promokit.Client, echo_server: EmulatorServer, item_id: str
) -> None:
    slow(echo_server, seconds=3.0)
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        await echo_client.get(item_id, timeout=60)
    assert time.monotonic() - started < 2.0 + SLACK  # the provider's 2 s applied


@pytest.mark.usefixtures("settled_gc")
async def test_a_block_bounds_every_call_inside_it(
    echo_client: promokit.Client, echo_server: EmulatorServer, item_id: str
) -> None:
    started = time.monotonic()
    with promokit.deadline(0.4):
        assert (await echo_client.get(item_id)).id == item_id
        slow(echo_server)
        with pytest.raises(RequestTimeout):
            await echo_client.get(item_id)
    assert time.monotonic() - started < 0.4 + SLACK
    # Outside the block the provider's own timeout is back.
    echo_server.emulator.faults.clear()
    assert (await echo_client.get(item_id)).id == item_id


@pytest.mark.usefixtures("settled_gc")
async def test_the_earlier_of_nested_deadlines_wins(
    echo_client: promokit.Client, echo_server: EmulatorServer, item_id: str
) -> None:
    slow(echo_server)
    started = time.monotonic()
    async with promokit.deadline(0.2):
        with pytest.raises(RequestTimeout):
            await echo_client.get(item_id, timeout=5)
    assert time.monotonic() - started < 0.2 + SLACK
    started = time.monotonic()
    with promokit.deadline(5), pytest.raises(RequestTimeout):
        await echo_client.get(item_id, timeout=0.2)
    assert time.monotonic() - started < 0.2 + SLACK


async def test_tasks_started_inside_a_block_inherit_its_deadline() -> None:
    async def seen() -> float | None:
        return CALL_DEADLINE.get()

    loop = asyncio.get_running_loop()
    with promokit.deadline(10):
        inherited = await asyncio.create_task(seen())
    assert inherited is not None
    assert 9 < inherited - loop.time() <= 10
    assert await asyncio.create_task(seen()) is None


async def test_a_create_cut_short_is_outcome_unknown_and_never_resent(
    echo_client: promokit.Client, echo_server: EmulatorServer
) -> None:
    coded = msgspec.structs.replace(GOOD, code="ECHO10")
    slow(echo_server, count=1)
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown) as caught:
        await echo_client.create(coded, timeout=0.2)
    # The lookup by natural key is bounded by the same deadline: the call ends on
    # time and says how to finish the write, instead of overrunning or resending.
    assert time.monotonic() - started < 0.2 + SLACK
    assert "reconcile" in str(caught.value)
    assert [r.method for r in echo_server.emulator.requests] == ["POST"]
    await asyncio.sleep(1.5)  # the delayed create commits meanwhile
    found = await echo_client.reconcile(caught.value.idempotency_key or "")
    assert found is not None
    assert found.code == "ECHO10"
    assert len(echo_server.emulator.items) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf, True, "1"])
async def test_a_bad_timeout_is_refused_naming_the_field_before_any_request(
    echo_client: promokit.Client, echo_server: EmulatorServer, bad: Any
) -> None:
    checkout = promokit.Checkout(amount=10_000)
    calls = {  # echo over HTTP for get and create; the in-process "mem" for the rest
        "get": lambda: echo_client.get("it_1", timeout=bad),
        "create": lambda: echo_client.create(GOOD, timeout=bad),
        "reconcile": lambda: echo_client.reconcile("create:echo:0", timeout=bad),
        "create_bulk": lambda: echo_client.create_bulk(GOOD, 3, "mem", timeout=bad),
        "list": lambda: anext(echo_client.list("mem", timeout=bad)),
        "validate": lambda: echo_client.validate("ECHO10", checkout, "mem", timeout=bad),
        "usage": lambda: echo_client.usage("ECHO10", "mem", timeout=bad),
        "update": lambda: echo_client.update("mem_1", GOOD, "mem", timeout=bad),
        "delete": lambda: echo_client.delete("mem_1", "mem", timeout=bad),
    }
    for operation, call in calls.items():
        with pytest.raises(InvalidInput) as caught:
            await call()
        assert [problem.path for problem in caught.value.problems] == ["timeout"], operation
        assert "timeout" in str(caught.value)
    with pytest.raises(InvalidInput):
        promokit.deadline(bad)
    assert echo_server.emulator.requests == []
    assert [p async for p in echo_client.list("mem")] == []  # nothing was created


async def test_a_block_is_entered_once() -> None:
    with promokit.deadline(None):  # None sets no deadline
        assert CALL_DEADLINE.get() is None
    block = promokit.deadline(1)
    with block:
        with pytest.raises(RuntimeError), block:
            pass
        assert CALL_DEADLINE.get() is not None
    assert CALL_DEADLINE.get() is None
    with block:  # and again after leaving it
        assert CALL_DEADLINE.get() is not None


async def test_a_later_inner_block_leaves_the_earlier_outer_one() -> None:
    with promokit.deadline(1):
        outer = CALL_DEADLINE.get()
        with promokit.deadline(30):
            assert CALL_DEADLINE.get() == outer
        assert CALL_DEADLINE.get() == outer
    assert repr(promokit.deadline(2)) == "CallDeadline(seconds=2.0)"


def test_a_block_outside_async_code_says_where_it_belongs() -> None:
    block = promokit.deadline(1)
    with pytest.raises(promokit.ConfigurationError, match="inside async code"), block:
        pass
    assert CALL_DEADLINE.get() is None
