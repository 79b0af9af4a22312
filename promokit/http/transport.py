"""HTTP for providers: one owned aiohttp session, deadlines, error mapping, safe retries, logs."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import os
import random
import re
import time
from asyncio import get_running_loop
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import quote

import aiohttp
import msgspec
from multidict import CIMultiDict, CIMultiDictProxy, istr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from promokit.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    Overloaded,
    Problem,
    PromokitError,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    RequestTimeout,
    TransportError,
    error_class_for_status,
)
from promokit.http.call_deadline import CALL_DEADLINE
from promokit.http.deadlines import Deadlines
from promokit.http.limits import RateLimiter, RetryBudget, Sleep, Slots
from promokit.http.observe import RequestEvent, RequestObserver
from promokit.http.redact import redact_body, scrub, secret_forms

log = logging.getLogger("promokit.http")

DEFAULT_MAX_BODY = 1024 * 1024
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+").fullmatch
_JSON_STARTS = (b"{", b"[")
_SAFE_METHODS = frozenset({"GET", "HEAD", "DELETE"})


def path_segment(value: str) -> str:
    """One URL path segment: percent-quoted so ``/``, ``?``, ``#``, ``..`` stay data."""
    if value in (".", ".."):
        value = value.replace(".", "%2E")  # then quoted below, exactly as before
    # Ids are usually unreserved characters only, which quote() leaves alone.
    return value if _UNRESERVED(value) else quote(value, safe="")


def _request_ids() -> Iterator[str]:
    """``pk_<pid><random>_1``, ``_2``, ...: unique per process, built in C per call."""
    prefix = f"pk_{os.getpid():x}{random.getrandbits(24):06x}_"
    return map(prefix.__add__, map(str, itertools.count(1)))


_ids = _request_ids()


def _renew_request_ids() -> None:
    # A forked worker (gunicorn --preload, multiprocessing) would otherwise repeat
    # its parent's ids; random is reseeded in the child before this runs.
    global _ids
    _ids = _request_ids()


if hasattr(os, "register_at_fork"):  # POSIX only; Windows has no fork
    os.register_at_fork(after_in_child=_renew_request_ids)


def new_request_id() -> str:
    """Our own request id, sent as ``X-Request-Id`` (cheaper than a uuid4 per call)."""
    return next(_ids)


@dataclass(slots=True)  # not frozen: a frozen dataclass costs ~0.7 µs more to build
class _Call:
    """One logical request, shared by its first attempt and any retries (never mutated)."""

    method: str
    path: str
    operation: str
    body: bytes | None
    params: Mapping[str, str] | None
    deadline: float
    safe: bool
    expect_json: bool


@dataclass(slots=True)
class Response:
    """What came back: status, headers and the complete body, already read."""

    status: int
    headers: CIMultiDictProxy[str] | Mapping[str, str]
    body: bytes
    request_id: str
    method: str
    url: str


class ErrorInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A provider failure read from a response; ``status`` may come from the body."""

    status: int
    message: str
    code: str | None = None
    request_id: str | None = None
    fields: tuple[Problem, ...] = ()
    retry_after: float | None = None


ErrorParser = Callable[[Response], ErrorInfo | None]

# What ProviderHttp._attempt takes: loop, method, path, operation, body, params,
# deadline, expect_json.
_AttemptArguments = tuple[
    asyncio.AbstractEventLoop,
    str,
    str,
    str,
    bytes | None,
    Mapping[str, str] | None,
    float,
    bool,
]


def default_error_info(response: Response) -> ErrorInfo | None:
    """The fallback reading of a response: any status >= 400 is a failure."""
    if response.status < 400:
        return None
    return ErrorInfo(
        status=response.status,
        message=redact_body(response.body, limit=200) or f"HTTP {response.status}",
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or HTTP date); garbage is ``None``."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None or moment.tzinfo is None:
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds < 0:
        return 0.0 if seconds == seconds else None
    return seconds


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before trying again.

    ``max_retries`` counts retries after the first attempt. Backoff is exponential
    (``base * 2**n``, capped at ``cap``) with full jitter: a uniform draw from zero
    to that step. Of the jitter schemes, full jitter spreads many clients retrying
    after one outage the widest (fewest collisions at the gateway, AWS's
    "Exponential Backoff and Jitter" study) and its shorter mean wait leaves more
    of a call's deadline for the retry; the retry budget, not a minimum wait, is
    what stops retry storms. A provider's ``Retry-After`` raises the wait, up to
    ``max_retry_after``.
    """

    max_retries: int = 2
    base: float = 0.5
    cap: float = 5.0
    max_retry_after: float = 60.0
    jitter: Callable[[float], float] = field(default=lambda top: random.uniform(0.0, top))

    def wait(self, retry_number: int, retry_after: float | None) -> float:
        """Seconds to sleep before retry number ``retry_number`` (1-based)."""
        backoff = self.jitter(min(self.cap, self.base * 2 ** (retry_number - 1)))
        if retry_after is not None:
            return max(backoff, min(retry_after, self.max_retry_after))
        return backoff


class Binding(NamedTuple):
    """A transport's session and attempt deadlines, both tied to one event loop."""

    loop: asyncio.AbstractEventLoop
    session: aiohttp.ClientSession
    deadlines: Deadlines


_CAN_STOP_RESENDS = "_retry_connection" in getattr(aiohttp.ClientSession, "ATTRS", ())
"""Whether this aiohttp (3.11+) lets its own resend of idempotent requests be turned off."""


def _no_hidden_resends(session: aiohttp.ClientSession) -> None:
    """Stop ``session`` resending a request by itself.

    aiohttp resends a GET, HEAD, PUT or DELETE once when the connection drops
    before the answer (meant for a reused keep-alive connection the server had
    closed, RFC 9112 §9.3.1). That second request reaches the gateway past the
    rate limiter and the retry budget (measured: 3 requests under a limit of 2
    with ``max_retries=0``), so promokit turns it off and retries, if at all, by
    its own policy. aiohttp has no public switch; the attribute is the one its
    own test client sets, and ``tests/chaos/test_resends.py`` fails if it stops
    working. On an aiohttp without it (3.10), promokit's own session counts each
    resend instead (:func:`_resend_accounting`).
    """
    if _CAN_STOP_RESENDS:
        session._retry_connection = False


class _ResendRefused(Exception):
    """aiohttp's own resend of a dropped request was refused by our policy."""


def _resend_accounting() -> aiohttp.TraceConfig:
    """A trace that admits every connection after a request's first like a retry.

    aiohttp asks its connector for a connection once per send, so a second ask
    within one request is its hidden resend: it must pass the retry policy, the
    retry budget and the rate limiter like any retry of ours, or it is refused.
    """
    trace = aiohttp.TraceConfig()

    async def connection(session: aiohttp.ClientSession, context: Any, params: object) -> None:
        state = context.trace_request_ctx
        if state is None:
            return
        state["sends"] += 1
        if state["sends"] > 1:
            await state["http"]._admit_resend(state)

    trace.on_connection_create_start.append(connection)
    trace.on_connection_reuseconn.append(connection)
    return trace


class Transport:
    """Owns one aiohttp session per client, created lazily inside the running loop.

    A caller-supplied session is used as is and never closed; its hidden resend of
    idempotent requests on a dropped keep-alive connection is turned off, as on
    promokit's own (see :func:`_no_hidden_resends`).
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
        if session is not None:
            _no_hidden_resends(session)
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
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),
                trace_configs=None if _CAN_STOP_RESENDS else [_resend_accounting()],
            )
            self._loop = loop
            _no_hidden_resends(self._session)
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
        bound = self.bound = Binding(loop, self.session(loop), Deadlines(loop))
        return bound

    async def aclose(self) -> None:
        """Close the session if we own it; safe to call twice."""
        self._closed = True
        self.bound = None  # the next attempt binds again, and session() refuses
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()


def _settle_call_outcome(last: PromokitError, earlier: list[BaseException]) -> None:
    """Give ``last`` the call's outcome: an earlier attempt may have reached the provider.

    A retry that never left (its deadline passed during the backoff, on a loaded loop)
    must not make the whole call read ``not_sent`` when an earlier attempt was sent.
    """
    if last.outcome != "not_sent":
        return
    sent = [e.outcome for e in earlier if isinstance(e, PromokitError) and e.outcome != "not_sent"]
    if sent:
        last.outcome = "unknown" if "unknown" in sent else "rejected"
        last.add_note(f"an earlier attempt reached the provider (outcome {last.outcome})")


class ProviderHttp:
    """Sends one provider's requests: auth, deadline, rate limit, error mapping, retries.

    The first attempt runs outside tenacity (it costs tens of microseconds per
    call); only a failure that is safe to retry enters the retry loop.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        provider: str,
        base_url: str,
        headers: Mapping[str, str],
        error_parser: ErrorParser = default_error_info,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        slots: Slots | None = None,
        budget: RetryBudget | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        secrets: tuple[str, ...] = (),
        sleep: Sleep = asyncio.sleep,
        request_id_header: str = "X-Request-Id",
        credential_hint: str = "",
        observer: RequestObserver | None = None,
    ) -> None:
        self.transport = transport
        self.provider = provider
        self.credential_hint = credential_hint
        self.base_url = base_url.rstrip("/")
        # A CIMultiDict, as aiohttp keeps headers: handed a plain dict, it converts
        # it first (~0.6 µs per request).
        self._headers: CIMultiDict[str] = CIMultiDict(
            {"Accept": "application/json", "Content-Type": "application/json", **headers}
        )
        self.error_parser = error_parser
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.slots = slots or Slots(10, max_wait=timeout)
        self.budget = budget or RetryBudget()
        self.max_body = max_body
        self._secrets = secrets
        # Every form of every key, as bytes, masked in a body before any parser reads
        # it: a parser that cuts a snippet cannot then leave a key's prefix behind.
        self._secret_bytes = tuple(
            form.encode() for secret in secrets for form in secret_forms(secret)
        )
        self._sleep = sleep
        # An istr key: sent as spelled, and looked up in the response's headers
        # without a case conversion per call.
        self._request_id_key = istr(request_id_header)
        self._connect_timeout = aiohttp.ClientTimeout(sock_connect=connect_timeout)
        self.attempts = 0
        # Told of every attempt (promokit_request_done); None costs one check per call.
        self.observer = observer

    def __repr__(self) -> str:
        return f"ProviderHttp(provider={self.provider!r}, base_url={self.base_url!r})"

    @staticmethod
    def path(*segments: str) -> str:
        """Join path segments, each percent-quoted so ``/``, ``?``, ``#``, ``..`` stay data."""
        return "/" + "/".join(map(path_segment, segments))

    async def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        timeout: float | None = None,
        expect_json: bool = True,
    ) -> Response:
        """Send and return a successful :class:`Response`, or raise a typed error.

        The deadline is ``timeout`` (default: the provider's) from now, or the
        caller's :func:`promokit.deadline` if that ends first. ``idempotent``
        defaults to true for GET and DELETE. A non-idempotent request
        is retried only when it provably never reached the provider. With
        ``expect_json`` (the default) a success whose body is empty or not JSON (a
        proxy or maintenance page) is a :class:`ProviderResponseError`.
        """
        loop = get_running_loop()
        deadline = loop.time() + (self.timeout if timeout is None else timeout)
        call_deadline = CALL_DEADLINE.get()  # promokit.deadline() or a call's timeout=
        if call_deadline is not None and call_deadline < deadline:
            deadline = call_deadline
        safe = method in _SAFE_METHODS if idempotent is None else idempotent
        slots = self.slots
        if not slots.try_acquire():
            await slots.acquire(within=deadline - loop.time())
        try:
            try:
                # The first attempt takes its arguments directly: the _Call record is
                # built only when a failure has to be retried.
                if self.observer is None:
                    response = await self._attempt(
                        loop, method, path, operation, body, params, deadline, expect_json
                    )
                else:
                    response = await self._observed_attempt(
                        1, (loop, method, path, operation, body, params, deadline, expect_json)
                    )
            except PromokitError as error:
                if not self._should_retry(error, safe):
                    raise
                call = _Call(method, path, operation, body, params, deadline, safe, expect_json)
                return await self._retry(call, error)
            self.budget.earn()
            return response
        finally:
            slots.release()

    def _should_retry(self, error: BaseException, safe: bool) -> bool:
        if not isinstance(error, PromokitError) or not error.retryable:
            return False
        if isinstance(error, Overloaded):
            # Our own rate limiter refused: the wait would pass the deadline anyway.
            return False
        return safe or error.outcome in ("not_sent", "rejected")

    async def _retry(self, call: _Call, first: PromokitError) -> Response:
        loop = asyncio.get_running_loop()
        deadline, operation, safe = call.deadline, call.operation, call.safe
        if self.retry.max_retries < 1:
            raise first
        spent = self.budget.spend(timeout=isinstance(first, RequestTimeout))
        if not spent:
            raise first
        pending: list[BaseException] = [first]

        def wait(state: RetryCallState) -> float:
            error = pending[-1]
            retry_after = getattr(error, "retry_after", None)
            return self.retry.wait(state.attempt_number + 1, retry_after)

        def stop(state: RetryCallState) -> bool:
            if stop_after_attempt(self.retry.max_retries)(state):
                return True
            if loop.time() + state.upcoming_sleep > deadline:
                return True
            cost = self.budget.spend(timeout=isinstance(pending[-1], RequestTimeout))
            return not cost

        arguments: _AttemptArguments = (
            loop,
            call.method,
            call.path,
            call.operation,
            call.body,
            call.params,
            deadline,
            call.expect_json,
        )

        async def attempt() -> Response:
            try:
                if self.observer is None:
                    return await self._attempt(*arguments)
                # The first failure was attempt 1; every earlier retry left one error.
                return await self._observed_attempt(len(pending) + 1, arguments)
            except PromokitError as error:
                pending.append(error)
                raise

        retrying = AsyncRetrying(
            sleep=self._sleep,
            stop=stop,
            wait=wait,
            retry=retry_if_exception(lambda error: self._should_retry(error, safe)),
            before_sleep=lambda state: self._log_retry(operation, pending[-1], state),
            reraise=True,
        )
        # The first failure already happened outside tenacity: sleep before the first retry.
        first_wait = self.retry.wait(1, getattr(first, "retry_after", None))
        if loop.time() + first_wait > deadline:
            self.budget.earn(spent)
            raise first
        self._log_retry(operation, first, None)
        await self._sleep(first_wait)
        try:
            response: Response = await retrying(attempt)
        except PromokitError as error:
            _settle_call_outcome(error, pending[:-1])
            raise
        self.budget.earn(spent)
        return response

    def _log_retry(
        self, operation: str, error: BaseException, state: RetryCallState | None
    ) -> None:
        if log.isEnabledFor(logging.INFO):
            log.info(
                "retrying provider=%s operation=%s after=%s attempt=%s",
                self.provider,
                operation,
                type(error).__name__,
                1 if state is None else state.attempt_number + 1,
            )

    async def _observed_attempt(self, number: int, arguments: _AttemptArguments) -> Response:
        """:meth:`_attempt` with ``arguments``, timed and told to :attr:`observer`."""
        loop, method, path, operation = arguments[:4]
        started = loop.time()
        status: int | None = None
        request_id: str | None = None
        failure: str | None = None
        try:
            response = await self._attempt(*arguments)
            status, request_id = response.status, response.request_id
            return response
        except BaseException as error:
            status = getattr(error, "status", None)
            request_id = getattr(error, "request_id", None)
            failure = type(error).__name__
            raise
        finally:
            if self.observer is not None:
                self.observer(
                    RequestEvent(
                        provider=self.provider,
                        operation=operation,
                        method=method,
                        url=self.base_url + path,
                        attempt=number,
                        duration=loop.time() - started,
                        status=status,
                        request_id=request_id,
                        error=failure,
                    )
                )

    async def _attempt(
        self,
        loop: asyncio.AbstractEventLoop,
        method: str,
        path: str,
        operation: str,
        body: bytes | None,
        params: Mapping[str, str] | None,
        deadline: float,
        expect_json: bool,
    ) -> Response:
        remaining = deadline - loop.time()
        request_id = new_request_id()
        url = self.base_url + path
        if remaining <= 0:
            raise RequestTimeout(
                "deadline passed before the request was sent",
                outcome="not_sent",
                retryable=False,
                **self._context(operation, request_id),
            )
        headers = self._headers.copy()
        headers[self._request_id_key] = request_id
        # The deadline is a watch on one shared loop timer (Deadlines); aiohttp only
        # bounds the TCP connect. A per-request ClientTimeout(total=...) would arm more
        # timers per request and cost ~10 % of a loopback request's CPU.
        timeout = (
            self._connect_timeout
            if remaining >= self.connect_timeout
            else aiohttp.ClientTimeout(sock_connect=remaining)
        )
        bound = self.transport.bound
        if bound is None or bound.loop is not loop:
            bound = self.transport.bind(loop)
        limiter = self.rate_limiter
        if limiter is not None and not limiter.try_acquire():
            # Every attempt, retries included, takes its own place in the window.
            await limiter.acquire(_clock_deadline(limiter, loop, deadline))
        self.attempts += 1
        # Only where aiohttp's own resend cannot be turned off: its trace counts it.
        resends: dict[str, Any] | None = (
            None
            if _CAN_STOP_RESENDS
            else {"http": self, "loop": loop, "deadline": deadline, "sends": 0, "held": 0}
        )
        guard = bound.deadlines.watch(deadline)
        try:
            # Awaited, not ``async with``: the context manager adds four coroutines per
            # request; release() is all its exit does once the body is read.
            raw = await bound.session.request(
                method,
                url,
                data=body,
                params=params,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                trace_request_ctx=resends,
            )
            try:
                if raw.content.is_eof():
                    # The whole body already arrived (the common case): it is in memory
                    # either way, so read it and check the cap after.
                    payload = await raw.read()
                    if len(payload) > self.max_body:
                        raise self._too_large(raw.status, len(payload), operation, request_id)
                else:
                    payload = await self._read(raw, operation, request_id)
                headers_in = raw.headers
                response = Response(  # positional: this runs for every response
                    raw.status,
                    headers_in,
                    payload,
                    headers_in.get(self._request_id_key) or request_id,
                    method,
                    url,
                )
            finally:
                raw.release()
        except asyncio.CancelledError:
            if guard.expired():
                raise RequestTimeout(
                    "no complete response before the deadline",
                    **self._context(operation, request_id),
                ) from None
            raise
        except aiohttp.ClientConnectorCertificateError as exc:
            raise ConnectError(
                f"TLS certificate of {exc.host} could not be verified",
                retryable=False,
                **self._context(operation, request_id),
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(
                f"could not connect to {exc.host}:{exc.port}",
                **self._context(operation, request_id),
            ) from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise ConnectError(
                "connection timed out before the request was sent",
                **self._context(operation, request_id),
            ) from exc
        except TimeoutError as exc:
            raise RequestTimeout(
                "no complete response before the deadline", **self._context(operation, request_id)
            ) from exc
        except aiohttp.ClientError as exc:
            raise TransportError(
                f"connection failed mid-request: {type(exc).__name__}",
                **self._context(operation, request_id),
            ) from exc
        except _ResendRefused as exc:
            raise TransportError(
                f"connection failed mid-request and was not resent: {exc}",
                **self._context(operation, request_id),
            ) from None
        finally:
            unsettled = guard.close()
            if limiter is not None:
                limiter.release()
                for _ in range(resends["held"] if resends is not None else 0):
                    limiter.release()
            if unsettled:  # the deadline fired as the attempt ended: take it back
                await guard.settle()
        if log.isEnabledFor(logging.INFO):
            self._log(response)
        if 300 <= response.status < 400:
            location = self._clean(response.headers.get("Location", "?"))
            # The provider received the request and answered it: what it did with a
            # write before redirecting is unknown (a 303 after a POST means "done").
            raise ConfigurationError(
                f"the provider redirected to {location!r}; "
                "check base_url (redirects are not followed)",
                status=response.status,
                outcome="rejected" if method in _SAFE_METHODS else "unknown",
                **self._context(operation, request_id),
            )
        for form in self._secret_bytes:
            if form in response.body:
                response.body = response.body.replace(form, b"****")
        try:
            info = self.error_parser(response)
        except RecursionError:
            # JSON nested past the decoder's limit: neither a failure we can read
            # nor a success we can use.
            raise ProviderResponseError(
                f"HTTP {response.status} answer nests JSON too deep to read",
                status=response.status,
                kind="too_deep",
                **self._context(operation, request_id),
            ) from None
        if info is not None:
            raise self._error(self._clean_info(info), response, operation)
        if expect_json and response.body[:1] not in _JSON_STARTS:
            self._not_json(response, self._context(operation, request_id))
        return response

    def _not_json(self, response: Response, context: dict[str, Any]) -> None:
        """A success status whose body is not JSON: a proxy page, maintenance, nothing."""
        body = response.body.lstrip()
        if body[:1] in (b"{", b"["):
            return
        content_type = response.headers.get("Content-Type", "?")
        kind = "empty" if not body else "not_json"
        snippet = redact_body(body, self._secrets, limit=120)
        raise ProviderResponseError(
            f"HTTP {response.status} answer is {'empty' if not body else 'not JSON'} "
            f"(Content-Type {content_type}): {snippet!r}",
            status=response.status,
            kind=kind,
            **context,
        )

    async def _read(self, raw: aiohttp.ClientResponse, operation: str, request_id: str) -> bytes:
        """A body still arriving: refuse a declared or streamed length past the cap."""
        length = raw.content_length
        if length is not None:
            if length > self.max_body:
                raise self._too_large(raw.status, length, operation, request_id)
            return await raw.read()
        chunks: list[bytes] = []
        size = 0
        async for chunk in raw.content.iter_chunked(65536):
            size += len(chunk)
            if size > self.max_body:
                raise self._too_large(raw.status, None, operation, request_id)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(
        self, status: int, length: int | None, operation: str, request_id: str
    ) -> ProviderResponseError:
        size = "response" if length is None else f"response of {length} bytes"
        return ProviderResponseError(
            f"{size} exceeds the {self.max_body}-byte cap",
            status=status,
            kind="too_large",
            **self._context(operation, request_id),
        )

    async def _admit_resend(self, state: dict[str, Any]) -> None:
        """Let aiohttp's hidden resend go only as a retry of ours would (else refuse it)."""
        if self.retry.max_retries < 1:
            raise _ResendRefused("max_retries is 0")
        if not self.budget.spend(timeout=False):
            raise _ResendRefused("the retry budget is spent")
        limiter = self.rate_limiter
        if limiter is not None:
            if not limiter.try_acquire():
                loop, deadline = state["loop"], state["deadline"]
                try:
                    await limiter.acquire(_clock_deadline(limiter, loop, deadline))
                except Overloaded:
                    raise _ResendRefused("the rate limit has no place for it in time") from None
            state["held"] += 1
        self.attempts += 1

    def scrub(self, text: str) -> str:
        """Provider text with every form of the provider's key masked (gateways echo keys).

        Errors are scrubbed here already; a plugin passes any other provider text it
        keeps — a validation message, say — through this.
        """
        return scrub(text, self._secrets) if self._secrets else text

    _clean = scrub

    def _clean_info(self, info: ErrorInfo) -> ErrorInfo:
        """``info`` with every form of our key masked in everything the provider wrote."""
        if not self._secrets:
            return info
        clean = self._clean
        return msgspec.structs.replace(
            info,
            message=clean(info.message),
            code=None if info.code is None else clean(info.code),
            request_id=None if info.request_id is None else clean(info.request_id),
            fields=tuple(Problem(clean(p.path), clean(p.message)) for p in info.fields),
        )

    def _context(self, operation: str, request_id: str) -> dict[str, Any]:
        """What every error of an attempt says about where it happened."""
        return {"provider": self.provider, "operation": operation, "request_id": request_id}

    def _error(self, info: ErrorInfo, response: Response, operation: str) -> ProviderError:
        cls = error_class_for_status(info.status)
        kwargs: dict[str, Any] = {
            "provider": self.provider,
            "operation": operation,
            "status": info.status,
            "code": info.code,
            "request_id": info.request_id or response.request_id,
            "fields": info.fields,
            "problems": info.fields,
        }
        if cls is RateLimited:
            retry_after = info.retry_after
            if retry_after is None:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            kwargs["retry_after"] = retry_after
        if info.status == 408:
            kwargs["retryable"] = True
            kwargs["outcome"] = "unknown"
        if cls is AuthenticationError and self.credential_hint:
            # Say which key and environment were tried (a hint, never the key itself);
            # the provider's message stays verbatim.
            kwargs["hint"] = f"sent {self.credential_hint} to {self.base_url}"
        return cls(info.message, **kwargs)

    def _log(self, response: Response) -> None:
        if log.isEnabledFor(logging.INFO):
            log.info(
                "provider=%s method=%s url=%s status=%s request_id=%s",
                self.provider,
                response.method,
                response.url,
                response.status,
                response.request_id,
            )
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "provider=%s response_body=%s",
                    self.provider,
                    redact_body(response.body, self._secrets),
                )


def _clock_deadline(
    limiter: RateLimiter, loop: asyncio.AbstractEventLoop, deadline: float
) -> float:
    """Translate a loop-time deadline into the limiter's own clock."""
    return limiter._clock() + (deadline - loop.time())


def decode_json_error(body: bytes) -> Any:
    """Parse an error body without ever raising: unknown shapes become ``None``."""
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return None


__all__ = [
    "Binding",
    "ErrorInfo",
    "ErrorParser",
    "ProviderHttp",
    "Response",
    "RetryPolicy",
    "Transport",
    "decode_json_error",
    "default_error_info",
    "new_request_id",
    "parse_retry_after",
    "path_segment",
]
