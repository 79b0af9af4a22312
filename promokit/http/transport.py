"""A provider's requests: deadline, slots, rate limit and retries around one send per attempt."""

from __future__ import annotations

import asyncio
import logging
from asyncio import get_running_loop
from collections.abc import Awaitable, Mapping

import aiohttp
from multidict import CIMultiDict, istr

from promokit.errors import Overloaded, PromokitError
from promokit.http.call_deadline import CALL_DEADLINE
from promokit.http.deadlines import Watch
from promokit.http.failures import (
    ErrorInfo,
    ErrorParser,
    Failures,
    ResendRefused,
    decode_json_error,
    default_error_info,
    parse_retry_after,
)
from promokit.http.limits import RateLimiter, RetryBudget, Sleep, Slots
from promokit.http.observe import RequestEvent, RequestObserver
from promokit.http.request import SAFE_METHODS, Request, Response, path_segment
from promokit.http.retries import Retries, RetryPolicy, may_retry
from promokit.http.session import Binding, BodyTooLarge, ResendTrace, Transport, send
from promokit.http.settings import DEFAULTS
from promokit.http.tracing import log, log_response, log_retry, new_request_id

DEFAULT_MAX_BODY = 1024 * 1024


class ProviderHttp:
    """Sends one provider's requests: auth, deadline, rate limit, error mapping, retries.

    How a request flows is told in :mod:`promokit.http`. The first attempt runs
    outside tenacity (it costs tens of microseconds per call); only a failure that
    is safe to retry enters :class:`~promokit.http.retries.Retries`.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        provider: str,
        base_url: str,
        headers: Mapping[str, str],
        error_parser: ErrorParser = default_error_info,
        timeout: float = DEFAULTS.timeout,
        connect_timeout: float = DEFAULTS.connect_timeout,
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
        self.base_url = base_url.rstrip("/")
        self.failures = Failures(
            provider=provider,
            base_url=self.base_url,
            error_parser=error_parser,
            secrets=secrets,
            credential_hint=credential_hint,
            max_body=max_body,
        )
        # A CIMultiDict, as aiohttp keeps headers: handed a plain dict, it converts
        # it first (~0.6 µs per request).
        self._headers: CIMultiDict[str] = CIMultiDict(
            {"Accept": "application/json", "Content-Type": "application/json", **headers}
        )
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.slots = slots or Slots(DEFAULTS.max_concurrency, max_wait=timeout)
        self.budget = budget or RetryBudget()
        self.max_body = max_body
        self._secrets = secrets
        self._sleep = sleep
        # An istr key: sent as spelled, and looked up in the response's headers
        # without a case conversion per call.
        self._request_id_key = istr(request_id_header)
        self._connect_timeout = aiohttp.ClientTimeout(sock_connect=connect_timeout)
        self.attempts = 0
        """Sends so far, retries and admitted aiohttp resends included."""
        # Told of every attempt (promokit_request_done); None costs one check per call.
        self.observer = observer

    def __repr__(self) -> str:
        return f"ProviderHttp(provider={self.provider!r}, base_url={self.base_url!r})"

    @property
    def error_parser(self) -> ErrorParser:
        """Reads a provider failure from a response (the plugin's ``parse_error``)."""
        return self.failures.error_parser

    @error_parser.setter
    def error_parser(self, parser: ErrorParser) -> None:
        self.failures.error_parser = parser

    @property
    def credential_hint(self) -> str:
        """Which key and environment an authentication error says were tried."""
        return self.failures.credential_hint

    @staticmethod
    def path(*segments: str) -> str:
        """Join path segments, each percent-quoted so ``/``, ``?``, ``#``, ``..`` stay data."""
        return "/" + "/".join(map(path_segment, segments))

    def scrub(self, text: str) -> str:
        """Provider text with every form of the provider's key masked (gateways echo keys).

        Errors are scrubbed here already; a plugin passes any other provider text it
        keeps — a validation message, say — through this.
        """
        return self.failures.scrub(text)

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
        safe = method in SAFE_METHODS if idempotent is None else idempotent
        request = Request(  # positional: this runs for every call
            method, self.base_url + path, operation, body, params, deadline, safe, expect_json
        )
        slots = self.slots
        if not slots.try_acquire():
            await slots.acquire(within=deadline - loop.time())
        try:
            try:
                if self.observer is None:
                    response = await self._attempt(loop, request)
                else:
                    response = await self._observed_attempt(loop, request, 1)
            except PromokitError as error:
                if not may_retry(error, safe):
                    raise
                return await self._retry(loop, request, error)
            self.budget.earn()
            return response
        finally:
            slots.release()

    async def _retry(
        self, loop: asyncio.AbstractEventLoop, request: Request, first: PromokitError
    ) -> Response:
        def attempt(number: int) -> Awaitable[Response]:
            if self.observer is None:
                return self._attempt(loop, request)
            return self._observed_attempt(loop, request, number)

        retries = Retries(
            request,
            first,
            policy=self.retry,
            budget=self.budget,
            sleep=self._sleep,
            log=lambda error, number: log_retry(self.provider, request.operation, error, number),
        )
        return await retries.run(attempt)

    async def _observed_attempt(
        self, loop: asyncio.AbstractEventLoop, request: Request, number: int
    ) -> Response:
        """:meth:`_attempt` number ``number``, timed and told to :attr:`observer`."""
        started = loop.time()
        status: int | None = None
        request_id: str | None = None
        failure: str | None = None
        try:
            response = await self._attempt(loop, request)
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
                        operation=request.operation,
                        method=request.method,
                        url=request.url,
                        attempt=number,
                        duration=loop.time() - started,
                        status=status,
                        request_id=request_id,
                        error=failure,
                    )
                )

    async def _attempt(self, loop: asyncio.AbstractEventLoop, request: Request) -> Response:
        """One send of ``request``: its rate-limit place, its deadline watch, its reading."""
        deadline = request.deadline
        remaining = deadline - loop.time()
        request_id = new_request_id()
        if remaining <= 0:
            raise self.failures.too_late(request.operation, request_id)
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
        bound: Binding | None = self.transport.bound
        if bound is None or bound.loop is not loop:
            bound = self.transport.bind(loop)
        limiter = self.rate_limiter
        if limiter is not None and not limiter.try_acquire():
            # Every attempt, retries included, takes its own place in the window.
            await limiter.acquire(within=deadline - loop.time())
        self.attempts += 1
        # Only where aiohttp's own resend cannot be turned off: its trace counts it.
        trace = ResendTrace(request, self._admit_resend) if bound.counts_resends else None
        watch = bound.deadlines.watch(deadline)
        try:
            response = await send(
                bound.session,
                request,
                headers,
                request_id=request_id,
                request_id_key=self._request_id_key,
                timeout=timeout,
                max_body=self.max_body,
                trace=trace,
            )
        except BaseException as exc:
            # _failed sets the cause itself (aiohttp's exception, or none).
            raise self._failed(exc, watch, request.operation, request_id)  # noqa: B904
        finally:
            unsettled = watch.close()
            if limiter is not None:
                limiter.release()
                if trace is not None:  # and a place for each resend it admitted
                    for _ in range(trace.held):
                        limiter.release()
            if unsettled:  # the deadline fired as the attempt ended: take it back
                await watch.settle()
        if log.isEnabledFor(logging.INFO):
            log_response(self.provider, response, self._secrets)
        return self.failures.check(response, request, request_id)

    def _failed(
        self, exc: BaseException, watch: Watch, operation: str, request_id: str
    ) -> BaseException:
        """What an attempt that raised ``exc`` raises: its promokit error, else ``exc``."""
        if isinstance(exc, asyncio.CancelledError):
            if not watch.expired():
                return exc  # someone else's cancellation: theirs to handle
            error: PromokitError = self.failures.timed_out(operation, request_id)
            cause = None
        else:
            lost = self.failures.lost(exc, operation, request_id)
            if lost is None:
                return exc
            # aiohttp's exception is the cause; our own refusals need none.
            error, cause = lost, None if isinstance(exc, ResendRefused | BodyTooLarge) else exc
        error.__cause__, error.__suppress_context__ = cause, True  # as "raise error from cause"
        return error

    async def _admit_resend(self, trace: ResendTrace) -> None:
        """Let aiohttp's hidden resend go only as a retry of ours would (else refuse it)."""
        if self.retry.max_retries < 1:
            raise ResendRefused("max_retries is 0")
        if not self.budget.spend(timeout=False):
            raise ResendRefused("the retry budget is spent")
        limiter = self.rate_limiter
        if limiter is not None:
            if not limiter.try_acquire():
                within = trace.request.deadline - get_running_loop().time()
                try:
                    await limiter.acquire(within=within)
                except Overloaded:
                    raise ResendRefused("the rate limit has no place for it in time") from None
            trace.held += 1
        self.attempts += 1


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
