"""Client-side flow control: a sliding-window rate limiter, a bounded slot pool, a retry budget."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable

from promokit.errors import Overloaded

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """At most ``rate`` sends in any window of ``period`` seconds.

    A sliding-window log rather than a refilling bucket: a bucket lets a burst and
    its refill land in the same minute (2x the documented limit), a log never does.
    ``clock`` and ``sleep`` are injectable so tests run on a virtual clock.
    """

    def __init__(
        self,
        rate: int,
        period: float = 60.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.rate = rate
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._sent: collections.deque[float] = collections.deque()
        self._lock = asyncio.Lock()

    def delay(self) -> float:
        """Seconds until one more send is allowed (0 when allowed now)."""
        now = self._clock()
        sent = self._sent
        while sent and sent[0] + self.period <= now:
            sent.popleft()
        if len(sent) < self.rate:
            return 0.0
        return sent[0] + self.period - now

    async def acquire(self, deadline: float | None = None) -> None:
        """Wait for a send slot; raise :class:`Overloaded` if it would pass ``deadline``."""
        if not self._lock.locked() and self.delay() == 0.0:
            self._sent.append(self._clock())
            return
        async with self._lock:
            while (wait := self.delay()) > 0:
                if deadline is not None and self._clock() + wait > deadline:
                    raise Overloaded(
                        f"rate limit of {self.rate} per {self.period:g}s would delay this call "
                        f"by {wait:.1f}s, past its deadline; nothing was sent",
                        retryable=True,
                    )
                await self._sleep(wait)
            self._sent.append(self._clock())


class Slots:
    """At most ``size`` calls in flight; waiting longer than ``max_wait`` is :class:`Overloaded`."""

    def __init__(self, size: int, *, max_wait: float) -> None:
        self.size = size
        self.max_wait = max_wait
        self.peak = 0
        self._semaphore = asyncio.Semaphore(size)

    @property
    def in_use(self) -> int:
        """Calls currently holding a slot."""
        return self.size - self._semaphore._value

    async def acquire(self, within: float | None = None) -> None:
        """Take a slot, waiting at most ``max_wait`` seconds (or ``within``, if shorter)."""
        if self._semaphore.locked():
            wait = self.max_wait if within is None else max(0.0, min(self.max_wait, within))
            try:
                async with asyncio.timeout(wait):
                    await self._semaphore.acquire()
            except TimeoutError:
                raise Overloaded(
                    f"{self.size} calls already in flight and no slot freed within "
                    f"{wait:g}s; nothing was sent",
                    retryable=True,
                ) from None
        else:
            await self._semaphore.acquire()
        in_use = self.in_use
        if in_use > self.peak:
            self.peak = in_use

    def release(self) -> None:
        """Give a slot back."""
        self._semaphore.release()


class RetryBudget:
    """botocore's retry quota: retries spend tokens, successes earn them back.

    During an outage the bucket drains and later failures are returned without
    retrying, so total attempts stay near the number of calls.
    """

    def __init__(self, capacity: int = 500, *, retry_cost: int = 5, timeout_cost: int = 10) -> None:
        self.capacity = capacity
        self.available = capacity
        self.retry_cost = retry_cost
        self.timeout_cost = timeout_cost

    def spend(self, *, timeout: bool) -> int:
        """Take the cost of one retry; 0 means the budget is empty (do not retry)."""
        cost = self.timeout_cost if timeout else self.retry_cost
        if self.available < cost:
            return 0
        self.available -= cost
        return cost

    def earn(self, amount: int = 1) -> None:
        """Return tokens after a success (the retry's cost, or 1 for a first try)."""
        self.available = min(self.capacity, self.available + amount)
