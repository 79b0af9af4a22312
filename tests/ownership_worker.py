"""One worker process of the ownership tests: creates N promotions, prints one outcome each.

Run as ``python tests/ownership_worker.py CONFIG PLUGIN COUNT``; prints a JSON list of
``{"name", "outcome", "id", "key", "said"}`` where ``outcome`` is ``created``,
``already_created``, ``reconciled`` or the promokit error's class name, and ``said``
is that error's own ``outcome`` (``not_sent``, ``rejected`` or ``unknown``).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal

import promokit
from promokit import CardScope, Fixed, Percent, PromokitError, Promotion, Quota

END = datetime(2030, 1, 1, tzinfo=UTC)


def promotions(plugin: str, count: int) -> list[Promotion]:
    """The same ``count`` promotions in every worker: Mayar one-time batches (no code,
    found again only by name) or Durianpay promos (unique label)."""
    if plugin == "mayar":
        return [
            Promotion(
                name=f"Race batch {index:02d}",
                discount=Fixed(amount=1000 + index),
                coupon_type="single_use",
                limit=Quota(uses=3),
                ends_at=END,
            )
            for index in range(count)
        ]
    return [
        Promotion(
            name=f"RACE-{index:02d}",
            code=f"RACE{index:02d}",
            discount=Percent(value=Decimal(5)),
            limit=Quota(uses=10),
            starts_at=datetime(2026, 1, 1, tzinfo=UTC),
            ends_at=END,
            payment=CardScope(bins=("424242",)),
        )
        for index in range(count)
    ]


async def one(client: promokit.Client, promotion: Promotion) -> dict[str, object]:
    try:
        created = await client.create(promotion)
    except PromokitError as error:
        return {
            "name": promotion.name,
            "outcome": type(error).__name__,
            "id": None,
            "key": getattr(error, "idempotency_key", None),
            "said": error.outcome,
            "message": str(error),
        }
    outcome = (
        "already_created"
        if created.already_created
        else "reconciled"
        if created.reconciled
        else "created"
    )
    return {"name": promotion.name, "outcome": outcome, "id": created.id, "key": None}


async def main(config: str, plugin: str, count: int) -> None:
    async with promokit.Client.from_config(config) as client:
        results = await asyncio.gather(*(one(client, p) for p in promotions(plugin, count)))
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
