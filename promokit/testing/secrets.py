"""A guard that fails a test when any API key it used shows up where it must not."""

from __future__ import annotations

import logging
import pickle
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from promokit import errors
from promokit.http.redact import Secret, secret_forms


class SecretLeak(AssertionError):
    """An API key (raw or Basic-auth base64) appeared in output it must never reach."""


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(text)


class SecretGuard:
    """Collects every key wrapped in a :class:`Secret` and every promokit error raised.

    :meth:`check` fails if a key (or ``base64(key + ":")``) appears in a DEBUG log
    line, an error's ``str``/``repr``/traceback, or a pickled error.
    """

    def __init__(self, canaries: tuple[str, ...] = ()) -> None:
        self.keys: set[str] = set(canaries)
        self.errors: list[errors.PromokitError] = []
        self.capture = _Capture()
        self.extra_texts: list[str] = []

    def forms(self) -> set[str]:
        """Every leakable form of every key seen."""
        return {form for key in self.keys if len(key) >= 8 for form in secret_forms(key)}

    def observe(self, text: str) -> None:
        """Add any text (a repr, CLI output) to what :meth:`check` searches."""
        self.extra_texts.append(text)

    def check(self) -> None:
        """Raise :class:`SecretLeak` naming where a key appeared (never the key itself)."""
        forms = self.forms()
        if not forms:
            return
        places: list[tuple[str, str]] = [("log", line) for line in self.capture.lines]
        places += [("output", text) for text in self.extra_texts]
        for error in self.errors:
            places.append(("str(error)", str(error)))
            places.append(("repr(error)", repr(error)))
            places.append(("traceback", "".join(traceback.format_exception(error))))
            try:
                places.append(("pickle", pickle.dumps(error).decode("latin-1")))
            except Exception as exc:  # an unpicklable error is a defect of its own
                raise SecretLeak(f"{type(error).__name__} cannot be pickled: {exc}") from None
        for where, text in places:
            for form in forms:
                if form in text:
                    raise SecretLeak(f"an API key leaked into {where}: {text[:80]!r}…")


@contextmanager
def guard_secrets(canaries: tuple[str, ...] = ()) -> Iterator[SecretGuard]:
    """Watch keys and errors for the duration of the block, then :meth:`SecretGuard.check`."""
    guard = SecretGuard(canaries)
    original_secret_init = Secret.__init__
    original_error_init = errors.PromokitError.__init__

    def secret_init(self: Secret, value: str) -> None:
        original_secret_init(self, value)
        guard.keys.add(value)

    def error_init(self: errors.PromokitError, message: str, **kwargs: Any) -> None:
        original_error_init(self, message, **kwargs)
        guard.errors.append(self)

    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(guard.capture)
    root.setLevel(logging.DEBUG)
    Secret.__init__ = secret_init  # type: ignore[method-assign]
    errors.PromokitError.__init__ = error_init  # type: ignore[method-assign]
    try:
        yield guard
    finally:
        Secret.__init__ = original_secret_init  # type: ignore[method-assign]
        errors.PromokitError.__init__ = original_error_init  # type: ignore[method-assign]
        root.removeHandler(guard.capture)
        root.setLevel(previous_level)
    guard.check()
