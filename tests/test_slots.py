"""Slots: a counter on the free path, first come first served, no slot ever leaked."""

from __future__ import annotations

import asyncio

import pytest

from promokit.errors import Overloaded
from promokit.http.limits import Slots


async def test_the_free_path_counts_and_records_the_peak() -> None:
    slots = Slots(2, max_wait=1.0)
    assert slots.try_acquire()
    assert slots.try_acquire()
    assert not slots.try_acquire()
    assert (slots.in_use, slots.peak) == (2, 2)
    slots.release()
    slots.release()
    assert (slots.in_use, slots.peak) == (0, 2)


async def test_waiters_are_served_in_arrival_order() -> None:
    slots = Slots(1, max_wait=5.0)
    await slots.acquire()
    served: list[int] = []

    async def wait(number: int) -> None:
        await slots.acquire()
        served.append(number)

    waiting = [asyncio.create_task(wait(number)) for number in range(3)]
    await asyncio.sleep(0)
    # A newcomer may not jump the queue while others wait, even at a release.
    assert not slots.try_acquire()
    for _ in range(3):
        slots.release()
        await asyncio.sleep(0)
    await asyncio.gather(*waiting)
    assert served == [0, 1, 2]
    assert slots.in_use == 1
    slots.release()
    assert slots.in_use == 0


async def test_a_wait_past_max_wait_is_overloaded_and_leaves_no_trace() -> None:
    slots = Slots(1, max_wait=0.01)
    await slots.acquire()
    with pytest.raises(Overloaded, match=r"no slot freed within 0\.01s"):
        await slots.acquire()
    slots.release()
    assert slots.in_use == 0
    assert slots.try_acquire()  # no stale waiter blocks the free path


async def test_within_shortens_the_wait() -> None:
    slots = Slots(1, max_wait=30.0)
    await slots.acquire()
    with pytest.raises(Overloaded, match="within 0s"):
        await slots.acquire(within=-1.0)


async def test_a_cancelled_waiter_leaves_no_trace() -> None:
    slots = Slots(1, max_wait=5.0)
    await slots.acquire()
    waiter = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    slots.release()
    assert slots.in_use == 0
    assert slots.try_acquire()


async def test_a_slot_handed_over_as_the_waiter_is_cancelled_is_passed_on() -> None:
    slots = Slots(1, max_wait=5.0)
    await slots.acquire()
    first = asyncio.create_task(slots.acquire())
    second = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    # The slot goes to ``first`` and ``first`` is cancelled before it ever runs.
    slots.release()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await second  # received the slot ``first`` could not use
    assert slots.in_use == 1
    slots.release()
    assert slots.in_use == 0
