"""Rate limits on both sides, and the API key never showing up anywhere it should not."""

from __future__ import annotations

import logging
import pickle

import pytest
from promokit_mayar.emulator import MayarEmulator

from promokit import AuthenticationError, Checkout, RateLimited
from promokit.plugins.emulator import RateWindow

from .conftest import KEY, ClientFactory, seed_promotion


class FakeTime:
    """A clock that only moves when something sleeps on it."""

    def __init__(self, emulator: MayarEmulator | None = None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.emulator = emulator

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.emulator is not None:
            self.emulator.clock.advance(seconds)


async def test_the_client_paces_itself_at_20_requests_per_minute(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    time = FakeTime()
    options = {"sleep": time.sleep, "clock": time.clock}
    async with make_client(options, rate_limit=None, timeout=120) as client:
        await client.create(seed_promotion())
        for _ in range(19):
            await client.usage("haribaik")
        assert time.sleeps == []
        await client.usage("haribaik")

    assert time.sleeps == [pytest.approx(60.0)]
    assert len(emulator.requests) == 21


async def test_a_429_reports_retry_after_when_retries_are_off(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    emulator.rate = RateWindow(1)
    async with make_client() as client:
        await client.create(seed_promotion())
        with pytest.raises(RateLimited) as caught:
            await client.usage("haribaik")

    assert caught.value.status == 429
    assert caught.value.message == "Too Many Requests"
    assert caught.value.retry_after == 60.0


async def test_a_429_is_retried_after_retry_after_without_real_sleep(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    emulator.rate = RateWindow(2)
    time = FakeTime(emulator)
    options = {"sleep": time.sleep, "clock": time.clock}
    async with make_client(options, max_retries=2, timeout=120) as client:
        await client.create(seed_promotion())
        await client.usage("haribaik")
        usage = await client.usage("haribaik")

    assert usage.code == "haribaik"
    assert time.sleeps == [60.0]
    assert [r.path for r in emulator.requests][-2:] == ["/hl/v2/coupons/check"] * 2
    assert emulator.rate.rejected == 1


async def test_the_key_never_reaches_logs_reprs_or_errors(
    make_client: ClientFactory,
    emulator: MayarEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    link = emulator.add_product()
    async with make_client() as client:
        created = await client.create(seed_promotion())
        await client.get(created.id or "")
        await client.validate("haribaik", Checkout(amount=600000, product_id=link))
        await client.usage("haribaik")
        _ = [p async for p in client.list()]
        provider = client.provider()
        shown = [repr(client), repr(provider), repr(provider.settings), str(provider.settings)]
        shown += [repr(provider.http), repr(client.plan(seed_promotion()))]
        shown.append(repr(pickle.loads(pickle.dumps(provider.settings.api_key))))

    wrong = "another-secret-key-987654321"
    async with make_client(api_key=wrong) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.usage("haribaik")
    shown += [str(caught.value), repr(caught.value), repr(caught.value.__dict__)]

    assert "provider=shop" in caplog.text  # the transport did log, at DEBUG too
    assert "response_body=" in caplog.text
    for secret in (KEY, wrong):
        assert secret not in caplog.text
        for text in shown:
            assert secret not in text, text
