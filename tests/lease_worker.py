"""One worker of the lost-lease test: creates one Mayar one-time coupon, prints its outcome.

Run as ``python tests/lease_worker.py CONFIG pause|plain``. With ``pause`` it prints
``claimed`` once it owns the key and waits a moment before going on (the test stops
it there with SIGSTOP). The last line is a JSON object: ``{"outcome", "id", "sent"}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

import promokit
from promokit import Fixed, PromokitError, Promotion, Quota

PROMOTION = Promotion(
    name="Lease race one-time",
    coupon_type="single_use",
    discount=Fixed(amount=5000),
    limit=Quota(uses=3),
    ends_at=datetime(2031, 1, 1, tzinfo=UTC),
)


async def main(config: str, mode: str) -> None:
    async with promokit.Client.from_config(config) as client:
        ledger = client.ledger
        claim = ledger.claim

        async def announcing(entry: Any) -> Any:
            got = await claim(entry)
            if got.owned and mode == "pause":
                print("claimed", flush=True)
                await asyncio.sleep(1.0)  # the test stops this process in here
            return got

        ledger.claim = announcing  # type: ignore[method-assign]
        result: dict[str, object]
        try:
            created = await client.create(PROMOTION)
        except PromokitError as error:
            result = {"outcome": type(error).__name__, "id": None, "sent": error.outcome}
        else:
            outcome = "already_created" if created.already_created else "created"
            result = {"outcome": outcome, "id": created.id, "sent": None}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
