"""``promokit migrate``: move every promotion from one provider to another."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from promokit.cli import render
from promokit.cli.confirm import WIDENING, ask, yes_option
from promokit.cli.context import EXIT_PROVIDER, EXIT_USAGE, Context, bounded, common, run
from promokit.cli.create import POLICY
from promokit.client import Client
from promokit.errors import InvalidInput, Problem
from promokit.model.capabilities import Policy
from promokit.workflows.migrate import MigrationItem


def _parse_fill(values: tuple[str, ...]) -> dict[str, Any]:
    """``field=JSON`` options as a dict; a value that is not JSON is taken as a string."""
    fill: dict[str, Any] = {}
    for value in values:
        field, _, raw = value.partition("=")
        if not raw:
            raise InvalidInput(
                f"--fill {value!r} must look like field=JSON",
                problems=[Problem("--fill", "field=JSON")],
            )
        try:
            fill[field.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            fill[field.strip()] = raw
    return fill


def _widened(items: Sequence[MigrationItem], target: str) -> list[str]:
    """``"name @ target: payment, starts_at"`` for each item whose drops widen its use."""
    lines = []
    for item in items:
        fields = [field for field in item.dropped if field in WIDENING]
        if fields:
            lines.append(f"{item.name} @ {target}: {', '.join(fields)}")
    return lines


@click.command()
@click.option("--from", "source", required=True, help="Alias to read from.")
@click.option("--to", "target", required=True, help="Alias to create on.")
@click.option("--dry-run", is_flag=True, help="Plan only; create nothing.")
@POLICY
@click.option(
    "--fill",
    "fills",
    multiple=True,
    help="Value for a field the target requires and the source lacks, as "
    'field=JSON (e.g. payment=\'{"type":"card","banks":["BCA"]}\').',
)
@click.option(
    "--include-expired", is_flag=True, help="Migrate expired promotions too (skipped by default)."
)
@click.option(
    "--allow-unknown",
    is_flag=True,
    help="Send fields the source did not report as their placeholders (else skipped).",
)
@yes_option
@common
@bounded
def migrate(
    context: Context,
    source: str,
    target: str,
    dry_run: bool,
    policy: Policy,
    fills: tuple[str, ...],
    include_expired: bool,
    allow_unknown: bool,
    assume_yes: bool,
) -> None:
    """Move every promotion from one provider to another, with a field-by-field report.

    Re-running it after an interruption creates nothing twice.

    \b
    Examples:
      promokit migrate --from shop --to cards --dry-run
      promokit migrate --from shop --to cards --policy drop --yes
      promokit migrate --from shop --to cards \\
        --fill 'payment={"type": "card", "banks": ["BCA"]}' \\
        --fill 'starts_at="2026-01-01T00:00:00Z"'
    """
    from promokit.workflows.migrate import migrate as run_migration

    fill = _parse_fill(fills)
    declined = False

    async def work(client: Client) -> Any:
        with context.progress() as progress:
            task = progress.add_task(f"{source} → {target}", total=None)

            def confirm(items: Sequence[MigrationItem]) -> bool:
                # Asked once, after every promotion is planned and before any is created.
                nonlocal declined
                risky = _widened(items, target)
                if not risky:
                    return True
                progress.stop()
                try:
                    ask(
                        context,
                        "Dropping these fields lets more customers use the promotions than "
                        "they say. Migrate anyway?",
                        risky,
                        assume_yes,
                    )
                except SystemExit:
                    declined = True  # ask said why; nothing is created
                    return False
                progress.start()
                return True

            return await run_migration(
                client,
                source,
                target,
                policy=policy,
                dry_run=dry_run,
                fill=fill,
                include_expired=include_expired,
                on_item=lambda _item: progress.advance(task),
                allow_unknown=allow_unknown,
                confirm=confirm,
            )

    report = run(context, work)
    if declined:
        raise SystemExit(EXIT_USAGE)
    context.output(report, lambda: render.migration_table(report))
    if not report.ok:
        raise SystemExit(EXIT_PROVIDER)
