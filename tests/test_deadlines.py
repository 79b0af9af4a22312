"""Deadlines: one shared timer cancels late attempts, in or out of order, and stays small."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from promokit.http import deadlines
from promokit.http.deadlines import Deadlines


async def _sleeper(deadlines: Deadlines, after: float, sleep: float) -> str:
    loop = asyncio.get_running_loop()
    watch = deadlines.watch(loop.time() + after)
    try:
        await asyncio.sleep(sleep)
    except asyncio.CancelledError:
        if watch.expired():
            return "timed out"
        raise
    finally:
        watch.close()
    return "finished"


@pytest.mark.usefixtures("settled_gc")
async def test_in_order_deadlines_share_one_timer_and_fire_on_time() -> None:
    loop = asyncio.get_running_loop()
    shared = Deadlines(loop)
    started = loop.time()
    results = await asyncio.gather(
        _sleeper(shared, 0.05, 1.0),
        _sleeper(shared, 0.10, 0.01),
        _sleeper(shared, 0.15, 1.0),
    )
    assert results == ["timed out", "finished", "timed out"]
    assert 0.15 <= loop.time() - started < 0.5
    assert shared._handle is None  # nothing left to watch: the timer is not re-armed


async def test_an_earlier_deadline_than_the_newest_gets_its_own_timer() -> None:
    loop = asyncio.get_running_loop()
    shared = Deadlines(loop)
    started = loop.time()
    slow = asyncio.create_task(_sleeper(shared, 0.5, 1.0))
    await asyncio.sleep(0)
    assert await _sleeper(shared, 0.05, 1.0) == "timed out"
    assert loop.time() - started < 0.3  # not held back until the queued 0.5-s deadline
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow  # somebody else's cancellation is never mistaken for a deadline


async def test_a_fire_nobody_handled_is_taken_back_by_settle() -> None:
    # The attempt ends just as its deadline fires: the cancellation is requested but
    # not yet delivered. Python 3.13's uncancel() would withdraw it and 3.11/3.12's
    # would not; settle() does the same on every version.
    loop = asyncio.get_running_loop()
    shared = Deadlines(loop)
    watch = shared.watch(loop.time() - 1)  # already due
    task = asyncio.current_task()
    assert task is not None
    shared._tick()  # fires now
    assert task.cancelling() == 1
    assert watch.close()  # fired, unhandled: settle() is owed
    await watch.settle()
    assert task.cancelling() == 0
    assert not watch.expired()
    assert not watch.close()
    await asyncio.sleep(0)  # no stray CancelledError is left to hit the caller


async def test_settle_lets_someone_elses_cancellation_through() -> None:
    loop = asyncio.get_running_loop()
    shared = Deadlines(loop)
    watch = shared.watch(loop.time() - 1)
    task = asyncio.current_task()
    assert task is not None
    shared._tick()
    task.cancel()  # the caller cancels too
    assert watch.close()
    with pytest.raises(asyncio.CancelledError):
        await watch.settle()
    assert task.uncancel() == 0  # only the caller's count was left


async def test_settle_after_a_cancellation_absorbed_below_restores_the_count() -> None:
    loop = asyncio.get_running_loop()
    shared = Deadlines(loop)

    async def attempt() -> int:
        watch = shared.watch(loop.time() + 0.01)
        with contextlib.suppress(asyncio.CancelledError):  # a library that eats it
            await asyncio.sleep(1)
        if watch.close():
            await watch.settle()
        task = asyncio.current_task()
        assert task is not None
        await asyncio.sleep(0)  # nothing pending
        return task.cancelling()

    assert await asyncio.create_task(attempt()) == 0


async def test_finished_watches_behind_a_slow_one_are_compacted() -> None:
    loop = asyncio.get_running_loop()
    shared = Deadlines(loop)
    stuck = shared.watch(loop.time() + 60)
    for _ in range(10_000):
        shared.watch(loop.time() + 60).close()
    assert len(shared._queue) <= 2 * deadlines._COMPACT_FLOOR + 1
    stuck.close()


@pytest.mark.usefixtures("settled_gc")
async def test_an_early_deadline_after_the_queue_drained_is_not_served_late() -> None:
    loop = asyncio.get_running_loop()
    shared = Deadlines(loop)
    shared.watch(loop.time() + 0.5).close()  # arms the shared timer for +0.5 s
    started = loop.time()
    assert await _sleeper(shared, 0.05, 1.0) == "timed out"
    assert loop.time() - started < 0.3
