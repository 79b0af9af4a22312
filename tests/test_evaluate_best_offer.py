"""best_offer: the largest valid discount across promotions, deterministic on ties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from promokit import Checkout, EwalletScope, Fixed, Percent, Promotion, evaluate
from promokit.model.evaluate import Offer, best_offer

NOW = datetime(2030, 6, 1, tzinfo=UTC)
BASE = Promotion(
    name="Base",
    discount=Fixed(amount=5_000),
    starts_at=NOW - timedelta(days=1),
    ends_at=NOW + timedelta(days=1),
)
CART = Checkout(amount=100_000, payment_method="ewallet", wallet="OVO")


def promo(name: str, **changes: object) -> Promotion:
    return msgspec.structs.replace(BASE, name=name, **changes)


def test_the_largest_discount_wins() -> None:
    small = promo("small")
    percent = promo("ten percent", discount=Percent(value=Decimal(10)))  # 10_000
    capped = promo("capped", discount=Percent(value=Decimal(50), max_amount=8_000))
    offer = best_offer([small, percent, capped], CART, now=NOW)
    assert offer == Offer(percent, evaluate(percent, CART, now=NOW))
    assert offer is not None
    assert offer.validation.discount_amount == 10_000


def test_refused_promotions_are_skipped_even_when_larger() -> None:
    expired = promo("expired", discount=Fixed(amount=90_000), ends_at=NOW)
    too_dear = promo("minimum", discount=Fixed(amount=80_000), min_purchase=200_000)
    wrong_wallet = promo(
        "dana only", discount=Fixed(amount=70_000), payment=EwalletScope(wallets=("DANA",))
    )
    fine = promo("fine")
    offer = best_offer([expired, too_dear, wrong_wallet, fine], CART, now=NOW)
    assert offer is not None
    assert offer.promotion is fine


def test_ties_keep_the_first_promotion() -> None:
    first, second = promo("first"), promo("second")
    offer = best_offer([first, second], CART, now=NOW)
    assert offer is not None
    assert offer.promotion is first
    offer = best_offer([second, first], CART, now=NOW)
    assert offer is not None
    assert offer.promotion is second


def test_nothing_applies_or_nothing_to_choose_from() -> None:
    assert best_offer([], CART, now=NOW) is None
    assert best_offer([promo("over", ends_at=NOW)], CART, now=NOW) is None
    # Valid but worth nothing: a shipping promotion on a checkout without shipping.
    assert best_offer([promo("ship", applies_to="shipping")], CART, now=NOW) is None


def test_any_iterable_is_read_once() -> None:
    promotions = (promo(f"p{amount}", discount=Fixed(amount=amount)) for amount in (1, 3, 2))
    offer = best_offer(promotions, CART, now=NOW)
    assert offer is not None
    assert offer.promotion.name == "p3"


@given(amounts=st.lists(st.integers(min_value=1, max_value=200_000), max_size=12))
def test_best_offer_agrees_with_evaluate(amounts: list[int]) -> None:
    promotions = [promo(f"p{i}", discount=Fixed(amount=a)) for i, a in enumerate(amounts)]
    offer = best_offer(promotions, CART, now=NOW)
    discounts = [evaluate(p, CART, now=NOW).discount_amount for p in promotions]
    if not amounts:
        assert offer is None
        return
    assert offer is not None
    assert offer.validation.discount_amount == max(discounts)
    assert offer.promotion is promotions[discounts.index(max(discounts))]
