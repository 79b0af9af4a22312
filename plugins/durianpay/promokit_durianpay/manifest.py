"""What Durianpay's promos API can express, as data, plus the rules data cannot state."""

from __future__ import annotations

from decimal import Decimal

from promokit.sdk import CardScope, FieldSupport, Limits, Manifest, Percent, Problem, Promotion

PAGE_SIZE = 25
"""Promos per list request: the default ``limit`` of Durianpay's orders/payments lists."""

MANIFEST: Manifest = Manifest(
    fields={
        "name": FieldSupport(note="sent as label, which Durianpay keeps unique"),
        "description": FieldSupport(note='sent as description ("" when unset)'),
        "code": FieldSupport(
            note="sent as code; responses may not echo it (promokit keeps the one it sent)"
        ),
        "coupon_type": FieldSupport(
            values=("reusable",),
            note="a Durianpay promo has one reusable code; single-use coupons do not exist",
        ),
        "discount": FieldSupport(
            values=("percent", "fixed"), note="discount_type percentage / flat, value as a string"
        ),
        "discount.max_amount": FieldSupport(note="sent as max_discount_amount"),
        "currency": FieldSupport(note="sent as currency; Durianpay processes rupiah only"),
        "min_purchase": FieldSupport(note="sent as min_order_amount"),
        "limit": FieldSupport(
            values=("quota", "budget"),
            note="limit_type + limit_value; promo_usage counts in limit_value's unit",
        ),
        "starts_at": FieldSupport(required=True, note="starts_at is mandatory"),
        "ends_at": FieldSupport(required=True, note="ends_at is mandatory"),
        "customers": FieldSupport(
            values=("all",), note="Durianpay promos cannot target new or returning customers"
        ),
        "products": FieldSupport(
            support="unsupported",
            note="Durianpay promos apply to payment methods, not to products",
        ),
        "payment": FieldSupport(
            required=True,
            values=("card", "ewallet", "virtual_account"),
            note="type + promo_details are mandatory: card_promos, ewallet_promos or va_promos",
        ),
        "reward": FieldSupport(
            values=("discount", "cashback"), note="sub_type direct_discount / cashback"
        ),
        "applies_to": FieldSupport(
            values=("order", "items", "shipping"),
            note="price_deduction_type total_price / product_price / shipping_price",
        ),
        "extensions": FieldSupport(
            note="extensions['durianpay'] entries override top-level wire fields; "
            "a promo_details dict is merged into promo_details"
        ),
    },
    operations={
        "create": "native",
        "get": "native",
        "list": "native",
        "update": "native",
        "delete": "native",
        "validate": "emulated",
        "usage": "native",
    },
    operation_notes={
        "validate": "Durianpay has no validation endpoint; promokit finds the promo by code "
        "and evaluates it locally with the reference evaluator (promo_usage feeds used/given)",
        "usage": "read from the promo's promo_usage and limit_value; the promo is found by code",
        "list": f"no documented pagination; promokit sends skip/limit ({PAGE_SIZE} per page) "
        "and stops at a short page",
    },
    limits=Limits(currencies=("IDR",)),
    rate_limit_per_minute=None,
    page_size=PAGE_SIZE,
)
"""Durianpay's capability manifest."""


def plan_problems(promotion: Promotion) -> list[Problem]:
    """Durianpay rules a manifest cannot state as data."""
    problems: list[Problem] = []
    scope = promotion.payment
    if isinstance(scope, CardScope):
        for index, card_bin in enumerate(scope.bins):
            if isinstance(card_bin, str) and card_bin.startswith("0"):
                problems.append(
                    Problem(
                        f"payment.bins[{index}]",
                        "Durianpay sends BINs as integers, so a leading zero would be lost",
                    )
                )
    discount = promotion.discount
    # The wire carries the percentage as decimal text; NaN/infinity cannot be written.
    if (
        isinstance(discount, Percent)
        and isinstance(discount.value, Decimal)
        and not discount.value.is_finite()
    ):
        problems.append(Problem("discount.value", "Durianpay needs a finite percentage"))
    return problems
