"""The chaos table: every misbehaviour × every operation, for both providers.

For each cell: the error (if any) is a promokit error; its ``outcome`` agrees with
what the gateway saw (``not_sent`` only when nothing arrived; a write the gateway
committed is never ``not_sent`` or ``rejected``); the call ends within its deadline
plus a small bound; at most one promotion exists per create once the gateway
settles (a Mayar one-time coupon, which the gateway would store twice, makes that
check able to fail); and no form of the key appears in the error, the DEBUG log, the ledger or
a recorded fixture.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from promokit import Checkout, PromokitError
from promokit.testing.recorder import Recorder

from .conftest import Rig, error_texts, leaks, log_texts, one_time_for, promotion_for
from .gateway import SCENARIOS
from .tally import TALLY

TIMEOUT = 0.5
SLACK = 0.4
MATRIX = SCENARIOS
OPERATIONS = ("get", "list", "create", "validate", "delete")
pytestmark = [pytest.mark.usefixtures("settled_gc"), pytest.mark.rig(timeout=TIMEOUT)]


def stored(rig: Rig) -> int:
    inner: Any = rig.emulator.inner
    return len(inner.discounts if rig.provider == "mayar" else inner.promos)


async def operate(rig: Rig, operation: str, label: str) -> Any:
    client = rig.client
    if operation == "get":
        return await client.get("p_missing_1")
    if operation == "list":
        return [promotion async for promotion in client.list()]
    if operation == "create":
        return await client.create(promotion_for(rig.provider, label))
    if operation == "create_one_time":
        return await client.create(one_time_for(label))
    if operation == "validate":
        return await client.validate("NOCODE1", Checkout(amount=600_000))
    return await client.delete("p_missing_1")


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("scenario", MATRIX)
async def test_chaos_cell(
    rig: Rig,
    scenario: str,
    operation: str,
    debug_logs: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    await _cell(rig, scenario, operation, debug_logs, tmp_path)


@pytest.mark.parametrize("rig", ["mayar"], indirect=True)
@pytest.mark.parametrize("scenario", MATRIX)
async def test_chaos_one_time_create_cell(
    rig: Rig, scenario: str, debug_logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Mayar keeps no name unique: a resend after a lost answer would store two."""
    await _cell(rig, scenario, "create_one_time", debug_logs, tmp_path)


async def _cell(
    rig: Rig,
    scenario: str,
    operation: str,
    debug_logs: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    recorder.attach(rig.client.provider())
    if scenario.startswith("drop_reused"):
        # Open a keep-alive connection first, so the operation meets a reused one.
        rig.chaos.scenario = None
        await _quietly(rig.client.get("p_warm_up"))
    rig.chaos.scenario = scenario
    before_seen = len(rig.chaos.seen)
    before_stored = stored(rig)
    label = f"Chaos {scenario} {operation}"
    started = time.monotonic()
    error: BaseException | None = None
    try:
        await operate(rig, operation, label)
    except Exception as caught:  # judged below: only promokit errors pass
        error = caught
    elapsed = time.monotonic() - started
    seen = len(rig.chaos.seen) - before_seen

    # Let the gateway settle (a trickle or a silent hold is cut off), then count.
    rig.chaos.scenario = None
    await asyncio.sleep(0.05)
    committed = stored(rig) - before_stored

    texts = error_texts(error) if error is not None else []
    texts += log_texts(debug_logs)
    entries = await rig.client.ledger.entries()
    texts += [msgspec.json.encode(entry).decode() for entry in entries]
    texts += [path.read_text() for path in recorder.save(tmp_path)]
    leaked = leaks(rig.key, texts)
    typed = error is None or isinstance(error, PromokitError)
    TALLY.scenario(typed=typed, duplicates=max(0, committed - 1), leaks=len(leaked))

    assert typed, f"untyped {type(error).__name__}: {error}"
    assert leaked == []
    assert committed <= 1
    # A list's timeout bounds each page fetch (a walk may take several), not the walk.
    assert elapsed < TIMEOUT * (4 if operation == "list" else 1) + SLACK
    if isinstance(error, PromokitError):
        if error.outcome == "not_sent":
            assert seen == 0, f"{type(error).__name__} says not_sent; the gateway saw {seen}"
        if seen == 0:
            assert error.outcome == "not_sent"
        if committed:
            assert error.outcome == "unknown", "a committed write was reported as not done"


async def _quietly(call: Any) -> None:
    with contextlib.suppress(PromokitError):
        await call
