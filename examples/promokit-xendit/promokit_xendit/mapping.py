"""Neutral promotions to Xendit's wire Structs and back: the one place where they meet."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from promokit import sdk
from promokit.sdk import Status, as_utc, encode, field_error, iso_millis
from promokit_xendit import NAME, wire


def to_body(promotion: sdk.Promotion, *, update: bool = False) -> bytes:
    """The JSON body for ``promotion``.

    A create leaves unset fields out. An update sends every field, with ``0``,
    ``""`` or ``[]`` clearing what is unset, but never ``reference_id`` (fixed).
    """
    assert promotion.starts_at is not None, "planned: starts_at is required"
    assert promotion.ends_at is not None, "planned: ends_at is required"
    discount = promotion.discount
    card = promotion.payment if isinstance(promotion.payment, sdk.CardScope) else None
    cap = discount.max_amount if isinstance(discount, sdk.Percent) else None
    no_text, no_number = ("", 0) if update else (None, None)
    body = wire.PromotionBody(
        reference_id=None if update else promotion.name,
        description=promotion.description,
        promo_code=promotion.code or no_text,
        bin_list=list(card.bins) if card and card.bins else ([] if update else None),
        channel_code=card.banks[0] if card and card.banks else no_text,
        discount_percent=(
            discount.value
            if isinstance(discount, sdk.Percent)
            else (Decimal(0) if update else None)
        ),
        discount_amount=discount.amount if isinstance(discount, sdk.Fixed) else no_number,
        currency=promotion.currency,
        start_time=iso_millis(promotion.starts_at),
        end_time=iso_millis(promotion.ends_at),
        min_original_amount=promotion.min_purchase or no_number,
        max_discount_amount=cap or no_number,
    )
    data = msgspec.to_builtins(body, builtin_types=(Decimal,))
    data.update(promotion.extensions.get(NAME, {}))
    return encode(data)


def _whole(value: Decimal | None, path: str, alias: str, operation: str) -> int | None:
    if value is None or value == 0:
        return None
    if value != value.to_integral_value():
        raise field_error(
            path, f"expected whole units, got {value}", provider=alias, operation=operation
        )
    return int(value)


def to_neutral(
    item: wire.Promotion,
    *,
    alias: str,
    operation: str,
    now: datetime,
    extensions: dict[str, dict[str, Any]] | None = None,
) -> sdk.Promotion:
    """The neutral promotion for a Xendit one; the status comes from the time window."""
    discount: sdk.Percent | sdk.Fixed
    cap = _whole(item.max_discount_amount, "$.max_discount_amount", alias, operation)
    if item.discount_percent:
        discount = sdk.Percent(value=item.discount_percent.normalize(), max_amount=cap)
    else:
        amount = _whole(item.discount_amount, "$.discount_amount", alias, operation)
        if amount is None:
            raise field_error(
                "$",
                "neither discount_percent nor discount_amount",
                provider=alias,
                operation=operation,
            )
        discount = sdk.Fixed(amount=amount)
    bins = tuple(item.bin_list or ())
    banks = (item.channel_code,) if item.channel_code else ()
    starts_at, ends_at = as_utc(item.start_time), as_utc(item.end_time)
    assert starts_at is not None
    assert ends_at is not None
    status: Status = "inactive"
    if item.status == "ACTIVE":
        status = "scheduled" if now < starts_at else "expired" if now >= ends_at else "active"
    return sdk.Promotion(
        name=item.reference_id,
        description=item.description or None,
        code=item.promo_code or None,
        discount=discount,
        currency=item.currency or "IDR",
        min_purchase=_whole(item.min_original_amount, "$.min_original_amount", alias, operation),
        starts_at=starts_at,
        ends_at=ends_at,
        payment=sdk.CardScope(bins=bins, banks=banks) if bins or banks else None,
        extensions=extensions or {},
        id=item.id,
        provider=alias,
        status=status,
    )
