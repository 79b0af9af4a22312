"""Asking before a command does something a person should agree to (``--yes`` skips it)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

import click

from promokit.cli.context import EXIT_USAGE, Context
from promokit.model.capabilities import Plan

WIDENING = ("payment", "customers", "products", "starts_at", "ends_at", "min_purchase", "limit")
"""Fields whose drop lets more people, more often, use a promotion than it says."""


def interactive() -> bool:
    """Whether a person at a terminal can answer a question."""
    return sys.stdin.isatty()


def yes_option(command: Callable[..., object]) -> Callable[..., object]:
    """Add ``--yes`` / ``-y`` to a command that may ask first."""
    return click.option(
        "--yes", "-y", "assume_yes", is_flag=True, help="Do not ask; answer yes (for scripts)."
    )(command)


def widened(plans: Iterable[tuple[str, Plan]]) -> list[str]:
    """``"name @ alias: payment, starts_at"`` for each plan whose drops widen who may use it."""
    lines = []
    for name, plan in plans:
        fields = [field for field in plan.dropped if field in WIDENING]
        if fields:
            lines.append(f"{name} @ {plan.provider}: {', '.join(fields)}")
    return lines


def ask(context: Context, question: str, details: list[str], assume_yes: bool) -> None:
    """Go on if ``--yes`` or a person says yes; else exit 2 having done nothing.

    Without a terminal (a script, a pipe, ``--json``) nobody can answer, so the
    command is refused rather than guessed at.
    """
    if assume_yes:
        return
    for line in details:
        context.err.print(f"  {line}", markup=False, highlight=False)
    if context.as_json or not interactive():
        context.err.print(
            f"{question} Nobody can answer without a terminal: re-run with --yes to go "
            "ahead; nothing was done.",
            markup=False,
            highlight=False,
        )
        raise SystemExit(EXIT_USAGE)
    try:
        agreed = click.confirm(question, default=False, err=True)
    except click.Abort:  # click turns Ctrl-C (and end of input) at a prompt into Abort
        raise KeyboardInterrupt from None
    if not agreed:
        context.err.print("nothing was done", markup=False)
        raise SystemExit(EXIT_USAGE)
