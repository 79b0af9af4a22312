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

from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

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


async def test_aliases_with_different_keys_share_a_per_ip_window(tmp_path: Path) -> None:
    """Mayar limits requests per IP (providers.md §A.9), not per key: two aliases with
    different keys on one host share one window and never meet a 429."""
    from promokit_mayar.emulator import MayarEmulator

    import promokit

    keys = ("per-ip-mayar-key-000001", "per-ip-mayar-key-000002")

    class TwoAccounts(MayarEmulator):
        """Accepts both keys (two Mayar accounts); one limit for the whole IP."""

        def _guarded(self, handler: Any) -> Any:
            async def guarded(request: Any) -> Any:
                if request.headers.get("Authorization") not in {f"Bearer {k}" for k in keys}:
                    return self._reply(401, "Unauthorized", None)
                return await handler(request)

            return guarded

    rate, period = 4, 2.0
    emulator = TwoAccounts(api_key=keys[0], rate_limit=rate, rate_period=period)
    _, prefix = load_emulator("mayar", api_key=keys[0])
    async with EmulatorServer(emulator, prefix=prefix) as server:
        aliases = {
            f"shop{index}": {
                "plugin": "mayar",
                "api_key": key,
                "environment": "sandbox",
                "base_url": server.url,
                "rate_limit": rate,
                "rate_period": period,
                "timeout": 10,
                "max_retries": 0,
            }
            for index, key in enumerate(keys)
        }
        config = {"ledger": str(tmp_path / "ledger.sqlite3"), "providers": aliases}
        outcomes: list[BaseException] = []
        async with promokit.Client.from_config(config) as client:
            # One alias fills the window, then the other reads: it must wait for it.
            for alias in aliases:
                for n in range(rate):
                    try:
                        await client.get(f"missing-{n}", alias)
                    except promokit.PromokitError as error:
                        outcomes.append(error)
    assert all(isinstance(outcome, promokit.NotFound) for outcome in outcomes), outcomes
    assert emulator.rate is not None
    assert emulator.rate.rejected == 0
    assert emulator.rate.max_in_window <= rate
