"""Commands that only read: ``get``, ``list``, ``validate``, ``usage``, ``export``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from promokit.cli import render
from promokit.cli.context import EXIT_PROVIDER, Context, bounded, common, run
from promokit.client import Client
from promokit.files import dump_promotion
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
@common
@bounded
def list_(
    context: Context,
    provider: str | None,
    status: str | None,
    search: str | None,
    product_id: str | None,
) -> None:
    """List promotions (fetched page by page)."""

    async def work(client: Client) -> list[Any]:
        return [
            p
            async for p in client.list(
                provider, status=status, search=search, product_id=product_id
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
@common
@bounded
def export(context: Context, provider: str | None, status: str | None) -> None:
    """Every promotion of a provider as neutral JSON, streamed page by page to stdout."""

    async def work(client: Client) -> int:
        count = 0
        sys.stdout.write('{"promotions": [\n')
        async for promotion in client.list(provider, status=status):
            sys.stdout.write(
                (",\n" if count else "") + json.dumps(dump_promotion(promotion), ensure_ascii=False)
            )
            sys.stdout.flush()
            count += 1
        sys.stdout.write("\n]}\n")
        return count

    count = run(context, work)
    context.err.print(f"exported {count} promotion(s)")
