"""Transport over real loopback HTTP: retries, Retry-After, deadlines, caps, lifecycle, logs."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from promokit import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    NotFound,
    ProviderResponseError,
    ProviderServerError,
    RateLimited,
    RequestTimeout,
    TransportError,
)
from promokit.http.limits import RetryBudget
from promokit.http.transport import ProviderHttp, RetryPolicy, Transport, parse_retry_after
from promokit.plugins.emulator import EmulatorServer
from promokit.testing.mocked import needs_aioresponses

from .conftest import CANARY_KEY, EchoEmulator, no_sleep_recorder


@pytest.fixture
async def emulator() -> AsyncIterator[tuple[EchoEmulator, EmulatorServer]]:
    emulator = EchoEmulator()
    async with EmulatorServer(emulator) as server:
        emulator.items["it_1"] = {"id": "it_1", "name": "x", "amount": 1}
        yield emulator, server


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    transport = Transport()
    yield transport
    await transport.aclose()


def http_for(transport: Transport, url: str, sleep: Any, **options: Any) -> ProviderHttp:
    return ProviderHttp(
        transport,
        provider="echo",
        base_url=url,
        headers={"Authorization": f"Bearer {CANARY_KEY}"},
        sleep=sleep,
        secrets=(CANARY_KEY,),
        **{"timeout": 2.0, **options},
    )


async def test_get_is_retried_on_503_503_then_succeeds(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    slept, sleep = no_sleep_recorder()
    fake.faults.add("status", count=2, status=503)
    http = http_for(transport, server.url, sleep)
    response = await http.request("GET", "/items/it_1", operation="get")
    assert response.status == 200
    assert http.attempts == 3
    assert len(slept) == 2
    assert all(0 < delay <= 5 for delay in slept)


async def test_retries_stop_after_max_retries(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.faults.add("status", count=10, status=503)
    http = http_for(transport, server.url, sleep, retry=RetryPolicy(max_retries=2))
    with pytest.raises(ProviderServerError) as caught:
        await http.request("GET", "/items/it_1", operation="get")
    assert http.attempts == 3
    assert caught.value.status == 503
    assert caught.value.retryable
    assert caught.value.request_id
    assert caught.value.request_id.startswith("pk_")


async def test_429_waits_retry_after_then_succeeds(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    slept, sleep = no_sleep_recorder()
    fake.faults.add("rate_limit", retry_after="7")
    http = http_for(transport, server.url, sleep, timeout=30.0)
    response = await http.request("GET", "/items/it_1", operation="get")
    assert response.status == 200
    assert slept == [7.0]


async def test_429_longer_than_the_deadline_is_raised_at_once(
    emulator: Any, transport: Transport
) -> None:
    fake, server = emulator
    slept, sleep = no_sleep_recorder()
    fake.faults.add("rate_limit", retry_after="45")
    http = http_for(transport, server.url, sleep, timeout=5.0)
    with pytest.raises(RateLimited) as caught:
        await http.request("GET", "/items/it_1", operation="get")
    assert caught.value.retry_after == 45.0
    assert slept == []


async def test_401_is_not_retried(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.faults.add("status", status=401, body=b'{"error":"bad key"}')
    http = http_for(transport, server.url, sleep)
    with pytest.raises(AuthenticationError) as caught:
        await http.request("GET", "/items/it_1", operation="get")
    assert http.attempts == 1
    assert caught.value.outcome == "rejected"
    assert not caught.value.retryable


async def test_post_is_never_resent_after_it_may_have_committed(
    emulator: Any, transport: Transport
) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.faults.add("drop_after", method="POST")
    http = http_for(transport, server.url, sleep)
    with pytest.raises(TransportError) as caught:
        await http.request("POST", "/items", operation="create", body=b'{"name":"a","amount":1}')
    assert caught.value.outcome == "unknown"
    assert http.attempts == 1
    assert len(fake.items) == 2  # the write committed once, and only once


async def test_post_503_is_not_resent(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.faults.add("status", status=503, method="POST")
    http = http_for(transport, server.url, sleep)
    with pytest.raises(ProviderServerError) as caught:
        await http.request("POST", "/items", operation="create", body=b"{}")
    assert caught.value.outcome == "unknown"
    assert http.attempts == 1


async def test_post_429_is_resent_because_it_was_refused(
    emulator: Any, transport: Transport
) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.faults.add("rate_limit", retry_after="1", method="POST")
    http = http_for(transport, server.url, sleep)
    response = await http.request(
        "POST", "/items", operation="create", body=b'{"name":"a","amount":1}'
    )
    assert response.status == 200
    assert len(fake.items) == 2


async def test_connection_refused_is_not_sent_and_retried(transport: Transport) -> None:
    slept, sleep = no_sleep_recorder()
    http = http_for(transport, "http://127.0.0.1:9", sleep)
    with pytest.raises(ConnectError) as caught:
        await http.request("POST", "/items", operation="create", body=b"{}")
    assert caught.value.outcome == "not_sent"
    assert http.attempts == 3
    assert len(slept) == 2


@pytest.mark.usefixtures("settled_gc")
async def test_deadline_bounds_a_slow_server(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    fake.faults.add("delay", delay=1.0, count=5)
    http = http_for(transport, server.url, asyncio.sleep, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as caught:
        await http.request("GET", "/items/it_1", operation="get")
    # Well before the server's 1 s answer: the deadline fired (a loaded machine may
    # wake the timer late, so the bound is not the deadline's own 0.3 s).
    assert time.monotonic() - started < 0.3 + 0.5
    assert caught.value.outcome == "unknown"


@pytest.mark.usefixtures("settled_gc")
async def test_slow_body_is_bounded_by_the_deadline(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    fake.faults.add("slow_body", delay=0.05, count=5)
    http = http_for(transport, server.url, asyncio.sleep, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        await http.request("GET", "/items/it_1", operation="get")
    assert time.monotonic() - started < 0.3 + 0.1


async def test_a_complete_body_over_the_cap_is_refused_too(
    emulator: Any, transport: Transport
) -> None:
    # A small body arrives with its headers (read at once, then checked) and is still
    # refused when it passes max_body, with its size in the message.
    _, server = emulator
    _, sleep = no_sleep_recorder()
    http = http_for(transport, server.url, sleep, max_body=8)
    with pytest.raises(ProviderResponseError) as caught:
        await http.request("GET", "/items/it_1", operation="get")
    assert caught.value.kind == "too_large"
    assert "bytes exceeds the 8-byte cap" in str(caught.value)
    assert http.attempts == 1  # a refused size is not retried
    assert http.slots.in_use == 0


async def test_oversized_body_is_refused(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.faults.add("huge_body")
    http = http_for(transport, server.url, sleep)
    with pytest.raises(ProviderResponseError) as caught:
        await http.request("GET", "/items/it_1", operation="get")
    assert caught.value.kind == "too_large"


@needs_aioresponses()
async def test_redirects_are_a_configuration_error(transport: Transport) -> None:
    _, sleep = no_sleep_recorder()
    http = http_for(transport, "https://api.example.test", sleep)
    with aioresponses() as mocked:
        mocked.get(
            "https://api.example.test/x",
            status=302,
            headers={"Location": "https://elsewhere.test/x"},
        )
        with pytest.raises(ConfigurationError, match=r"elsewhere\.test"):
            await http.request("GET", "/x", operation="get")


@pytest.mark.usefixtures("settled_gc")
async def test_cancellation_propagates_quickly(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    fake.faults.add("delay", delay=5.0)
    http = http_for(transport, server.url, asyncio.sleep, timeout=10.0)
    task = asyncio.create_task(http.request("GET", "/items/it_1", operation="get"))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 0.05
    assert http.slots.in_use == 0


async def test_retry_budget_stops_retry_storms(emulator: Any, transport: Transport) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.faults.add("status", status=503, count=1000)
    budget = RetryBudget(capacity=20, retry_cost=5)
    http = http_for(transport, server.url, sleep, budget=budget)
    calls = 30
    for _ in range(calls):
        with pytest.raises(ProviderServerError):
            await http.request("GET", "/items/it_1", operation="get")
    assert http.attempts <= calls + 20 // 5


@needs_aioresponses()
async def test_not_found_keeps_provider_code_from_the_parser(transport: Transport) -> None:
    from promokit.http.transport import ErrorInfo, Response

    def parse(response: Response) -> ErrorInfo | None:
        if response.status < 400:
            return None
        return ErrorInfo(status=response.status, message="gone", code="NF", request_id="prov-1")

    _, sleep = no_sleep_recorder()
    http = http_for(transport, "https://api.example.test", sleep, error_parser=parse)
    with aioresponses() as mocked:
        mocked.get("https://api.example.test/x", status=404, body=b"{}")
        with pytest.raises(NotFound) as caught:
            await http.request("GET", "/x", operation="get")
    assert (caught.value.code, caught.value.request_id) == ("NF", "prov-1")


def test_path_segments_are_quoted() -> None:
    assert ProviderHttp.path("coupons", "a/b?c#d") == "/coupons/a%2Fb%3Fc%23d"
    assert ProviderHttp.path("coupons", "..") == "/coupons/%252E%252E"


def test_path_segments_are_cached_only_when_short() -> None:
    from promokit.http import request

    short, long = "prm_cache_probe", "p/" + "x" * 200
    assert [request.path_segment(short) for _ in range(2)] == ["prm_cache_probe"] * 2
    kept = request._cached_segment.cache_info().currsize
    # Quoted the same, but never kept: callers' ids cannot grow the cache's memory.
    assert request.path_segment(long) == "p%2F" + "x" * 200
    assert request._cached_segment.cache_info().currsize == kept


@pytest.mark.parametrize(
    ("header", "expected"),
    [("5", 5.0), ("0.5", 0.5), (None, None), ("soon", None), ("-3", 0.0)],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_as_http_date() -> None:
    header = "Wed, 21 Oct 2026 07:28:10 GMT"
    now = 1792567690.0 - 10  # ten seconds before that date
    assert parse_retry_after(header, now=now) == pytest.approx(10.0)


def test_backoff_grows_and_honours_retry_after_with_a_cap() -> None:
    policy = RetryPolicy(jitter=lambda top: top)
    assert [policy.wait(n, None) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 5.0]
    assert policy.wait(1, 30.0) == 30.0
    assert policy.wait(1, 3600.0) == 60.0


async def test_session_is_created_lazily_reused_and_closed() -> None:
    transport = Transport()
    session = transport.session()
    assert transport.session() is session
    await transport.aclose()
    assert session.closed
    with pytest.raises(ConfigurationError, match="closed"):
        transport.session()


async def test_a_caller_supplied_session_is_never_closed() -> None:
    async with aiohttp.ClientSession() as mine:
        transport = Transport(session=mine)
        assert transport.session() is mine
        await transport.aclose()
        assert not mine.closed


async def test_logs_carry_request_facts_but_never_the_key(
    emulator: Any, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.items["it_2"] = {"id": "it_2", "name": "x", "amount": 1, "api_key": CANARY_KEY}
    http = http_for(transport, server.url, sleep)
    with caplog.at_level(logging.DEBUG, logger="promokit"):
        await http.request("GET", "/items/it_2", operation="get")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "status=200" in text
    assert "request_id=pk_" in text
    assert CANARY_KEY not in text
    assert '"api_key":"****"' in text.replace(" ", "")
    assert CANARY_KEY not in repr(http)


async def test_authentication_errors_say_which_key_was_tried_without_it(
    emulator: Any, transport: Transport
) -> None:
    fake, server = emulator
    _, sleep = no_sleep_recorder()
    fake.faults.add("status", status=401, body=b"{}")
    http = http_for(transport, server.url, sleep, credential_hint="the sandbox key sk_test_…cdef")
    with pytest.raises(AuthenticationError) as caught:
        await http.request("GET", "/items/it_1", operation="get")
    assert "the sandbox key sk_test_…cdef" in str(caught.value)
    assert CANARY_KEY not in str(caught.value)


def test_backoff_is_full_jitter_anywhere_from_zero_to_the_exponential_step() -> None:
    random.seed(17)
    policy = RetryPolicy()
    # Full jitter draws from the whole [0, step] range, not only its upper half.
    waits = [policy.wait(1, None) for _ in range(2000)]
    assert all(0.0 <= wait <= 0.5 for wait in waits)
    assert min(waits) < 0.05
    assert sum(wait < 0.25 for wait in waits) > 800  # about half below the midpoint
    assert all(0.0 <= policy.wait(4, None) <= 4.0 for _ in range(100))
