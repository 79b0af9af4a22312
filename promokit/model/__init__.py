"""The neutral model: promotions and checkouts, their rules, capabilities and evaluation."""

from __future__ import annotations

from promokit.model.parts import (
    READ_ONLY,
    AppliesTo,
    Budget,
    CardScope,
    Coupon,
    CouponType,
    Customers,
    Discount,
    EwalletScope,
    Fixed,
    Limit,
    PaymentMethod,
    PaymentScope,
    Percent,
    Quota,
    Reward,
    Status,
    VirtualAccountScope,
)
from promokit.model.promotion import Checkout, Promotion, Rejection, Usage, Validation
from promokit.model.typecheck import trusted

__all__ = [
    "READ_ONLY",
    "AppliesTo",
    "Budget",
    "CardScope",
    "Checkout",
    "Coupon",
    "CouponType",
    "Customers",
    "Discount",
    "EwalletScope",
    "Fixed",
    "Limit",
    "PaymentMethod",
    "PaymentScope",
    "Percent",
    "Promotion",
    "Quota",
    "Rejection",
    "Reward",
    "Status",
    "Usage",
    "Validation",
    "VirtualAccountScope",
    "trusted",
]
