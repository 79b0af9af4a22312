"""Bulk jobs pace themselves: the job's deadline is the job's, the rate limit is waited out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import Fixed, InvalidInput, Promotion
from promokit.client import MAX_BULK
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

from .rate_limited import mayar_config

KEY = "bulk-pacing-mayar-key-01"
TEMPLATE = Promotion(
    name="Paced gift", discount=Fixed(amount=1000), ends_at=datetime(2030, 1, 1, tzinfo=UTC)
)


async def test_a_bulk_job_waits_out_the_rate_limit_past_each_calls_deadline(
    tmp_path: Path,
) -> None:
    # Mayar's 20 a minute, scaled to 20 every 2 s; each create may take 0.5 s, far
    # shorter than a wait for the next window: the job must wait, not stop.
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY, rate_limit=20, rate_period=2.0)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = mayar_config(
            server.url,
            KEY,
            tmp_path / "ledger.sqlite3",
            rate_limit=20,
            rate_period=2.0,
            timeout=0.5,
        )
        progress: list[tuple[int, int]] = []
        async with promokit.Client.from_config(config) as client:
            result = await client.create_bulk(
                TEMPLATE, 2000, on_progress=lambda d, t: progress.append((d, t))
            )
    assert len(set(result.codes)) == 2000  # in one run: 40 batches, three windows
    assert len(emulator.discounts) == 40
    assert emulator.rate.rejected == 0
    assert emulator.rate.max_in_window <= 20
    assert progress[-1] == (2000, 2000)


@pytest.mark.parametrize("count", [0, MAX_BULK + 1, 10**20, True, 2.5])
async def test_count_is_bounded_and_refused_before_anything_is_planned(count: Any) -> None:
    config = {"providers": {"m": {"plugin": "memory"}}}
    async with promokit.Client.from_config(config) as client:
        with pytest.raises(InvalidInput) as caught:
            await client.create_bulk(TEMPLATE, count)
        assert caught.value.problems[0].path == "count"
        assert f"{MAX_BULK:,}" in str(caught.value)
        assert [p async for p in client.list()] == []
