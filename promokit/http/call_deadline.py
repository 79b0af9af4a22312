"""A deadline for a whole call or block of calls, carried to every request in a context variable."""

from __future__ import annotations

import asyncio
import math
from contextvars import ContextVar, Token
from types import TracebackType

from promokit.errors import ConfigurationError, InvalidInput, Problem

CALL_DEADLINE: ContextVar[float | None] = ContextVar("promokit_call_deadline", default=None)
"""The loop time by which every provider request of the current call must end, if any.

The transport reads it once per request and keeps the earlier of it and the
provider's own ``timeout``. Tasks started inside a deadline inherit it (asyncio
copies the context into every new task).
"""


def _seconds(value: object) -> float:
    """``value`` as a positive, finite number of seconds, or :class:`InvalidInput`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        problem = f"must be a number of seconds, got {type(value).__name__}"
    elif not math.isfinite(value) or value <= 0:
        problem = f"must be a positive, finite number of seconds, got {value!r}"
    else:
        return float(value)
    raise InvalidInput(f"timeout {problem}", problems=[Problem("timeout", problem)])


class CallDeadline:
    """What :func:`deadline` returns: a ``with`` (or ``async with``) block with a deadline.

    The clock starts when the block is entered. An earlier deadline already in force
    (an enclosing block) wins; a later one is ignored. A block is entered once.
    """

    __slots__ = ("_seconds", "_token")

    def __init__(self, seconds: float | None) -> None:
        self._seconds = None if seconds is None else _seconds(seconds)
        self._token: Token[float | None] | None = None

    def __repr__(self) -> str:
        return f"CallDeadline(seconds={self._seconds!r})"

    def __enter__(self) -> None:
        if self._token is not None:
            raise RuntimeError("this deadline block is already entered")
        if self._seconds is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise ConfigurationError(
                "enter promokit.deadline() inside async code (its clock is the event loop's)"
            ) from None
        when = loop.time() + self._seconds
        outer = CALL_DEADLINE.get()
        if outer is None or when < outer:
            self._token = CALL_DEADLINE.set(when)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        token, self._token = self._token, None
        if token is not None:
            CALL_DEADLINE.reset(token)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.__exit__(kind, error, traceback)


def deadline(seconds: float | None) -> CallDeadline:
    """Every provider request made inside the block ends within ``seconds``, or raises.

    Queueing for a slot, rate-limit waits, attempts and the backoff between retries
    all count, as with a provider's ``timeout`` (whichever ends first applies). A
    request the deadline cuts short raises :class:`~promokit.errors.RequestTimeout`;
    a wait that would outlast it raises :class:`~promokit.errors.Overloaded` without
    sending. ``None`` sets no deadline. Use inside a running event loop::

        with promokit.deadline(2.0):
            validation = await client.validate(code, checkout)
            usage = await client.usage(code)

    Raises :class:`~promokit.errors.InvalidInput` (field ``timeout``) unless
    ``seconds`` is a positive, finite number; entering the block outside async code
    raises :class:`~promokit.errors.ConfigurationError`.
    """
    # No deadline is one shared block that holds no state: a call without one builds nothing.
    return _NO_DEADLINE if seconds is None else CallDeadline(seconds)


class _NoDeadline(CallDeadline):
    """``deadline(None)``: a block that sets nothing, so entering it does nothing."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None


_NO_DEADLINE = _NoDeadline(None)


__all__ = ["CALL_DEADLINE", "CallDeadline", "deadline"]
