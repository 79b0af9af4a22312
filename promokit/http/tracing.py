"""Request ids sent as ``X-Request-Id``, and the log lines of each attempt (``promokit.http``)."""

from __future__ import annotations

import itertools
import logging
import os
import random
from collections.abc import Iterator

from promokit.http.redact import redact_body
from promokit.http.request import Response

log = logging.getLogger("promokit.http")


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


def log_response(provider: str, response: Response, secrets: tuple[str, ...]) -> None:
    """One INFO line per answer; its body, masked, at DEBUG."""
    log.info(
        "provider=%s method=%s url=%s status=%s request_id=%s",
        provider,
        response.method,
        response.url,
        response.status,
        response.request_id,
    )
    if log.isEnabledFor(logging.DEBUG):
        log.debug("provider=%s response_body=%s", provider, redact_body(response.body, secrets))


def log_retry(provider: str, operation: str, error: BaseException, attempt: int) -> None:
    """Say that attempt number ``attempt`` (1 is the first send) failed and is retried."""
    if log.isEnabledFor(logging.INFO):
        log.info(
            "retrying provider=%s operation=%s after=%s attempt=%s",
            provider,
            operation,
            type(error).__name__,
            attempt,
        )


__all__ = ["log", "log_response", "log_retry", "new_request_id"]
