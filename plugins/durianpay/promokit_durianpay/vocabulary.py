"""Durianpay's wire words (promo types, enumerations) and the neutral words they stand for."""

from __future__ import annotations

from promokit.sdk import AppliesTo, Reward, Status

CARD, EWALLET, VA = "card_promos", "ewallet_promos", "va_promos"
PERCENTAGE, FLAT = "percentage", "flat"
QUOTA, BUDGET = "quota", "budget"

REWARD_TO_SUB_TYPE: dict[Reward, str] = {"discount": "direct_discount", "cashback": "cashback"}
SUB_TYPE_TO_REWARD: dict[str, Reward] = {
    "direct_discount": "discount",
    "cashback": "cashback",
    # The fetch and fetch-one examples spell it "direct_dicsount"; read it as meant.
    "direct_dicsount": "discount",
}
APPLIES_TO_DEDUCTION: dict[AppliesTo, str] = {
    "order": "total_price",
    "items": "product_price",
    "shipping": "shipping_price",
}
DEDUCTION_TO_APPLIES_TO: dict[str, AppliesTo] = {
    "total_price": "order",
    "product_price": "items",
    "shipping_price": "shipping",
}
STATUSES: dict[str, Status] = {"inactive": "inactive", "active": "active", "expired": "expired"}
