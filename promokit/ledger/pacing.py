"""A bulk job's rate-limit waits, told to its ``on_wait`` callback as they begin."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from promokit.http.limits import Sleep

WaitCallback = Callable[[float], None]
"""Called with the seconds a bulk job is about to wait for the provider's rate limit."""

# Set by create_bulk around its batches; every task they start copies it, so a wait
# inside the limiter (deep in the transport) reaches the job that caused it.
_LISTENER: ContextVar[WaitCallback | None] = ContextVar("promokit_bulk_wait", default=None)


def reporting(sleep: Sleep) -> Sleep:
    """``sleep`` that first tells the running bulk job, if any, how long it waits."""

    async def waiting(seconds: float) -> None:
        listener = _LISTENER.get()
        if listener is not None and seconds > 0:
            listener(seconds)
        await sleep(seconds)

    return waiting


@contextlib.contextmanager
def listening(on_wait: WaitCallback | None) -> Iterator[None]:
    """Within the block, rate-limit waits of this context go to ``on_wait``."""
    token = _LISTENER.set(on_wait)
    try:
        yield
    finally:
        _LISTENER.reset(token)
