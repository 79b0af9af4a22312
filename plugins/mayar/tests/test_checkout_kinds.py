"""Membership and event checkouts: membershipTierId, paymentLinkType and tickets on validate."""

from __future__ import annotations

import json
from typing import Any

import pytest
from promokit_mayar import validating
from promokit_mayar.emulator import MayarEmulator

from promokit import Checkout, Client, InvalidCheckout
from promokit.http import codec

from .conftest import compact, seed_promotion

LINK = "4d26ea37-d093-4b92-8f5f-0faec64d65b0"
TIER = "7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6"


def test_the_docs_request_example_with_empty_tickets() -> None:
    checkout = Checkout(amount=0, customer_email="", extensions={"mayar": {"tickets": []}})
    request = validating.validate_request("HARIBAIK", checkout, LINK)
    assert codec.encode(request) == compact("validate_request_docs.json")


def test_a_membership_checkout_sends_the_tier_and_the_link_type() -> None:
    checkout = Checkout(
        amount=150000,
        customer_email="budi@example.com",
        extensions={"mayar": {"membershipTierId": TIER, "paymentLinkType": "membership_payment"}},
    )
    request = validating.validate_request("HARIBAIK", checkout, LINK)
    assert codec.encode(request) == compact("assumed_validate_membership.json")


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"membershipTier": TIER}, "extensions.mayar.membershipTier"),
        ({"membershipTierId": TIER}, "extensions.mayar.paymentLinkType"),
        ({"paymentLinkType": ""}, "extensions.mayar.paymentLinkType"),
        ({"tickets": "VIP"}, "extensions.mayar.tickets"),
        ({"tickets": ["VIP"]}, "extensions.mayar.tickets"),
    ],
)
async def test_a_malformed_checkout_extension_is_refused_before_io(
    client: Client, emulator: MayarEmulator, extra: dict[str, Any], path: str
) -> None:
    emulator.requests.clear()
    checkout = Checkout(amount=1, product_id=LINK, extensions={"mayar": extra})
    with pytest.raises(InvalidCheckout) as caught:
        await client.validate("HARIBAIK", checkout)
    assert path in [problem.path for problem in caught.value.problems]
    assert emulator.requests == []


async def test_membership_and_event_checkouts_reach_mayar(
    client: Client, emulator: MayarEmulator
) -> None:
    link = emulator.add_product(LINK)
    await client.create(seed_promotion(products=(link,)))
    tickets = [{"id": "tkt-1", "qty": 2}]
    membership = Checkout(
        amount=600000,
        product_id=link,
        extensions={"mayar": {"membershipTierId": TIER, "paymentLinkType": "membership_payment"}},
    )
    event = Checkout(amount=600000, product_id=link, extensions={"mayar": {"tickets": tickets}})
    emulator.requests.clear()

    assert (await client.validate("HARIBAIK", membership)).valid
    assert (await client.validate("HARIBAIK", event)).valid
    sent = [json.loads(request.body) for request in emulator.requests]
    assert sent[0]["membershipTierId"] == TIER
    assert sent[0]["paymentLinkType"] == "membership_payment"
    assert sent[1]["tickets"] == tickets
    assert "tickets" not in sent[0]
