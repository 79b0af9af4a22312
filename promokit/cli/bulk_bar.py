"""The bar of ``promokit create --count``: codes made, a rate-limit wait, the time left."""

from __future__ import annotations

import time
from typing import Any

from rich.progress import Progress, ProgressColumn, TextColumn, TimeRemainingColumn

from promokit.cli.context import Context


def columns() -> tuple[ProgressColumn, ...]:
    """What the bulk bar shows after the count: the wait under way, the time left."""
    return (TextColumn("{task.fields[wait]}"), TimeRemainingColumn())


def span(seconds: float) -> str:
    """``seconds`` for people: ``45s``, ``3m 10s``, ``1h 05m``."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


class BulkBar:
    """One bulk job's task on the bar; :meth:`done` and :meth:`wait` are its callbacks.

    Off a terminal (a cron job's log, CI) the bar does not redraw, so each wait is
    also printed as a line on stderr: a job that seems stuck says why.
    """

    def __init__(self, context: Context, progress: Progress, name: str, total: int) -> None:
        self._context = context
        self._progress = progress
        self._name = name
        self._total = total
        self._made = 0
        self._started = time.monotonic()
        self._task: Any = progress.add_task(name, total=total, wait="")

    def done(self, made: int, _total: int) -> None:
        """Codes made so far; a wait that was shown is over."""
        self._made = made
        self._progress.update(self._task, completed=made, wait="")

    def left(self) -> str:
        """The time left at the pace so far (waits included), or that it is not known yet."""
        if not self._made:
            return "time left not known yet"
        elapsed = time.monotonic() - self._started
        return f"about {span(elapsed / self._made * (self._total - self._made))} left"

    def wait(self, seconds: float) -> None:
        """A wait for the provider's rate limit begins."""
        text = f"rate limit: waiting {span(seconds)}"
        self._progress.update(self._task, wait=text)
        if not self._context.as_json and not self._context.err.is_terminal:
            self._context.err.print(
                f"{self._name}: {self._made:,}/{self._total:,} codes, {text}, {self.left()}",
                markup=False,
                highlight=False,
            )
