"""Bulk jobs report their rate-limit waits: to ``on_wait``, and on the CLI's progress bar."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import Fixed, Promotion
from promokit.cli.bulk_bar import span
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

from .rate_limited import mayar_config

KEY = "bulk-progress-mayar-key-01"
TEMPLATE = Promotion(
    name="Paced gift", discount=Fixed(amount=1000), ends_at=datetime(2030, 1, 1, tzinfo=UTC)
)


@pytest.mark.parametrize("timeout", [30.0, 1.0])
async def test_every_rate_limit_wait_reaches_on_wait(tmp_path: Path, timeout: float) -> None:
    # 4 requests every 2 s; 500 codes are 10 batches. A place frees 2 s after its
    # answer, so however slow the machine the fifth batch waits. With a 1 s call
    # deadline the wait is the job's (Overloaded, then waited out), with 30 s the
    # limiter's own: both are reported.
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY, rate_limit=4, rate_period=2.0)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = mayar_config(
            server.url,
            KEY,
            tmp_path / "ledger.sqlite3",
            rate_limit=4,
            rate_period=2.0,
            timeout=timeout,
        )
        waits: list[float] = []
        progress: list[int] = []
        async with promokit.Client.from_config(config) as client:
            result = await client.create_bulk(
                TEMPLATE, 500, on_progress=lambda d, _t: progress.append(d), on_wait=waits.append
            )
    assert len(set(result.codes)) == 500
    assert emulator.rate.rejected == 0
    assert waits  # the job did wait, and said so
    assert all(0 < wait <= 2.0 for wait in waits)
    assert sum(waits) >= 1.0  # at least one window's worth
    assert progress[-1] == 500


async def test_the_cli_bar_shows_the_wait_and_the_time_left(tmp_path: Path) -> None:
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY, rate_limit=4, rate_period=2.0)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = tmp_path / "promokit.toml"
        config.write_text(
            f'[providers.mayar]\nplugin = "mayar"\napi_key = "{KEY}"\n'
            f'environment = "sandbox"\nbase_url = "{server.url}"\n'
            "rate_limit = 4\nrate_period = 2.0\n",
            encoding="utf-8",
        )
        promotions = tmp_path / "gift.toml"
        promotions.write_text(
            textwrap.dedent("""
            [[promotions]]
            name = "Paced gift"
            discount = { type = "fixed", amount = 1000 }
            ends_at = 2030-01-01T00:00:00Z
            """),
            encoding="utf-8",
        )
        # A real process, its stderr a pipe (as under cron): each wait is a line.
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "promokit.cli",
            "create",
            str(promotions),
            "--count",
            "500",
            "--config",
            str(config),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "COLUMNS": "120"},
        )
        out, err = await asyncio.wait_for(child.communicate(), 120)
    stdout, stderr = out.decode(), err.decode()
    assert child.returncode == 0, stdout + stderr
    assert "Paced gift @ mayar: 500 codes" in stdout
    waits = [line for line in stderr.splitlines() if "rate limit: waiting" in line]
    assert waits, stderr
    assert all(line.startswith("Paced gift @ mayar: ") for line in waits)
    assert all(" codes, rate limit: waiting " in line for line in waits)
    assert any("left" in line and "not known" not in line for line in waits)
    assert emulator.rate.rejected == 0
    assert emulator.rate.max_in_window <= 4


def test_spans_read_as_people_say_them() -> None:
    assert [span(s) for s in (0.4, 45, 190, 3900)] == ["0s", "45s", "3m 10s", "1h 05m"]
