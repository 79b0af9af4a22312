"""Commands that only read: ``get``, ``list``, ``validate``, ``usage``, ``export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from promokit.cli import render
from promokit.cli.context import EXIT_PROVIDER, Context, bounded, common, run
from promokit.client import Client
from promokit.model import Checkout


@click.command()
@click.argument("promotion_id")
@click.option("--provider", "-p", default=None)
@common
@bounded
def get(context: Context, promotion_id: str, provider: str | None) -> None:
    """Show one promotion in the neutral model."""
    found = run(context, lambda client: client.get(promotion_id, provider))
    context.output(found, lambda: render.promotions_side_by_side([found]))


@click.command("list")
@click.option("--provider", "-p", default=None)
@click.option("--status", default=None, help="active, inactive, expired, ...")
@click.option("--search", default=None, help="Words in the name.")
@click.option("--product", "product_id", default=None)
@click.option(
    "--detail",
    is_flag=True,
    help="Read each entry the list reports only in part (one request each).",
)
@common
@bounded
def list_(
    context: Context,
    provider: str | None,
    status: str | None,
    search: str | None,
    product_id: str | None,
    detail: bool,
) -> None:
    """List promotions (fetched page by page); "?" marks what the list did not report."""

    async def work(client: Client) -> list[Any]:
        return [
            p
            async for p in client.list(
                provider, status=status, search=search, product_id=product_id, detail=detail
            )
        ]

    found = run(context, work)
    context.output(found, lambda: render.promotions_list(found))


@click.command()
@click.argument("code")
@click.option("--amount", type=int, required=True, help="Checkout amount in currency units.")
@click.option("--provider", "-p", default=None)
@click.option("--product", "product_id", default=None)
@click.option("--email", "customer_email", default=None)
@click.option("--customer-type", type=click.Choice(["new", "returning"]), default=None)
@click.option(
    "--payment-method", type=click.Choice(["card", "ewallet", "virtual_account"]), default=None
)
@click.option("--card-bin", default=None)
@click.option("--bank", default=None)
@click.option("--wallet", default=None)
@common
@bounded
def validate(
    context: Context, code: str, amount: int, provider: str | None, **checkout: Any
) -> None:
    """Would CODE apply to this checkout? Exit 0 when accepted, 1 when refused."""
    cart = Checkout(amount=amount, **checkout)
    result = run(context, lambda client: client.validate(code, cart, provider))
    context.output(result, lambda: render.validation_text(code, result))
    if not result.valid:
        raise SystemExit(EXIT_PROVIDER)


@click.command()
@click.argument("code")
@click.option("--provider", "-p", default=None)
@common
@bounded
def usage(context: Context, code: str, provider: str | None) -> None:
    """How much of CODE's limit is used."""
    result = run(context, lambda client: client.usage(code, provider))
    context.output(result, lambda: render.usage_text(result))


@click.command()
@click.option("--provider", "-p", default=None)
@click.option("--status", default=None)
@click.option(
    "--detail/--no-detail",
    default=True,
    help="Read each entry the list reports only in part (default), so the export re-creates.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file, resuming what an interrupted export left in it.",
)
@common
@bounded
def export(
    context: Context, provider: str | None, status: str | None, detail: bool, output: Path | None
) -> None:
    """Every promotion of a provider as neutral JSON (stdout, or --output, resumable)."""
    from promokit.export import export as write_export
    from promokit.export import export_to_file

    async def work(client: Client) -> tuple[int, int]:
        with context.progress() as bar:
            task = bar.add_task(f"export {client.provider(provider).alias}", total=None)

            def progress(count: int, _carried: int) -> None:
                bar.update(task, completed=count)

            if output is None:
                count = await write_export(
                    client, provider, sys.stdout, status=status, detail=detail, on_progress=progress
                )
                return count, 0
            return await export_to_file(
                client, provider, output, status=status, detail=detail, on_progress=progress
            )

    count, carried = run(context, work)
    resumed = f", {carried} kept from the previous run" if carried else ""
    context.err.print(f"exported {count} promotion(s){resumed}")
