"""When a failed attempt is tried again: the backoff, the retry budget, the deadline, tenacity."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from promokit.errors import Overloaded, PromokitError, RequestTimeout
from promokit.http.failures import settle_call_outcome
from promokit.http.limits import RetryBudget, Sleep
from promokit.http.request import Request, Response
from promokit.http.settings import DEFAULTS


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

    max_retries: int = DEFAULTS.max_retries
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


def may_retry(error: BaseException, safe: bool) -> bool:
    """Whether ``error`` may be tried again: retryable, and a repeat can do no harm."""
    if not isinstance(error, PromokitError) or not error.retryable:
        return False
    if isinstance(error, Overloaded):
        # Our own rate limiter refused: the wait would pass the deadline anyway.
        return False
    return safe or error.outcome in ("not_sent", "rejected")


Attempt = Callable[[int], Awaitable[Response]]
"""Sends attempt number ``n`` of a request (1 is the first send, 2 the first retry)."""


class Retries:
    """The retries of one request whose first attempt failed with ``first``.

    Attempt numbers are the count of sends, everywhere: the first send is attempt 1,
    so retry number ``n`` is attempt ``n + 1``. tenacity counts only its own calls
    (the first attempt runs outside it, as it costs tens of microseconds), so
    :meth:`_number` is the one place that converts.
    """

    def __init__(
        self,
        request: Request,
        first: PromokitError,
        *,
        policy: RetryPolicy,
        budget: RetryBudget,
        sleep: Sleep,
        log: Callable[[BaseException, int], None],
    ) -> None:
        self.request = request
        self.policy = policy
        self.budget = budget
        self.sleep = sleep
        self.log = log
        self.errors: list[PromokitError] = [first]
        """Every failure so far, the first attempt's first: ``errors[n - 1]`` is attempt n's."""

    @staticmethod
    def _number(state: RetryCallState) -> int:
        """The attempt tenacity just made: its call ``k`` is our attempt ``k + 1``."""
        return state.attempt_number + 1

    async def run(self, attempt: Attempt) -> Response:
        """Retry until a success, a failure that must not be retried, or the end."""
        first = self.errors[0]
        policy, budget, loop = self.policy, self.budget, asyncio.get_running_loop()
        deadline = self.request.deadline
        if policy.max_retries < 1:
            raise first
        spent = budget.spend(timeout=isinstance(first, RequestTimeout))
        if not spent:
            raise first

        def wait(state: RetryCallState) -> float:
            # The wait before the next attempt, which is retry number _number(state).
            return policy.wait(self._number(state), _retry_after(self.errors[-1]))

        def stop(state: RetryCallState) -> bool:
            if self._number(state) > policy.max_retries:
                return True
            if loop.time() + state.upcoming_sleep > deadline:
                return True
            return not budget.spend(timeout=isinstance(self.errors[-1], RequestTimeout))

        async def send() -> Response:
            # tenacity's k-th call sends attempt k + 1: one more than the failures so far.
            try:
                return await attempt(len(self.errors) + 1)
            except PromokitError as error:
                self.errors.append(error)
                raise

        retrying = AsyncRetrying(
            sleep=self.sleep,
            stop=stop,
            wait=wait,
            retry=retry_if_exception(lambda error: may_retry(error, self.request.safe)),
            before_sleep=lambda state: self.log(self.errors[-1], self._number(state)),
            reraise=True,
        )
        # The first failure happened outside tenacity: sleep before the first retry here.
        first_wait = policy.wait(1, _retry_after(first))
        if loop.time() + first_wait > deadline:
            budget.earn(spent)
            raise first
        self.log(first, 1)
        await self.sleep(first_wait)
        try:
            response: Response = await retrying(send)
        except PromokitError as error:
            settle_call_outcome(error, list(self.errors[:-1]))
            raise
        budget.earn(spent)
        return response


def _retry_after(error: BaseException) -> float | None:
    retry_after: float | None = getattr(error, "retry_after", None)
    return retry_after


__all__ = ["Attempt", "Retries", "RetryPolicy", "may_retry"]
