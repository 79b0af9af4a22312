"""What the emulated create/update endpoint refuses, and how (read errors vs field errors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

REQUIRED = (
    "currency",
    "label",
    "type",
    "sub_type",
    "min_order_amount",
    "max_discount_amount",
    "starts_at",
    "ends_at",
    "discount",
    "discount_type",
    "limit_type",
    "price_deduction_type",
    "promo_details",
)
"""Mandatory per the docs' table, minus ``amount``, which no example or SDK sends."""

BLANK_ALLOWED = frozenset({"min_order_amount", "max_discount_amount"})
"""Mandatory keys whose documented examples send ``""`` (meaning: none)."""

STRINGS = frozenset(
    {*REQUIRED, "description", "promo_type", "limit_value", "code", "amount"} - {"promo_details"}
)
ENUMS: dict[str, tuple[str, ...]] = {
    "type": ("card_promos", "ewallet_promos", "va_promos"),
    "sub_type": ("direct_discount", "cashback"),
    "discount_type": ("percentage", "flat"),
    "limit_type": ("quota", "budget"),
    "price_deduction_type": ("total_price", "product_price", "shipping_price"),
}
_DETAIL_LISTS: dict[str, type] = {"bin_list": int, "bank_codes": str, "wallet_types": str}


class Unreadable(Exception):
    """The body is not JSON of the documented types (Durianpay: ``error reading request body``)."""


@dataclass(frozen=True, slots=True)
class Window:
    """The validity window parsed from an accepted body."""

    starts_at: datetime
    ends_at: datetime


def read_body(body: bytes) -> dict[str, Any]:
    """The request object, or :class:`Unreadable` when a typed decoder would fail.

    Durianpay's backend decodes into typed fields, so a number where a string is
    documented (``"discount": 10``) is a read error, not a field error.
    """
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise Unreadable from None
    if not isinstance(data, dict):
        raise Unreadable
    for key in STRINGS:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise Unreadable
    details = data.get("promo_details")
    if details is None:
        return data
    if not isinstance(details, dict):
        raise Unreadable
    for key, kind in _DETAIL_LISTS.items():
        items = details.get(key)
        if items is None:
            continue
        if not isinstance(items, list) or not all(
            isinstance(item, kind) and not isinstance(item, bool) for item in items
        ):
            raise Unreadable
    return data


def _amount(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _timestamp(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _presence(data: dict[str, Any], errors: list[dict[str, str]]) -> None:
    for key in REQUIRED:
        value = data.get(key)
        if value is None:
            errors.append({"field": key, "message": "is required"})
        elif value == "" and key not in BLANK_ALLOWED:
            errors.append({"field": key, "message": "can't be blank"})
    for key, allowed in ENUMS.items():
        value = data.get(key)
        if value and value not in allowed:
            errors.append({"field": key, "message": "is invalid"})
    if data.get("currency") and data["currency"] != "IDR":
        errors.append({"field": "currency", "message": "is invalid"})


def _amounts(data: dict[str, Any], errors: list[dict[str, str]]) -> None:
    discount = data.get("discount")
    if discount:
        number = _amount(discount)
        if number is None or number <= 0:
            errors.append({"field": "discount", "message": "must be a number greater than 0"})
        elif data.get("discount_type") == "percentage" and number > 100:
            errors.append({"field": "discount", "message": "must not be more than 100"})
        elif data.get("discount_type") == "flat" and number != number.to_integral_value():
            errors.append({"field": "discount", "message": "must be a whole amount"})
    for key in ("min_order_amount", "max_discount_amount", "limit_value"):
        value = data.get(key)
        if not value:
            continue
        number = _amount(value)
        if number is None or number < 0 or number != number.to_integral_value():
            errors.append({"field": key, "message": "must be a whole number"})


def _window(data: dict[str, Any], errors: list[dict[str, str]]) -> Window | None:
    moments: dict[str, datetime] = {}
    for key in ("starts_at", "ends_at"):
        value = data.get(key)
        if not value:
            continue
        moment = _timestamp(value)
        if moment is None:
            errors.append({"field": key, "message": "must be an RFC 3339 timestamp"})
        else:
            moments[key] = moment
    if len(moments) < 2:
        return None
    window = Window(moments["starts_at"], moments["ends_at"])
    if window.ends_at <= window.starts_at:
        errors.append({"field": "ends_at", "message": "must be after starts_at"})
    return window


def _details(data: dict[str, Any], errors: list[dict[str, str]]) -> None:
    details = data.get("promo_details") or {}
    promo_type = data.get("type")
    if (
        promo_type == "card_promos"
        and not details.get("bin_list")
        and not details.get("bank_codes")
    ):
        errors.append(
            {
                "field": "promo_details",
                "message": "at least one of bin_list and bank_codes should be present",
            }
        )
    elif promo_type == "ewallet_promos" and not details.get("wallet_types"):
        errors.append({"field": "promo_details.wallet_types", "message": "can't be blank"})
    elif promo_type == "va_promos" and not details.get("bank_codes"):
        errors.append({"field": "promo_details.bank_codes", "message": "can't be blank"})


def check(data: dict[str, Any]) -> tuple[list[dict[str, str]], Window | None]:
    """Every field error of a create/update body (empty when accepted), and its window."""
    errors: list[dict[str, str]] = []
    _presence(data, errors)
    _amounts(data, errors)
    window = _window(data, errors)
    _details(data, errors)
    return errors, window
