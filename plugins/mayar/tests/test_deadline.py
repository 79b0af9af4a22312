"""Per-call ``timeout=`` on Mayar reads: validate, usage and each step of a list."""

from __future__ import annotations

import asyncio
import time

import pytest
from promokit_mayar.emulator import MayarEmulator

from promokit import Checkout, Client, RequestTimeout

from .conftest import ClientFactory, seed_promotion

SLACK = 0.25


@pytest.mark.usefixtures("promokit_settled_gc")
async def test_validate_and_usage_end_by_their_timeout(
    client: Client, emulator: MayarEmulator
) -> None:
    await client.create(seed_promotion())
    emulator.faults.add("delay", delay=2.0, count=2)
    checkout = Checkout(amount=600000, product_id="p")
    for call in (
        lambda: client.validate("haribaik", checkout, timeout=0.2),
        lambda: client.usage("haribaik", timeout=0.2),
    ):
        started = time.monotonic()
        with pytest.raises(RequestTimeout):
            await call()
        assert time.monotonic() - started < 0.2 + SLACK


@pytest.mark.usefixtures("promokit_settled_gc")
async def test_a_list_timeout_bounds_each_step_not_the_whole_walk(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    async with make_client(options={"page_size": 1}) as client:
        for index in range(3):
            await client.create(seed_promotion(name=f"Promo Nomor {index}", code=f"P{index}"))
            emulator.clock.advance(1)
        pages = client.list(timeout=0.3)
        first = await anext(pages)
        # A slow consumer between items is not the provider's delay: no deadline runs.
        await asyncio.sleep(0.4)
        second = await anext(pages)
        assert first.id != second.id
        emulator.faults.add("delay", delay=2.0, method="GET")
        started = time.monotonic()
        with pytest.raises(RequestTimeout):
            await anext(pages)
        assert time.monotonic() - started < 0.3 + SLACK
        await pages.aclose()
