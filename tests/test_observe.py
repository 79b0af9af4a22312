"""Observing requests: every attempt reaches promokit_request_done, and nothing else changes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

import promokit
from promokit import NotFound, ProviderServerError, RequestTimeout
from promokit.http.observe import RequestEvent
from promokit.plugins import Plugins
from promokit.plugins.emulator import EmulatorServer

from .conftest import CANARY_KEY, EchoEmulator


class Recorder:
    """A plugin that keeps every event it is told of."""

    def __init__(self) -> None:
        self.events: list[RequestEvent] = []

    @promokit.hookimpl
    def promokit_request_done(self, event: RequestEvent) -> None:
        self.events.append(event)


class Broken:
    @promokit.hookimpl
    def promokit_request_done(self, event: RequestEvent) -> None:
        raise RuntimeError("the metrics backend is down")


class Counting:
    """An implementation that asks for no argument (pluggy allows fewer)."""

    calls = 0

    @promokit.hookimpl
    def promokit_request_done(self) -> None:
        Counting.calls += 1


def config(url: str, **extra: Any) -> dict[str, Any]:
    settings = {"plugin": "echo", "api_key": CANARY_KEY, "base_url": url, "timeout": 2.0}
    return {"default": "shop", "providers": {"shop": {**settings, **extra}}}


def echo(*faults: dict[str, Any]) -> EchoEmulator:
    """The echo emulator holding item ``it_1``, with ``faults`` queued."""
    emulator = EchoEmulator()
    emulator.items["it_1"] = {"id": "it_1", "name": "x", "amount": 1}
    for fault in faults:
        emulator.faults.add(**fault)
    return emulator


@contextlib.asynccontextmanager
async def serving(
    emulator: EchoEmulator, plugins: Plugins, **settings: Any
) -> AsyncIterator[tuple[EmulatorServer, promokit.Client]]:
    """``emulator`` on loopback and a client of it, alias ``shop``, that never sleeps."""
    async with (
        EmulatorServer(emulator) as server,
        promokit.Client.from_config(
            config(server.url, **settings), plugins=plugins, sleep=no_sleep
        ) as client,
    ):
        yield server, client


@pytest.fixture
def recorder(plugins: Plugins) -> Recorder:
    recorder = Recorder()
    plugins.register(recorder, name="recorder")
    return recorder


async def no_sleep(seconds: float) -> None:
    return None


async def test_a_success_is_one_event_with_the_facts_of_the_attempt(
    plugins: Plugins, recorder: Recorder
) -> None:
    async with serving(echo(), plugins) as (server, client):
        await client.get("it_1")
    [event] = recorder.events
    assert event.provider == "shop"  # the alias, not the plugin
    assert event.operation == "get"
    assert event.method == "GET"
    assert event.url == f"{server.url}/items/it_1"
    assert event.attempt == 1
    assert event.status == 200
    assert event.error is None
    assert event.request_id is not None
    assert event.request_id.startswith("pk_")
    assert 0 < event.duration < 2.0


async def test_each_retry_is_its_own_event_numbered_in_order(
    plugins: Plugins, recorder: Recorder
) -> None:
    async with serving(echo({"kind": "status", "count": 2, "status": 503}), plugins) as (
        _,
        client,
    ):
        await client.get("it_1")
    assert [(e.attempt, e.status, e.error) for e in recorder.events] == [
        (1, 503, ProviderServerError.__name__),
        (2, 503, ProviderServerError.__name__),
        (3, 200, None),
    ]
    # Every attempt sent its own id.
    assert len({event.request_id for event in recorder.events}) == 3


async def test_failures_without_an_answer_are_reported_too(
    plugins: Plugins, recorder: Recorder
) -> None:
    slow = echo({"kind": "delay", "delay": 1.0, "count": 1})
    async with serving(slow, plugins, timeout=0.2, max_retries=0) as (_, client):
        with pytest.raises(RequestTimeout):
            await client.get("it_1")
        with pytest.raises(NotFound):
            await client.get("missing")
    timeout, missing = recorder.events
    assert timeout.error == "RequestTimeout"
    assert timeout.status is None
    assert timeout.request_id is not None  # ours: the attempt had been sent
    assert timeout.duration > 0.15
    assert (missing.error, missing.status) == ("NotFound", 404)


async def test_a_cancelled_call_reports_its_attempt(plugins: Plugins, recorder: Recorder) -> None:
    async with serving(echo({"kind": "delay", "delay": 2.0, "count": 1}), plugins) as (_, client):
        task = asyncio.create_task(client.get("it_1"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    [event] = recorder.events
    assert (event.error, event.status) == ("CancelledError", None)


async def test_a_failing_observer_is_logged_and_changes_nothing(
    plugins: Plugins, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    plugins.register(Broken(), name="broken")
    plugins.register(Counting(), name="counting")
    Counting.calls = 0
    async with serving(echo(), plugins) as (_, client):
        with caplog.at_level(logging.ERROR, logger="promokit.observe"):
            promotion = await client.get("it_1")
    assert promotion.id == "it_1"
    # The broken one neither failed the call nor kept the event from the others.
    assert len(recorder.events) == 1
    assert Counting.calls == 1
    assert "a request observer failed on provider=shop operation=get" in caplog.text
    assert "the metrics backend is down" in caplog.text


async def test_events_hold_no_secret(plugins: Plugins, recorder: Recorder) -> None:
    emulator = echo()
    emulator.items["it_1"]["api_key"] = CANARY_KEY
    async with serving(emulator, plugins) as (_, client):
        await client.get("it_1")
    [event] = recorder.events
    assert CANARY_KEY not in msgspec.json.encode(event).decode()
    assert CANARY_KEY not in repr(event)


async def test_without_observers_nothing_is_measured(plugins: Plugins) -> None:
    assert plugins.request_observer() is None
    async with serving(echo(), plugins) as (_, client):
        http = client.provider().http
        assert http is not None
        assert http.observer is None  # the request path takes its unobserved branch
