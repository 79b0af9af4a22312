"""What observers learn about each HTTP attempt to a provider (``promokit_request_done``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec

log = logging.getLogger("promokit.observe")


class RequestEvent(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One HTTP attempt to a provider, as it ended: answered, refused, or failed.

    Sent once per attempt (a retried call sends one per try), after the answer was
    read and checked, before its body is decoded. It carries no headers and no
    bodies, so no credential can reach an observer through it.
    """

    provider: str
    """The provider's alias in the config (``"shop"``), not its plugin name."""
    operation: str
    """The provider operation: ``"get"``, ``"create"``, ``"validate"``, ..."""
    method: str
    """The HTTP method."""
    url: str
    """``base_url`` + path, without the query string."""
    attempt: int
    """1 for the first try of a call, 2 for its first retry, and so on."""
    duration: float
    """Seconds from the start of the attempt (after any wait for a slot) to its end."""
    status: int | None
    """The HTTP status, or the provider's own when it reports one in the body;
    ``None`` when no answer arrived (timeout, connection failure, cancellation)."""
    request_id: str | None
    """The provider's request id when it sent one, else ours (``X-Request-Id``);
    ``None`` when the attempt ended before an id was assigned."""
    error: str | None = None
    """The exception's class name (``"RateLimited"``, ``"RequestTimeout"``,
    ``"CancelledError"``, ...) when the attempt failed; ``None`` on success."""


RequestObserver = Callable[[RequestEvent], None]
"""Receives every :class:`RequestEvent` of a client's providers."""


def guarded(observer: Callable[..., object], *, wants_event: bool = True) -> RequestObserver:
    """``observer``, made unable to change a call's outcome: its exceptions are logged.

    The event is passed by keyword, as pluggy passes hook arguments, or not at all
    to a hook implementation that declares no ``event`` parameter.
    """

    def observe(event: RequestEvent) -> None:
        try:
            if wants_event:
                observer(event=event)
            else:
                observer()
        except Exception:
            log.exception(
                "a request observer failed on provider=%s operation=%s (the call goes on)",
                event.provider,
                event.operation,
            )

    return observe


__all__ = ["RequestEvent", "RequestObserver", "guarded"]
