"""Shared helpers for the benchmark scripts: pinning, repeat statistics and Markdown tables."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAYAR_FIXTURES = ROOT / "plugins" / "mayar" / "tests" / "fixtures"
DURIANPAY_FIXTURES = ROOT / "plugins" / "durianpay" / "tests" / "fixtures"


def cores() -> list[int]:
    """The CPU cores this process may run on, in order."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def pin_self(core: int) -> bool:
    """Pin this process to ``core`` when the platform allows; True if pinned."""
    if not hasattr(os, "sched_setaffinity") or core not in cores():
        return False
    os.sched_setaffinity(0, {core})
    return True


def optional(module: str) -> bool:
    """Whether an optional bench dependency (``pip install -e '.[bench]'``) is importable."""
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def machine_line() -> str:
    """One line describing the interpreter and machine, printed above every table."""
    return (
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
    )


@dataclass
class Samples:
    """Repeated measurements of one metric of one variant (one value per repeat)."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        """Record one repeat."""
        self.values.append(value)

    @property
    def median(self) -> float:
        """The median over repeats."""
        return statistics.median(self.values)

    def spread(self, fmt: str = "{:.1f}") -> str:
        """``median (min–max)`` formatted with ``fmt``."""
        return (
            f"{fmt.format(self.median)} "
            f"({fmt.format(min(self.values))}–{fmt.format(max(self.values))})"
        )


def ratio_samples(values: Samples, baseline: Samples) -> Samples:
    """Per-repeat ratios ``values[i] / baseline[i]`` (both measured in the same repeat)."""
    return Samples([v / b for v, b in zip(values.values, baseline.values, strict=True)])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (pasteable into docs/performance.md)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(value: float, target: float, *, higher_is_better: bool) -> str:
    """``PASS``/``MISS`` for one target."""
    ok = value >= target if higher_is_better else value <= target
    return "PASS" if ok else "MISS"


def say(text: str = "") -> None:
    """Print and flush (benchmarks run long; show progress as it happens)."""
    print(text, flush=True)


def progress(text: str) -> None:
    """A progress line on stderr, so stdout stays a clean report."""
    print(text, file=sys.stderr, flush=True)


def alternate(
    repeats: int, variants: Sequence[str], run: Callable[[str, int], None], *, rotate: bool = True
) -> None:
    """Run every variant once per repeat, rotating the order so none always goes first."""
    for repeat in range(repeats):
        shift = repeat % len(variants) if rotate else 0
        order = list(variants[shift:]) + list(variants[:shift])
        for name in order:
            run(name, repeat)
