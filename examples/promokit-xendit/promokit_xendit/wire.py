"""msgspec Structs mirroring Xendit's promotion JSON exactly (snake_case, numbers as numbers)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from promokit.sdk import Instant


class PromotionBody(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The body of ``POST /promotions`` and ``PATCH /promotions/{id}``.

    Fields left at ``None`` are not sent. An update sends every field (``0``,
    ``""`` or ``[]`` clears one) except ``reference_id``, which cannot change.
    Source: xendit-go ``promotion/params.go`` (``CreatePromotionParams``).
    """

    reference_id: str | None = None
    description: str | None = None
    promo_code: str | None = None
    bin_list: list[str] | None = None
    channel_code: str | None = None
    discount_percent: Decimal | None = None
    discount_amount: int | None = None
    currency: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    min_original_amount: int | None = None
    max_discount_amount: int | None = None


class Promotion(msgspec.Struct, kw_only=True):
    """A promotion as Xendit returns it. Source: xendit-go ``promotion.go``."""

    id: str
    reference_id: str
    start_time: Instant
    end_time: Instant
    business_id: str = ""
    status: str = ""
    description: str = ""
    promo_code: str | None = None
    bin_list: list[str] | None = None
    channel_code: str | None = None
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    currency: str = ""
    min_original_amount: Decimal | None = None
    max_discount_amount: Decimal | None = None


class Deletion(msgspec.Struct, kw_only=True):
    """The answer to ``DELETE /promotions/{id}`` (xendit-go ``PromotionDeletion``)."""

    id: str
    is_deleted: bool


class Error(msgspec.Struct, kw_only=True):
    """Xendit's error body: ``{"error_code": "...", "message": "..."}``."""

    error_code: str = ""
    message: str = ""
