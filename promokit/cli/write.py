"""Commands that change promotions: ``plan``, ``create``, ``delete``, ``reconcile``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from rich.progress import Progress

from promokit.capabilities import Policy
from promokit.cli import render
from promokit.cli.context import EXIT_PROVIDER, EXIT_USAGE, Context, bounded, common, run
from promokit.client import Client
from promokit.files import load_promotions

ALLOW_UNKNOWN_HELP = "Send fields the source did not report (listed in unknown) as they are."


def _aliases(client: Client, chosen: tuple[str, ...], everywhere: bool) -> list[str]:
    if everywhere:
        return sorted(client.config.providers)
    return list(chosen) or [client.config.settings(None).alias]


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--provider", "-p", "chosen", multiple=True, help="Alias to plan for (repeat).")
@click.option("--all", "everywhere", is_flag=True, help="Every configured provider.")
@click.option("--policy", type=click.Choice(["strict", "drop"]), default="strict")
@click.option("--allow-unknown", is_flag=True, help=ALLOW_UNKNOWN_HELP)
@common
def plan(
    context: Context,
    file: str,
    chosen: tuple[str, ...],
    everywhere: bool,
    policy: Policy,
    allow_unknown: bool,
) -> None:
    """Show, field by field, what each provider can express; no I/O."""
    promotions = load_promotions(file)
    client = context.client()
    aliases = _aliases(client, chosen, everywhere)
    plans = [
        [client.plan(p, alias, policy=policy, allow_unknown=allow_unknown) for alias in aliases]
        for p in promotions
    ]
    if context.as_json:
        context.emit(plans)
    else:
        for group in plans:
            context.out.print(render.plan_table(group))
            context.out.print(render.problems_text(group))
    if any(not plan.ok for group in plans for plan in group):
        raise SystemExit(EXIT_USAGE)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--provider", "-p", "chosen", multiple=True, help="Alias to create on (repeat).")
@click.option("--all", "everywhere", is_flag=True, help="Every configured provider.")
@click.option("--policy", type=click.Choice(["strict", "drop"]), default="strict")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Generate this many single-use codes per promotion (bulk).",
)
@click.option("--allow-unknown", is_flag=True, help=ALLOW_UNKNOWN_HELP)
@common
@bounded
def create(
    context: Context,
    file: str,
    chosen: tuple[str, ...],
    everywhere: bool,
    policy: Policy,
    count: int | None,
    allow_unknown: bool,
) -> None:
    """Create every promotion in FILE on one or more providers, concurrently."""
    from promokit.fanout import create_everywhere

    promotions = load_promotions(file)

    async def work(client: Client) -> Any:
        aliases = _aliases(client, chosen, everywhere)
        if count is not None:
            return await _bulk(context, client, promotions, aliases, count)
        return [
            await create_everywhere(client, p, aliases, policy=policy, allow_unknown=allow_unknown)
            for p in promotions
        ]

    results = run(context, work)
    if count is not None:
        return
    context.output(results, lambda: render.fanout_table(results))
    if not all(result.ok for result in results):
        raise SystemExit(EXIT_PROVIDER)


def _advance(progress: Progress, task: Any) -> Callable[[int, int], None]:
    def update(done: int, _total: int) -> None:
        progress.update(task, completed=done)

    return update


async def _bulk(
    context: Context, client: Client, promotions: list[Any], aliases: list[str], count: int
) -> None:
    results = []
    with context.progress() as progress:
        for promotion in promotions:
            for alias in aliases:
                task = progress.add_task(f"{promotion.name} @ {alias}", total=count)
                result = await client.create_bulk(
                    promotion,
                    count,
                    alias,
                    on_progress=_advance(progress, task),
                )
                results.append(
                    {
                        "provider": alias,
                        "name": promotion.name,
                        "codes": result.codes,
                        "idempotency_key": result.idempotency_key,
                    }
                )
    if context.as_json:
        context.emit(results)
    else:
        for entry in results:
            context.out.print(f"{entry['name']} @ {entry['provider']}: {len(entry['codes'])} codes")


@click.command()
@click.argument("promotion_id")
@click.option("--provider", "-p", default=None)
@common
@bounded
def delete(context: Context, promotion_id: str, provider: str | None) -> None:
    """Remove a promotion (where the provider allows it)."""
    run(context, lambda client: client.delete(promotion_id, provider))
    context.output({"deleted": promotion_id}, lambda: f"deleted {promotion_id}")


@click.command()
@click.argument("idempotency_key")
@click.option("--provider", "-p", default=None)
@click.option("--found-id", default=None, help="Record this promotion id as the outcome.")
@common
@bounded
def reconcile(
    context: Context, idempotency_key: str, provider: str | None, found_id: str | None
) -> None:
    """Finish a create whose outcome was unknown."""
    found = run(
        context, lambda client: client.reconcile(idempotency_key, provider, found_id=found_id)
    )
    if context.as_json:
        context.emit({"found": found})
    elif found is None:
        context.out.print("not created: the key is free to use again")
    else:
        context.out.print(f"recorded {found.id} on {found.provider}")
