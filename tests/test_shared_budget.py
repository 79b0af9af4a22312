"""One rate window per target, shared through the ledger by every process that uses it.

Four OS processes bulk-create against one Mayar emulator that enforces its limit
(429 past it) and counts the most requests it saw in any sliding window. The
window is scaled from Mayar's 60 s to a few seconds (``rate_period``) so the test
runs in real time on real processes; the rule is the same.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from promokit.cli import load_emulator
from promokit.emulator import EmulatorServer

from .pg_cluster import Cluster

KEY = "shared-budget-mayar-0001"
RATE, PERIOD = 20, 3.0
PROCESSES, BATCHES = 4, 8
BULK = f"""
import asyncio, json, sys
from datetime import datetime, timezone
import promokit

async def main():
    template = promokit.Promotion(
        name=f"Budget job {{sys.argv[2]}}", discount=promokit.Fixed(amount=1000),
        ends_at=datetime(2030, 1, 1, tzinfo=timezone.utc),
    )
    async with promokit.Client.from_config(sys.argv[1]) as client:
        result = await client.create_bulk(template, {BATCHES * 50})
    print(json.dumps({{"codes": len(result.codes)}}))

asyncio.run(main())
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return "ledger.sqlite3"
    cluster: Cluster = request.getfixturevalue("postgresql")
    return cluster.database()


async def test_four_processes_share_one_window_and_never_see_a_429(
    tmp_path: Path, ledger: str
) -> None:
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY, rate_limit=RATE, rate_period=PERIOD)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = tmp_path / "promokit.toml"
        config.write_text(
            f'ledger = "{ledger}"\n[providers.mayar]\nplugin = "mayar"\napi_key = "{KEY}"\n'
            f'environment = "sandbox"\nbase_url = "{server.url}"\n'
            f"rate_limit = {RATE}\nrate_period = {PERIOD}\ntimeout = 20\n",
            encoding="utf-8",
        )
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                BULK,
                str(config),
                str(n),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for n in range(PROCESSES)
        ]
        for process in processes:
            stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
            assert process.returncode == 0, stderr.decode()
            assert json.loads(stdout)["codes"] == BATCHES * 50
    window = emulator.rate
    assert window.rejected == 0  # not one 429
    assert window.max_in_window <= RATE  # in every sliding window, all processes together
    assert len(emulator.requests) >= PROCESSES * BATCHES  # the window was really filled
