"""A call's outcome is what any of its attempts did on the wire, not only its last one's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import promokit
from promokit import CardScope, Percent, PromokitError, Promotion, Quota
from promokit.http.session import CAN_STOP_RESENDS
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

KEY = "dp_test_outcome000000001"
SAMPLE = Promotion(
    name="OUTCOME-LABEL",
    code="OUTCOME1",
    discount=Percent(value=Decimal(10)),
    limit=Quota(uses=10),
    starts_at=datetime(2026, 1, 1, tzinfo=UTC),
    ends_at=datetime(2030, 1, 1, tzinfo=UTC),
    payment=CardScope(bins=("424242",)),
)


async def test_a_retry_begun_past_the_deadline_keeps_the_sent_attempts_outcome() -> None:
    """A loaded loop oversleeps the backoff: the retry finds its deadline gone.

    The first attempt reached the gateway (it answered, then dropped the
    connection), so the call's error must not say ``not_sent``.
    """
    emulator, prefix = load_emulator("durianpay", api_key=KEY)

    async def oversleep(seconds: float) -> None:
        await asyncio.sleep(seconds + 1.0)  # past the 0.5 s deadline, whatever the jitter

    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = {
            "default": "gw",
            "ledger": ":memory:",
            "providers": {
                "gw": {"plugin": "durianpay", "api_key": KEY, "base_url": server.url},
            },
        }
        async with promokit.Client.from_config(config, sleep=oversleep) as client:
            created = await client.create(SAMPLE, policy="strict")
            # aiohttp 3.10 resends a dropped read at once by itself (counted as our
            # attempt, see CAN_STOP_RESENDS): that resend is dropped too, so the retry
            # that oversleeps is ours on every aiohttp.
            hidden = 0 if CAN_STOP_RESENDS else 1
            emulator.faults.add("drop_after", method="GET", count=1 + hidden)
            seen = len(emulator.requests)
            with pytest.raises(PromokitError) as caught:
                await client.get(created.id or "", timeout=0.5)
    assert len(emulator.requests) - seen == 1 + hidden, "only the attempts before the deadline"
    assert caught.value.outcome == "unknown"
    assert any("reached the provider" in note for note in caught.value.__notes__)
