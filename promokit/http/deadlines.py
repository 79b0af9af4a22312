"""Request deadlines that share one event-loop timer instead of arming one per request."""

from __future__ import annotations

import asyncio
from collections import deque

# A watch this close to its deadline fires on the current tick rather than re-arming
# the timer for a sliver of time (the loop itself runs timers up to its clock
# resolution early).
_EARLY = 1e-3
# Finished watches wait in the queue behind a slow one; the queue is compacted each
# time it doubles past this size, so memory stays bounded at O(1) amortized cost.
_COMPACT_FLOOR = 256


class Watch:
    """One attempt's deadline: cancels its task at ``when`` (loop time) unless closed.

    :meth:`expired` tells this deadline's cancellation from anyone else's (and
    withdraws its count). :meth:`close` disarms; when it returns ``True`` the
    deadline fired but its cancellation was never handled, and the caller awaits
    :meth:`settle` to take it back.
    """

    __slots__ = ("_cancelling", "_fired", "_handle", "_task", "done", "when")

    def __init__(self, task: asyncio.Task[object], when: float) -> None:
        self._task = task
        self._cancelling = task.cancelling()
        self._fired = False
        self._handle: asyncio.TimerHandle | None = None
        self.done = False
        self.when = when

    def fire(self) -> None:
        """The deadline passed: cancel the task (once, and only while open)."""
        if not self.done and not self._fired:
            self._fired = True
            self._task.cancel()

    def expired(self) -> bool:
        """Whether the CancelledError being handled is this deadline's own."""
        if not self._fired:
            return False
        self._fired = False
        return self._task.uncancel() <= self._cancelling

    def close(self) -> bool:
        """Disarm (safe to call twice); ``True`` if :meth:`settle` must be awaited."""
        self.done = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        return self._fired

    async def settle(self) -> None:
        """Take back a cancellation this deadline requested that nobody handled.

        The attempt ended just as the deadline fired, so the cancellation may still
        be pending. Python 3.13's ``uncancel()`` withdraws a pending one when the
        count reaches zero and earlier versions deliver it anyway, so rather than
        rely on either, one loop step lets it arrive, and it is swallowed here
        unless someone else cancelled the task too (then it propagates).
        """
        self._fired = False
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            if self._task.uncancel() > self._cancelling:
                raise
        else:  # it was delivered earlier and absorbed below us: only the count is left
            self._task.uncancel()


class Deadlines:
    """The deadlines of one loop's in-flight attempts, behind a single timer.

    Deadlines usually arrive in order (every call gets the same timeout), so they
    queue first-in first-out and one timer, armed for the oldest open one, serves
    them all: a request costs an append and a flag, not a timer handle pushed on
    and cancelled off the loop's heap (about a tenth of a loopback request's CPU).
    A deadline earlier than the latest one queued (a shorter per-call timeout, a
    retry of an old call, a call that waited for a slot) gets its own timer.
    """

    __slots__ = ("_compact_at", "_handle", "_latest", "_loop", "_queue")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: deque[Watch] = deque()
        self._handle: asyncio.TimerHandle | None = None
        self._compact_at = _COMPACT_FLOOR
        # The latest deadline ever queued: the shared timer is never armed past it,
        # so a deadline at or after it can never be served late.
        self._latest = float("-inf")

    def watch(self, when: float) -> Watch:
        """Cancel the current task at ``when`` unless the returned watch is closed first."""
        task = asyncio.current_task(self._loop)
        assert task is not None, "a deadline needs a running task"
        watch = Watch(task, when)
        queue = self._queue
        while queue and queue[0].done:
            queue.popleft()
        if when < self._latest:
            watch._handle = self._loop.call_at(when, watch.fire)
            return watch
        self._latest = when
        queue.append(watch)
        if self._handle is None:
            self._handle = self._loop.call_at(queue[0].when, self._tick)
        elif len(queue) > self._compact_at:
            self._queue = deque(item for item in queue if not item.done)
            self._compact_at = max(_COMPACT_FLOOR, 2 * len(self._queue))
        return watch

    def _tick(self) -> None:
        self._handle = None
        queue = self._queue
        now = self._loop.time()
        while queue:
            head = queue[0]
            if head.done:
                queue.popleft()
            elif head.when - now <= _EARLY:
                queue.popleft()
                head.fire()
            else:
                self._handle = self._loop.call_at(head.when, self._tick)
                return
