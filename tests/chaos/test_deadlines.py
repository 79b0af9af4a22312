"""One deadline per call: queueing, limiter waits, attempts, backoff and reconciliation."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from promokit import NotFound, OutcomeUnknown, Overloaded, PromokitError, RequestTimeout

from .conftest import Rig, promotion_for

SLACK = 0.3
pytestmark = pytest.mark.usefixtures("settled_gc")


@contextlib.asynccontextmanager
async def background(call: object) -> object:
    task = asyncio.ensure_future(call)  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


@pytest.mark.rig(max_concurrency=1, timeout=5.0)
async def test_queueing_for_a_slot_ends_at_the_call_deadline(rig: Rig) -> None:
    rig.chaos.scenario = "silent"
    async with background(rig.client.get("held")):
        started = time.monotonic()
        with pytest.raises(Overloaded) as caught:
            await rig.client.get("queued", timeout=0.5)
        assert time.monotonic() - started < 0.5 + SLACK
    assert caught.value.outcome == "not_sent"
    assert len(rig.chaos.seen) == 1


@pytest.mark.rig(rate_limit=1, timeout=100.0)
async def test_waiting_behind_the_rate_limiters_lock_ends_at_the_call_deadline(
    rig: Rig,
) -> None:
    with pytest.raises(NotFound):
        await rig.client.get("first")  # takes the only place of this minute
    # The next call sleeps about 60 s inside the limiter; a third queues behind it.
    async with background(rig.client.get("second")):
        started = time.monotonic()
        with pytest.raises(Overloaded) as caught:
            await rig.client.get("third", timeout=1.0)
        assert time.monotonic() - started < 1.0 + SLACK
    assert caught.value.outcome == "not_sent"
    assert len(rig.chaos.seen) == 1


@pytest.mark.rig(timeout=1.0)
async def test_a_trickling_answer_ends_at_the_providers_timeout(rig: Rig) -> None:
    rig.chaos.scenario = "trickle"
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        await rig.client.get("abc123")
    assert time.monotonic() - started < 1.0 + SLACK


@pytest.mark.rig(timeout=1.0, max_retries=5)
async def test_backoff_between_retries_ends_at_the_providers_timeout(rig: Rig) -> None:
    rig.chaos.scenario = "echo_key_html_502"
    started = time.monotonic()
    with pytest.raises(PromokitError):
        await rig.client.get("abc123")
    assert time.monotonic() - started < 1.0 + SLACK


@pytest.mark.rig(timeout=1.0)
async def test_reconciling_a_create_shares_the_providers_timeout(rig: Rig) -> None:
    rig.chaos.scenario = "silent"  # neither the create nor the lookup is ever answered
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown) as caught:
        await rig.client.create(promotion_for(rig.provider))
    assert time.monotonic() - started < 1.0 + SLACK
    assert caught.value.idempotency_key
    assert rig.chaos.writes == 1  # never resent


@pytest.mark.rig(timeout=5.0)
async def test_reconciling_a_create_shares_the_callers_timeout(rig: Rig) -> None:
    rig.chaos.scenario = "silent"
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown):
        await rig.client.create(promotion_for(rig.provider), timeout=0.6)
    assert time.monotonic() - started < 0.6 + SLACK
    assert rig.chaos.writes == 1
