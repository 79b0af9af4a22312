"""Shared machinery for provider emulators: loopback server, virtual clock, fault injection."""

from __future__ import annotations

import asyncio
import collections
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from aiohttp import web
from multidict import CIMultiDictProxy

from promokit.http.loopback import LoopbackServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FaultKind = Literal[
    "delay",
    "delay_after",
    "drop_before",
    "drop_after",
    "status",
    "rate_limit",
    "garbage",
    "slow_body",
    "huge_body",
]


class VirtualClock:
    """The emulator's idea of "now"; tests move it instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC).replace(microsecond=0)
        self._frozen = start is not None
        self._offset = timedelta()

    def now(self) -> datetime:
        """The current emulated time (aware UTC)."""
        if self._frozen:
            return self._now + self._offset
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._offset += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` and stay there until advanced."""
        self._now = moment
        self._frozen = True
        self._offset = timedelta()

    def monotonic(self) -> float:
        """Seconds on the emulated clock, for rate windows."""
        return self.now().timestamp()


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next ``count`` matching requests.

    ``path`` restricts it to request paths starting with that prefix and ``method``
    to one HTTP method. ``drop_after`` runs the handler (the write commits) and then
    cuts the connection, so the client never learns the outcome; ``delay_after``
    commits and then answers late (a timeout after commit); ``delay`` waits before
    the handler runs; ``garbage`` answers an HTML page with ``status`` (pass 200 for
    a proxy page under a success status).
    """

    kind: FaultKind
    count: int = 1
    status: int = 503
    delay: float = 0.0
    retry_after: str | None = None
    body: bytes | None = None
    path: str | None = None
    method: str | None = None
    probability: float = 1.0

    def matches(self, request: web.Request) -> bool:
        """Whether this fault applies to ``request``."""
        if self.method is not None and request.method != self.method:
            return False
        return self.path is None or request.path.startswith(self.path)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the emulator received it (headers kept for wire assertions).

    ``headers`` look up case-insensitively, as HTTP names are (aiohttp 3.14's
    server reports a received ``X-Request-Id`` as ``X-Request-ID``);
    ``raw_headers`` keep the names exactly as they came over the wire.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDictProxy[str]
    body: bytes
    raw_headers: tuple[tuple[bytes, bytes], ...] = ()


@dataclass
class RateWindow:
    """Emulated provider rate limit: at most ``rate`` requests per ``period`` seconds."""

    rate: int
    period: float = 60.0
    retry_after: Callable[[float], str] = field(default=lambda wait: str(max(1, round(wait))))
    _seen: collections.deque[float] = field(default_factory=collections.deque)
    max_in_window: int = 0
    rejected: int = 0

    def admit(self, now: float) -> float:
        """0 when admitted, else the seconds until a slot frees up."""
        seen = self._seen
        while seen and seen[0] + self.period <= now:
            seen.popleft()
        if len(seen) >= self.rate:
            self.rejected += 1
            return seen[0] + self.period - now
        seen.append(now)
        self.max_in_window = max(self.max_in_window, len(seen))
        return 0.0


class FaultInjector:
    """A queue of :class:`Fault` objects consulted by the emulator middleware."""

    def __init__(self, seed: int = 0) -> None:
        self.faults: list[Fault] = []
        self._random = random.Random(seed)

    def add(self, kind: FaultKind, **options: object) -> Fault:
        """Queue a fault; returns it so a test can inspect ``count`` afterwards."""
        fault = Fault(kind, **options)  # type: ignore[arg-type]
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every queued fault."""
        self.faults.clear()

    def take(self, request: web.Request) -> Fault | None:
        """The first fault matching ``request``, consuming one of its uses."""
        for fault in self.faults:
            if fault.count > 0 and fault.matches(request):
                if fault.probability < 1.0 and self._random.random() >= fault.probability:
                    continue
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault
        return None


class Emulator:
    """Common state of a provider emulator: clock, faults, request log, rate window.

    A provider emulator subclasses it, adds its store and routes in
    :meth:`routes`, and is served by :class:`EmulatorServer`.
    """

    name = "emulator"

    def __init__(
        self,
        *,
        clock: VirtualClock | None = None,
        rate_limit: int | None = None,
        rate_period: float = 60.0,
    ) -> None:
        self.clock = clock or VirtualClock()
        self.faults = FaultInjector()
        self.requests: list[RecordedRequest] = []
        self.rate = RateWindow(rate_limit, rate_period) if rate_limit else None
        self.in_flight = 0
        self.max_in_flight = 0

    def routes(self, app: web.Application) -> None:
        """Add the provider's routes to ``app``."""
        raise NotImplementedError

    def rate_limited(self, wait: float) -> web.StreamResponse:
        """The provider's 429 answer (override for the provider's exact body)."""
        assert self.rate is not None
        return web.json_response(
            {"error": "Too Many Requests"},
            status=429,
            headers={"Retry-After": self.rate.retry_after(wait)},
        )

    def app(self) -> web.Application:
        """The aiohttp application: record, inject faults, rate-limit, then route."""
        app = web.Application(middlewares=[self._middleware])
        self.routes(app)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._serve(request, handler)
        finally:
            self.in_flight -= 1

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            RecordedRequest(
                request.method,
                request.path,
                dict(request.query),
                request.headers,
                body,
                request.raw_headers,
            )
        )
        fault = self.faults.take(request)
        if fault is not None:
            early = await self._apply_before(fault, request)
            if early is not None:
                return early
        if self.rate is not None:
            wait = self.rate.admit(self.clock.monotonic())
            if wait:
                return self.rate_limited(wait)
        response = await handler(request)
        if fault is not None and fault.kind == "drop_after":
            _cut(request)
            raise _Dropped
        if fault is not None and fault.kind == "delay_after":
            await asyncio.sleep(fault.delay)
        return response

    async def _apply_before(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "drop_before":
            _cut(request)
            raise _Dropped
        if fault.kind == "status":
            return web.Response(
                status=fault.status, body=fault.body or b"", content_type="application/json"
            )
        if fault.kind == "rate_limit":
            headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
            return web.Response(
                status=429,
                body=fault.body or b"{}",
                headers=headers,
                content_type="application/json",
            )
        if fault.kind == "garbage":
            return web.Response(
                status=fault.status,
                body=fault.body or b"<html>maintenance</html>",
                content_type="text/html",
            )
        if fault.kind == "huge_body":
            return web.Response(
                status=200,
                body=b"{" + b" " * (4 * 1024 * 1024) + b"}",
                content_type="application/json",
            )
        if fault.kind == "slow_body":
            response = web.StreamResponse(status=200)
            response.content_type = "application/json"
            await response.prepare(request)
            for _ in range(100):
                await response.write(b" ")
                await asyncio.sleep(fault.delay or 0.05)
            await response.write_eof()
            return response
        return None


class _Dropped(web.HTTPException):
    """Raised after the connection was cut on purpose; nothing more is written."""

    status_code = 500


def _cut(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


class EmulatorServer(LoopbackServer):
    """Serves an :class:`Emulator` on 127.0.0.1 (port 0 = any free port).

    Use ``async with EmulatorServer(emulator) as server:`` in tests, then point a
    provider's ``base_url`` at ``server.url`` (it includes the provider's prefix).
    """

    def __init__(
        self, emulator: Emulator, *, host: str = "127.0.0.1", port: int = 0, prefix: str = ""
    ) -> None:
        super().__init__(host=host, port=port, prefix=prefix)
        self.emulator = emulator

    def build_app(self) -> web.Application:
        """The emulator's application."""
        return self.emulator.app()

    async def serve_forever(self) -> None:
        """Run until cancelled (``promokit emulate``)."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()
