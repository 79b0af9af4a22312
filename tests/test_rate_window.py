"""RateLimiter: a send holds its place until a period after it finished; retries count."""

from __future__ import annotations

import asyncio

import pytest

from promokit import Overloaded
from promokit.http.limits import RateLimiter
from promokit.http.transport import ProviderHttp, Transport
from promokit.plugins.emulator import EmulatorServer

from .conftest import CANARY_KEY, EchoEmulator


class Clock:
    """A virtual clock whose sleep advances it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_a_send_counts_until_a_period_after_it_finished() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 60.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    await limiter.acquire()
    clock.now += 10  # both answers arrive 10 s later
    limiter.release()
    limiter.release()
    await limiter.acquire()
    # Counted from the answers (t+10), not from the sends (t): the provider may have
    # received them at any moment in between. Counted from the sends, it would be t+60.
    assert clock.slept == [60.0]
    assert clock.now == 1000.0 + 10 + 60


async def test_a_full_window_of_sends_in_flight_waits_for_one_to_finish() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    assert not waiter.done()
    limiter.release()  # answered now: its place frees 60 s later
    await waiter
    assert clock.slept == [60.0]


async def test_waiting_for_sends_in_flight_respects_the_deadline() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 60.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    with pytest.raises(Overloaded):
        await limiter.acquire(within=0.01)


async def test_retries_take_their_own_place_in_the_window() -> None:
    emulator = EchoEmulator()
    emulator.items["it_1"] = {"id": "it_1", "name": "x", "amount": 1}
    emulator.faults.add("status", status=503, count=1)
    clock = Clock()
    limiter = RateLimiter(10, 60.0, clock=clock, sleep=clock.sleep)
    transport = Transport()
    async with EmulatorServer(emulator) as server:
        http = ProviderHttp(
            transport,
            provider="echo",
            base_url=server.url,
            headers={"Authorization": f"Bearer {CANARY_KEY}"},
            rate_limiter=limiter,
            sleep=clock.sleep,
        )
        response = await http.request("GET", "/items/it_1", operation="get")
        await transport.aclose()
    assert response.status == 200
    assert len(emulator.requests) == 2
    assert len(limiter._sent) == 2  # the 503 and its retry were both counted
    assert limiter._in_flight == 0
