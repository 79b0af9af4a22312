"""The seam to aiohttp: owns the session, and sends one request and reads its whole answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import aiohttp
from multidict import CIMultiDict, istr

from promokit.errors import ConfigurationError
from promokit.http.deadlines import Deadlines
from promokit.http.request import Request, Response

CAN_STOP_RESENDS = "_retry_connection" in getattr(aiohttp.ClientSession, "ATTRS", ())
"""Whether this aiohttp (3.11+) lets its own resend of idempotent requests be turned off."""


class BodyTooLarge(Exception):
    """An answer passed the body cap (its declared ``length``, if it declared one)."""

    def __init__(self, status: int, length: int | None) -> None:
        super().__init__(status, length)
        self.status = status
        self.length = length


class Binding(NamedTuple):
    """A transport's session and attempt deadlines, both tied to one event loop.

    ``counts_resends``: the session traces aiohttp's own resends (see
    :func:`resend_accounting`), so each attempt must carry a trace context.
    """

    loop: asyncio.AbstractEventLoop
    session: aiohttp.ClientSession
    deadlines: Deadlines
    counts_resends: bool


def no_hidden_resends(session: aiohttp.ClientSession) -> None:
    """Stop ``session`` resending a request by itself.

    aiohttp resends a GET, HEAD, PUT or DELETE once when the connection drops
    before the answer (meant for a reused keep-alive connection the server had
    closed, RFC 9112 §9.3.1). That second request reaches the gateway past the
    rate limiter and the retry budget (measured: 3 requests under a limit of 2
    with ``max_retries=0``), so promokit turns it off and retries, if at all, by
    its own policy. aiohttp has no public switch; the attribute is the one its
    own test client sets, and ``tests/chaos/test_resends.py`` fails if it stops
    working. On an aiohttp without it (3.10), every resend is counted instead
    (:func:`resend_accounting`), on promokit's own session and on a caller's.
    """
    if CAN_STOP_RESENDS:
        session._retry_connection = False


class ResendTrace:
    """One attempt's trace context: its sends so far and the rate places its resends hold.

    ``admit`` lets a resend go as a retry of ours would, or raises to refuse it.
    """

    __slots__ = ("admit", "held", "request", "sends")

    def __init__(self, request: Request, admit: Callable[[ResendTrace], Awaitable[None]]) -> None:
        self.request = request
        self.admit = admit
        self.sends = 0
        self.held = 0


class _ResendAccounting(aiohttp.TraceConfig):
    """The trace config :func:`resend_accounting` builds (so a session is given one once)."""


def resend_accounting() -> aiohttp.TraceConfig:
    """A trace that admits every connection after a request's first like a retry.

    aiohttp asks its connector for a connection once per send, so a second ask
    within one request is its hidden resend: it must pass the retry policy, the
    retry budget and the rate limiter like any retry of ours, or it is refused.
    Requests that carry no :class:`ResendTrace` (a caller's own, on a caller's
    session) pass untouched.
    """
    trace = _ResendAccounting()

    async def connection(session: aiohttp.ClientSession, context: Any, params: object) -> None:
        state = context.trace_request_ctx
        if not isinstance(state, ResendTrace):
            return
        state.sends += 1
        if state.sends > 1:
            await state.admit(state)

    trace.on_connection_create_start.append(connection)
    trace.on_connection_reuseconn.append(connection)
    return trace


class Transport:
    """Owns one aiohttp session per client, created lazily inside the running loop.

    A caller-supplied session is used as is and never closed; its hidden resend of
    idempotent requests on a dropped keep-alive connection is turned off, as on
    promokit's own (see :func:`no_hidden_resends`), or where aiohttp cannot turn it
    off (3.10), promokit's resend accounting joins the session's trace configs.
    """

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        limit: int = 100,
        limit_per_host: int = 64,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._counts_resends = False
        if session is not None:
            no_hidden_resends(session)
            if not CAN_STOP_RESENDS:
                _count_resends_of(session)
                self._counts_resends = True
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self.bound: Binding | None = None
        """What the last :meth:`bind` returned; ``None`` until then and once closed."""

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` ran."""
        return self._closed

    def session(self, loop: asyncio.AbstractEventLoop | None = None) -> aiohttp.ClientSession:
        """The session, created on first use in the running loop (``loop``, if known)."""
        if self._closed:
            raise ConfigurationError("this promokit client is closed; open a new one")
        if loop is None:
            loop = asyncio.get_running_loop()
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._limit, limit_per_host=self._limit_per_host, ttl_dns_cache=300
            )
            self._counts_resends = not CAN_STOP_RESENDS
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),
                trace_configs=[resend_accounting()] if self._counts_resends else None,
            )
            self._loop = loop
            no_hidden_resends(self._session)
        elif self._loop is not None and self._loop is not loop:
            raise ConfigurationError(
                "this promokit client was opened in another event loop; create one per loop"
            )
        return self._session

    def bind(self, loop: asyncio.AbstractEventLoop) -> Binding:
        """The session and deadlines for ``loop``, kept in :attr:`bound` for the next attempt.

        Attempts read :attr:`bound` and call this only when it is unset (first use,
        or closed: :meth:`session` then refuses) or belongs to another loop, so a new
        :class:`Deadlines` — one shared timer for all providers — is always for a
        new loop.
        """
        session = self.session(loop)
        bound = self.bound = Binding(loop, session, Deadlines(loop), self._counts_resends)
        return bound

    async def aclose(self) -> None:
        """Close the session if we own it; safe to call twice."""
        self._closed = True
        self.bound = None  # the next attempt binds again, and session() refuses
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()


def _count_resends_of(session: aiohttp.ClientSession) -> None:
    """Add promokit's resend accounting to a caller's session (once per session).

    aiohttp has no public way to add a trace config to a session it built; its
    list is read afresh for every request, so appending to it (the private
    ``_trace_configs``, on the aiohttp versions that need this) takes effect at the
    next request. ``tests/chaos/test_resends.py`` fails if it stops working.
    """
    configs: list[aiohttp.TraceConfig] = session._trace_configs
    if any(isinstance(config, _ResendAccounting) for config in configs):
        return  # another promokit client already counts this session's resends
    trace = resend_accounting()
    trace.freeze()
    configs.append(trace)


async def send(
    session: aiohttp.ClientSession,
    request: Request,
    headers: CIMultiDict[str],
    *,
    request_id: str,
    request_id_key: istr,
    timeout: aiohttp.ClientTimeout,
    max_body: int,
    trace: ResendTrace | None,
) -> Response:
    """Send ``request`` once and read its whole answer (at most ``max_body`` bytes).

    aiohttp's exceptions and :class:`BodyTooLarge` pass through; the caller maps them.
    """
    # Awaited, not ``async with``: the context manager adds four coroutines per
    # request; release() is all its exit does once the body is read.
    raw = await session.request(
        request.method,
        request.url,
        data=request.body,
        params=request.params,
        headers=headers,
        timeout=timeout,
        allow_redirects=False,
        trace_request_ctx=trace,
    )
    try:
        if raw.content.is_eof():
            # The whole body already arrived (the common case): it is in memory
            # either way, so read it and check the cap after.
            payload = await raw.read()
            if len(payload) > max_body:
                raise BodyTooLarge(raw.status, len(payload))
        else:
            payload = await _read(raw, max_body)
        headers_in = raw.headers
        return Response(  # positional: this runs for every response
            raw.status,
            headers_in,
            payload,
            headers_in.get(request_id_key) or request_id,
            request.method,
            request.url,
        )
    finally:
        raw.release()


async def _read(raw: aiohttp.ClientResponse, max_body: int) -> bytes:
    """A body still arriving: refuse a declared or streamed length past the cap."""
    length = raw.content_length
    if length is not None:
        if length > max_body:
            raise BodyTooLarge(raw.status, length)
        return await raw.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in raw.content.iter_chunked(65536):
        size += len(chunk)
        if size > max_body:
            raise BodyTooLarge(raw.status, None)
        chunks.append(chunk)
    return b"".join(chunks)


__all__ = [
    "CAN_STOP_RESENDS",
    "Binding",
    "BodyTooLarge",
    "ResendTrace",
    "Transport",
    "no_hidden_resends",
    "resend_accounting",
    "send",
]
