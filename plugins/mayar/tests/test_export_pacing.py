"""An exact export of a Mayar account stays within 20 requests a minute (virtual clock)."""

from __future__ import annotations

import io
import json

from promokit_mayar.emulator import MayarEmulator

from promokit import Client
from promokit.plugins.emulator import RateWindow, VirtualClock
from promokit.workflows.export import export

from .conftest import ClientFactory, seed_promotion

COUNT = 30


async def test_an_exact_export_keeps_to_the_rate_budget_and_reports_progress(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    clock = emulator.clock
    assert isinstance(clock, VirtualClock)
    emulator.rate = None  # seeding is not what is measured
    async with make_client() as seeding:
        for index in range(COUNT):
            await seeding.create(seed_promotion(name=f"Diskon {index:02}", code=f"KODE{index:02}"))

    # Mayar's documented budget, kept by the emulator; the client paces itself to it.
    emulator.rate = RateWindow(20, 60.0)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    progress: list[tuple[int, int]] = []
    out = io.StringIO()
    client: Client
    async with make_client(
        {"clock": clock.monotonic, "sleep": sleep}, rate_limit=20, timeout=3600
    ) as client:
        count = await export(
            client, None, out, on_progress=lambda done, kept: progress.append((done, kept))
        )

    assert emulator.rate is not None
    assert emulator.rate.rejected == 0
    assert emulator.rate.max_in_window == 20
    exported = json.loads(out.getvalue())["promotions"]
    assert count == len(exported) == COUNT
    assert all(item["unknown"] == [] and item["code"] for item in exported)
    assert progress == [(done, 0) for done in range(1, COUNT + 1)]
    # 3 list pages and 30 details: 33 requests at 20 a minute need one more minute.
    assert sum(slept) >= 60
