"""The ``promokit`` command line: one module per group of verbs, the entry point is ``main``."""

from __future__ import annotations

from promokit.cli.app import main

__all__ = ["main"]
