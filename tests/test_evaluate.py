"""The reference evaluator: a table of every rule, and properties over generated input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from promokit import (
    Budget,
    CardScope,
    Checkout,
    EwalletScope,
    Fixed,
    Percent,
    Promotion,
    Quota,
    Rejection,
    VirtualAccountScope,
    evaluate,
)

NOW = datetime(2030, 6, 1, tzinfo=UTC)
BASE = Promotion(
    name="Mid-year sale",
    discount=Percent(value=Decimal(10)),
    starts_at=NOW - timedelta(days=1),
    ends_at=NOW + timedelta(days=1),
)


def promo(**changes: object) -> Promotion:
    return msgspec.structs.replace(BASE, **changes)


def checkout(**fields: object) -> Checkout:
    return Checkout(**{"amount": 100_000, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("promotion", "cart", "extra", "reason"),
    [
        (promo(status="inactive"), checkout(), {}, Rejection.INACTIVE),
        (promo(status="scheduled"), checkout(), {}, Rejection.NOT_STARTED),
        (promo(starts_at=NOW + timedelta(seconds=1)), checkout(), {}, Rejection.NOT_STARTED),
        (promo(ends_at=NOW), checkout(), {}, Rejection.EXPIRED),
        (promo(status="expired"), checkout(), {}, Rejection.EXPIRED),
        (promo(min_purchase=100_001), checkout(), {}, Rejection.MIN_PURCHASE_NOT_MET),
        (
            promo(customers="new"),
            checkout(customer_type="returning"),
            {},
            Rejection.CUSTOMER_NOT_ELIGIBLE,
        ),
        (promo(customers="returning"), checkout(), {}, Rejection.CUSTOMER_NOT_ELIGIBLE),
        (
            promo(products=("p1", "p2")),
            checkout(product_id="p3"),
            {},
            Rejection.PRODUCT_NOT_ELIGIBLE,
        ),
        (
            promo(payment=CardScope(bins=("424242",))),
            checkout(payment_method="card", card_bin="411111"),
            {},
            Rejection.PAYMENT_METHOD_NOT_ELIGIBLE,
        ),
        (
            promo(payment=CardScope(bins=("424242",))),
            checkout(payment_method="ewallet", wallet="OVO"),
            {},
            Rejection.PAYMENT_METHOD_NOT_ELIGIBLE,
        ),
        (
            promo(payment=EwalletScope(wallets=("OVO",))),
            checkout(payment_method="ewallet", wallet="DANA"),
            {},
            Rejection.PAYMENT_METHOD_NOT_ELIGIBLE,
        ),
        (
            promo(payment=VirtualAccountScope(banks=("BCA",))),
            checkout(payment_method="virtual_account", bank="BNI"),
            {},
            Rejection.PAYMENT_METHOD_NOT_ELIGIBLE,
        ),
        (promo(limit=Quota(uses=5)), checkout(), {"used": 5}, Rejection.USAGE_LIMIT_REACHED),
        (
            promo(limit=Budget(amount=50_000)),
            checkout(),
            {"given": 50_000},
            Rejection.BUDGET_EXHAUSTED,
        ),
    ],
)
def test_each_rule_refuses_with_its_reason(
    promotion: Promotion, cart: Checkout, extra: dict[str, int], reason: Rejection
) -> None:
    result = evaluate(promotion, cart, now=NOW, **extra)
    assert not result.valid
    assert result.reason is reason
    assert result.discount_amount == 0
    assert result.evaluated_locally


@pytest.mark.parametrize(
    ("promotion", "cart", "extra", "amount"),
    [
        (promo(), checkout(), {}, 10_000),
        (promo(discount=Percent(value=Decimal("12.5"))), checkout(amount=99_999), {}, 12_499),
        (promo(discount=Percent(value=Decimal(50), max_amount=20_000)), checkout(), {}, 20_000),
        (promo(discount=Fixed(amount=25_000)), checkout(), {}, 25_000),
        (promo(discount=Fixed(amount=250_000)), checkout(), {}, 100_000),
        (promo(min_purchase=100_000), checkout(), {}, 10_000),
        (promo(customers="new"), checkout(customer_type="new"), {}, 10_000),
        (promo(products=("p1",)), checkout(product_id="p1"), {}, 10_000),
        (promo(payment=CardScope(bins=("424242",))), checkout(card_bin="42424299"), {}, 10_000),
        (
            promo(payment=CardScope(banks=("BCA",))),
            checkout(payment_method="card", card_bin="511111", bank="bca"),
            {},
            10_000,
        ),
        (promo(payment=EwalletScope(wallets=("OVO",))), checkout(wallet="ovo"), {}, 10_000),
        (promo(payment=VirtualAccountScope(banks=("BCA",))), checkout(bank="BCA"), {}, 10_000),
        (promo(applies_to="items"), checkout(items_amount=80_000), {}, 8_000),
        (
            promo(applies_to="shipping", discount=Fixed(amount=15_000)),
            checkout(shipping_amount=9_000),
            {},
            9_000,
        ),
        (promo(limit=Quota(uses=5)), checkout(), {"used": 4}, 10_000),
        (promo(limit=Budget(amount=50_000)), checkout(), {"given": 45_000}, 5_000),
        (promo(starts_at=None, ends_at=None), checkout(), {}, 10_000),
    ],
)
def test_accepted_checkouts_get_the_right_discount(
    promotion: Promotion, cart: Checkout, extra: dict[str, int], amount: int
) -> None:
    result = evaluate(promotion, cart, now=NOW, **extra)
    assert result.valid, result
    assert result.reason is None
    assert result.discount_amount == amount


percents = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2)
amounts = st.integers(min_value=0, max_value=10**12)
caps = st.none() | st.integers(min_value=1, max_value=10**9)


@given(value=percents, cap=caps, amount=amounts)
def test_discount_is_between_zero_and_amount_and_respects_the_cap(
    value: Decimal, cap: int | None, amount: int
) -> None:
    promotion = promo(discount=Percent(value=value, max_amount=cap))
    result = evaluate(promotion, checkout(amount=amount), now=NOW)
    assert 0 <= result.discount_amount <= amount
    if cap is not None:
        assert result.discount_amount <= cap


@given(value=percents, cap=caps, low=amounts, extra=amounts)
def test_percent_discount_is_monotone_in_amount(
    value: Decimal, cap: int | None, low: int, extra: int
) -> None:
    promotion = promo(discount=Percent(value=value, max_amount=cap))
    small = evaluate(promotion, checkout(amount=low), now=NOW).discount_amount
    large = evaluate(promotion, checkout(amount=low + extra), now=NOW).discount_amount
    assert small <= large


@given(fixed=st.integers(min_value=1, max_value=10**9), amount=amounts)
def test_fixed_discount_never_exceeds_the_amount(fixed: int, amount: int) -> None:
    result = evaluate(promo(discount=Fixed(amount=fixed)), checkout(amount=amount), now=NOW)
    assert result.discount_amount == min(fixed, amount)
