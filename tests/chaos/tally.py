"""The chaos suite's running tally, printed as one line at the end of the run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    """Scenarios run, and how many ended with a duplicate, a leak or an untyped error."""

    scenarios: int = 0
    duplicates: int = 0
    leaks: int = 0
    untyped: int = 0

    def scenario(self, *, typed: bool = True, duplicates: int = 0, leaks: int = 0) -> None:
        """Count one scenario and what went wrong in it."""
        self.scenarios += 1
        self.untyped += 0 if typed else 1
        self.duplicates += duplicates
        self.leaks += leaks

    def line(self) -> str:
        """``chaos: N scenarios, 0 duplicates, 0 leaks, 0 untyped``."""
        return (
            f"chaos: {self.scenarios} scenarios, {self.duplicates} duplicates, "
            f"{self.leaks} leaks, {self.untyped} untyped"
        )


TALLY = Tally()
