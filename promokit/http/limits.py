"""Client-side flow control: a sliding-window rate limiter, a bounded slot pool, a retry budget."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import time
from collections.abc import Awaitable, Callable

from promokit.errors import Overloaded

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """At most ``rate`` sends in any window of ``period`` seconds.

    A sliding-window log rather than a refilling bucket: a bucket lets a burst and
    its refill land in the same minute (2x the documented limit), a log never does.
    A send holds its place from :meth:`acquire` until ``period`` seconds after its
    :meth:`release` (when its answer arrived): the provider counted it somewhere in
    between, so however long it spent in flight (latency jitter, retries, a virtual
    clock moved by another waiter) the provider never sees more than ``rate`` in any
    of its own windows. ``clock`` and ``sleep`` time the window only (injectable,
    so tests run it on a virtual clock); callers ask for waits in seconds.
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
        self._in_flight = 0
        self._finished = asyncio.Event()
        self._lock = asyncio.Lock()
        # Callers inside acquire(): while there are any, newcomers queue behind them
        # and releases wake them (a counter is cheaper than Lock.locked()).
        self._queued = 0

    def delay(self) -> float:
        """Seconds until one more send is allowed: 0 when allowed now, ``inf`` while
        every place is held by a send still in flight (wait for one to finish)."""
        now = self._clock()
        sent = self._sent
        while sent and sent[0] + self.period <= now:
            sent.popleft()
        if self._in_flight + len(sent) < self.rate:
            return 0.0
        if not sent:
            return math.inf
        return sent[0] + self.period - now

    def try_acquire(self) -> bool:
        """Take a send slot if one is free now, without waiting (the common case)."""
        if self._queued:
            return False
        # Expiring old sends only ever frees places: below the rate without expiring
        # anything, no clock read is needed.
        if self._in_flight + len(self._sent) < self.rate or self.delay() == 0.0:
            self._in_flight += 1
            return True
        return False

    async def acquire(self, within: float | None = None) -> None:
        """Wait for a send slot; raise :class:`Overloaded` if it takes over ``within`` seconds.

        A wait is given in seconds, as to :meth:`Slots.acquire`: the caller measures
        its deadline on its own clock (the event loop's) and never reads this one.
        Every :meth:`acquire` (or successful :meth:`try_acquire`) must be followed by
        one :meth:`release`.
        """
        if self.try_acquire():
            return
        self._queued += 1
        try:
            await self._wait_for_place(self.deadline(within))
        finally:
            self._queued -= 1

    def deadline(self, within: float | None) -> float | None:
        """``within`` seconds from now on the window's clock (``None``: no deadline)."""
        return None if within is None else self._clock() + max(0.0, within)

    async def _wait_for_place(self, deadline: float | None) -> None:
        # Queueing for the lock counts against the deadline too: the caller ahead
        # may sleep most of a window in there.
        left = None if deadline is None else max(0.0, deadline - self._clock())
        try:
            async with asyncio.timeout(left):
                await self._lock.acquire()
        except TimeoutError:
            raise self._overloaded(left or 0.0, queued=True) from None
        try:
            await self._wait_locked(deadline)
        finally:
            self._lock.release()

    async def _wait_locked(self, deadline: float | None) -> None:
        while (wait := self.delay()) > 0:
            if wait == math.inf:
                # Only sends in flight hold the window: wait for one to finish.
                self._finished.clear()
                left = None if deadline is None else max(0.0, deadline - self._clock())
                try:
                    async with asyncio.timeout(left):
                        await self._finished.wait()
                except TimeoutError:
                    raise self._overloaded(left or 0.0) from None
                continue
            if deadline is not None and self._clock() + wait > deadline:
                raise self._overloaded(wait)
            await self._sleep(wait)
        self._in_flight += 1

    def release(self) -> None:
        """The send admitted by :meth:`acquire` is over (answered, failed or cancelled)."""
        self._in_flight -= 1
        now = self._clock()
        sent = self._sent
        sent.append(now)
        # Expire here too, so the log stays one window long however high the rate.
        while sent[0] + self.period <= now:
            sent.popleft()
        if self._queued:
            self._finished.set()

    def _overloaded(self, wait: float, *, queued: bool = False) -> Overloaded:
        delay = (
            f"kept this call queued behind earlier ones for {wait:.1f}s"
            if queued
            else f"would delay this call by {wait:.1f}s"
        )
        return Overloaded(
            f"rate limit of {self.rate} per {self.period:g}s {delay}, past its "
            "deadline; nothing was sent",
            outcome="not_sent",
            retryable=True,
            # When a place frees (unknown behind a queue): a bulk job waits this long.
            retry_after=None if queued else wait,
        )


class Slots:
    """At most ``size`` calls in flight; waiting longer than ``max_wait`` is :class:`Overloaded`.

    First come, first served: a released slot goes straight to the longest waiter.
    Not an ``asyncio.Semaphore``, whose ``locked()`` scans its waiters and whose
    ``release()`` wakes one: the free path here is a counter (a few hundred ns saved
    on every call).
    """

    def __init__(self, size: int, *, max_wait: float) -> None:
        self.size = size
        self.max_wait = max_wait
        self.peak = 0
        self._free = size
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def in_use(self) -> int:
        """Calls currently holding a slot."""
        return self.size - self._free

    def try_acquire(self) -> bool:
        """Take a slot if one is free now, without waiting (the common case)."""
        if self._free <= 0 or self._waiters:
            return False
        self._free -= 1
        in_use = self.size - self._free
        if in_use > self.peak:
            self.peak = in_use
        return True

    async def acquire(self, within: float | None = None) -> None:
        """Take a slot, waiting at most ``max_wait`` seconds (or ``within``, if shorter)."""
        if self.try_acquire():
            return
        wait = self.max_wait if within is None else max(0.0, min(self.max_wait, within))
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(wait):
                await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                # The slot was handed over as the timeout or a cancel struck: pass it on.
                self.release()
            else:
                waiter.cancel()
                # A stale waiter would block try_acquire; release() may have dropped it.
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            if isinstance(error, TimeoutError):
                raise Overloaded(
                    f"{self.size} calls already in flight and no slot freed within "
                    f"{wait:g}s; nothing was sent",
                    retryable=True,
                ) from None
            raise
        # A handed-over slot never went back to the free count.
        in_use = self.size - self._free
        if in_use > self.peak:
            self.peak = in_use

    def release(self) -> None:
        """Give a slot back: to the longest waiter if there is one."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


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
        if self.available < self.capacity:
            self.available = min(self.capacity, self.available + amount)
