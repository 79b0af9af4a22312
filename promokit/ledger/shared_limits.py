"""A rate limiter whose window is shared through the ledger by every process of a target."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from promokit.errors import LedgerError
from promokit.http.limits import Clock, RateLimiter, Sleep
from promokit.ledger.core import Ledger

log = logging.getLogger("promokit.http.limits")


class SharedRateLimiter(RateLimiter):
    """:class:`RateLimiter` whose places live in the ledger, one window per target.

    Every process using the same ledger (SQLite on one host, PostgreSQL on many)
    takes its places from the same window, so the provider's limit holds in
    aggregate. A place is held from :meth:`acquire` until ``period`` seconds after
    :meth:`release`, as the local limiter holds it; a process that dies in flight
    leaves its place held until ``hold_for`` (its request's timeout plus
    ``period``). The local window stays in front: it orders this process's own
    callers and spares the ledger a call while this process alone fills the window.
    """

    def __init__(
        self,
        rate: int,
        period: float,
        *,
        ledger: Ledger,
        target: Callable[[], Awaitable[str]],
        hold_for: float,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(rate, period, clock=clock, sleep=sleep)
        self._ledger = ledger
        self._target = target
        self._hold_for = hold_for
        self._slots: list[str] = []
        self._pending: set[asyncio.Task[None]] = set()

    def try_acquire(self) -> bool:
        # A shared place needs the ledger, which is I/O: always take the async path.
        return False

    async def acquire(self, within: float | None = None) -> None:
        """A place in the local window, then one in the shared window, within ``within`` s."""
        deadline = self.deadline(within)
        await super().acquire(within)
        try:
            target = await self._target()
            while True:
                slot, wait = await self._ledger.take_slot(
                    target, rate=self.rate, hold_for=self._hold_for
                )
                if slot is not None:
                    self._slots.append(slot)
                    return
                if deadline is not None and self._clock() + wait > deadline:
                    raise self._overloaded(wait)
                await self._sleep(max(wait, 0.001))
        except BaseException:
            super().release()
            raise

    def release(self) -> None:
        """The send is over: its shared place frees ``period`` seconds from now."""
        super().release()
        if not self._slots:
            return
        slot = self._slots.pop()
        # release() is called from a ``finally`` that must not wait for the ledger.
        task = asyncio.get_running_loop().create_task(self._free(slot))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _free(self, slot: str) -> None:
        try:
            await self._ledger.free_slot(await self._target(), slot, period=self.period)
        except LedgerError as error:
            # The place stays held until its hold_for: slower, never over the limit.
            log.warning("could not free a shared rate place: %s", error.message)

    async def settle(self) -> None:
        """Wait until every freed place is written back (before closing the ledger)."""
        while self._pending:
            # Drop what finished here: the tasks' own discard callbacks run only when the
            # loop turns, and awaiting finished tasks need not turn it (a busy loop).
            writing = tuple(self._pending)
            await asyncio.gather(*writing, return_exceptions=True)
            self._pending.difference_update(writing)
