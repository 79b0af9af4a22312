"""A single-flight create: cancelling one caller cancels only that caller."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .conftest import Rig, promotion_for


async def two_callers(rig: Rig, label: str) -> tuple[asyncio.Task[Any], asyncio.Task[Any]]:
    """A leader and a follower sharing one create the gateway answers in 0.3 s."""
    rig.emulator.inner.faults.add("delay", delay=0.3, method="POST")
    promotion = promotion_for(rig.provider, label)
    leader = asyncio.create_task(rig.client.create(promotion))
    await asyncio.sleep(0.05)
    follower = asyncio.create_task(rig.client.create(promotion))
    await asyncio.sleep(0.05)
    return leader, follower


async def test_cancelling_the_leader_leaves_the_follower_its_result(rig: Rig) -> None:
    leader, follower = await two_callers(rig, "Single flight")
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    created = await follower  # nobody cancelled it: the shared write finishes
    assert created.name == "Single flight"
    assert rig.chaos.writes == 1
    again = await rig.client.create(promotion_for(rig.provider, "Single flight"))  # recorded
    assert again.id == created.id
    assert rig.chaos.writes == 1


async def test_cancelling_a_follower_leaves_the_leader_its_result(rig: Rig) -> None:
    leader, follower = await two_callers(rig, "Single flight two")
    follower.cancel()
    with pytest.raises(asyncio.CancelledError):
        await follower
    assert (await leader).name == "Single flight two"
    assert rig.chaos.writes == 1


async def test_cancelling_every_caller_cancels_the_write_at_once(rig: Rig) -> None:
    rig.emulator.inner.faults.add("delay", delay=5.0, method="POST")
    promotion = promotion_for(rig.provider, "Single flight three")
    callers = [asyncio.create_task(rig.client.create(promotion)) for _ in range(2)]
    await asyncio.sleep(0.1)
    for caller in callers:
        caller.cancel()
    for caller in callers:
        with pytest.raises(asyncio.CancelledError):
            await caller
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not [t for t in pending if "create" in repr(t.get_coro())]
