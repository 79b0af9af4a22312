"""The ``promokit`` command line: one module per group of verbs, the entry point is ``main``."""

from __future__ import annotations

from promokit.cli.app import main
from promokit.cli.emulate import load_emulator

__all__ = ["load_emulator", "main"]
