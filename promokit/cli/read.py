"""Commands that only read: ``get``, ``list``, ``validate``, ``usage``, ``export``."""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from typing import Any

import click

from promokit.cli import render
from promokit.cli.context import EXIT_PROVIDER, Context, bounded, common, run
from promokit.client import Client
from promokit.errors import plural
from promokit.model import Checkout, Status

PROVIDER = click.option(
    "--provider",
    "-p",
    default=None,
    metavar="ALIAS",
    help="Provider alias from promokit.toml (default: its `default`).",
)
STATUS = click.option(
    "--status",
    type=click.Choice(typing.get_args(Status)),
    default=None,
    help="Only promotions in this state.",
)


@click.command()
@click.argument("promotion_id")
@PROVIDER
@common
@bounded
def get(context: Context, promotion_id: str, provider: str | None) -> None:
    """Show one promotion in the neutral model.

    \b
    Example:
      promokit get prm_abc123 -p cards
    """
    found = run(context, lambda client: client.get(promotion_id, provider))
    context.output(found, lambda: render.promotions_side_by_side([found]))


@click.command("list")
@PROVIDER
@STATUS
@click.option("--search", default=None, help="Words in the name.")
@click.option(
    "--product", "product_id", default=None, metavar="ID", help="Only promotions for this product."
)
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
    """List promotions (fetched page by page); ids and codes are shown whole.

    "?" marks what the list did not report (--detail reads it).

    \b
    Examples:
      promokit list
      promokit list -p cards --status active --search kartu
      promokit list -p shop --detail
    """

    async def work(client: Client) -> list[Any]:
        return [
            p
            async for p in client.list(
                provider, status=status, search=search, product_id=product_id, detail=detail
            )
        ]

    found = run(context, work)
    context.output(found, lambda: render.promotions_list(found, context.out.width))


@click.command()
@click.argument("code")
@click.option("--amount", type=int, required=True, help="Checkout amount in currency units.")
@PROVIDER
@click.option(
    "--product", "product_id", default=None, metavar="ID", help="Product (payment link) bought."
)
@click.option("--email", "customer_email", default=None, help="The customer's email.")
@click.option(
    "--customer-type",
    type=click.Choice(["new", "returning"]),
    default=None,
    help="Whether the customer has bought before.",
)
@click.option(
    "--payment-method",
    type=click.Choice(["card", "ewallet", "virtual_account"]),
    default=None,
    help="How the customer pays.",
)
@click.option("--card-bin", default=None, help="First 6-8 digits of the card.")
@click.option("--bank", default=None, help="Issuing bank (card) or virtual-account bank.")
@click.option("--wallet", default=None, help="E-wallet, e.g. OVO or DANA.")
@common
@bounded
def validate(
    context: Context, code: str, amount: int, provider: str | None, **checkout: Any
) -> None:
    """Would CODE apply to this checkout? Exit 0 when accepted, 1 when refused.

    \b
    Examples:
      promokit validate HARIBAIK --amount 600000 --product 6c090447-…
      promokit validate KARTU10 --amount 300000 -p cards --payment-method card --card-bin 42424242
    """
    cart = Checkout(amount=amount, **checkout)
    result = run(context, lambda client: client.validate(code, cart, provider))
    context.output(result, lambda: render.validation_text(code, result))
    if not result.valid:
        raise SystemExit(EXIT_PROVIDER)


@click.command()
@click.argument("code")
@PROVIDER
@common
@bounded
def usage(context: Context, code: str, provider: str | None) -> None:
    """How much of CODE's limit is used.

    \b
    Example:
      promokit usage HARIBAIK
    """
    result = run(context, lambda client: client.usage(code, provider))
    context.output(result, lambda: render.usage_text(result))


@click.command()
@PROVIDER
@STATUS
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
    """Every promotion of a provider as neutral JSON (stdout, or --output, resumable).

    The file plans, creates (elsewhere) and updates (here) as it is.

    \b
    Examples:
      promokit export -p shop > shop.json
      promokit export -p shop -o shop.json   # resumes an interrupted export
      promokit create shop.json -p cards
    """
    from promokit.workflows.export import export as write_export
    from promokit.workflows.export import export_to_file

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
    context.err.print(f"exported {plural(count, 'promotion')}{resumed}", markup=False)
