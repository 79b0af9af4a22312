"""What Xendit's promotions API can express, as data, plus the rules data cannot state."""

from __future__ import annotations

from promokit import sdk
from promokit.sdk import FieldSupport, Limits, Manifest, Problem

MANIFEST: Manifest = Manifest(
    fields={
        "name": FieldSupport(note="sent as reference_id, which Xendit keeps unique"),
        "description": FieldSupport(required=True, note="Xendit requires a description"),
        "code": FieldSupport(note="sent as promo_code"),
        "coupon_type": FieldSupport(values=("reusable",), note="one reusable promo code"),
        "discount": FieldSupport(
            values=("percent", "fixed"), note="discount_percent or discount_amount"
        ),
        "discount.max_amount": FieldSupport(note="sent as max_discount_amount"),
        "currency": FieldSupport(note="IDR or PHP"),
        "min_purchase": FieldSupport(note="sent as min_original_amount"),
        "starts_at": FieldSupport(required=True, note="start_time is mandatory"),
        "ends_at": FieldSupport(required=True, note="end_time is mandatory"),
        "customers": FieldSupport(values=("all",), note="no customer targeting"),
        "payment": FieldSupport(
            values=("card",), note="card promotions only: bin_list and one channel_code (bank)"
        ),
        "reward": FieldSupport(values=("discount",), note="the charge amount is discounted"),
        "applies_to": FieldSupport(values=("order",), note="applies to the whole charge"),
        "extensions": FieldSupport(note="extensions['xendit'] keys are added to the body"),
    },
    operations={
        "create": "native",
        "get": "emulated",
        "list": "native",
        "update": "native",
        "delete": "native",
        "validate": "emulated",
    },
    operation_notes={
        "get": "Xendit documents no fetch-one endpoint; the promotion is found in the list",
        "validate": "evaluated locally with promokit's reference evaluator (Xendit's "
        "calculation endpoint is for xendit.js in the browser)",
        "usage": "Xendit reports no redemption counts for promotions",
    },
    limits=Limits(currencies=("IDR", "PHP")),
)
"""Xendit's capabilities, declared as data: promokit plans against this with no I/O."""


def plan_problems(promotion: sdk.Promotion) -> list[Problem]:
    """Xendit rules the manifest cannot state as data."""
    problems = []
    scope = promotion.payment
    if isinstance(scope, sdk.CardScope) and len(scope.banks) > 1:
        problems.append(Problem("payment.banks", "Xendit takes one channel_code (bank)"))
    if scope is None and promotion.code is None:
        problems.append(Problem("payment", "set card BINs, a bank or a code"))
    return problems
