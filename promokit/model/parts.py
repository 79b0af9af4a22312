"""The parts a promotion is made of: discounts, limits, payment scopes, coupons, vocabularies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

import msgspec

CouponType = Literal["reusable", "single_use"]
Customers = Literal["all", "new", "returning"]
Reward = Literal["discount", "cashback"]
AppliesTo = Literal["order", "items", "shipping"]
Status = Literal["active", "inactive", "scheduled", "expired", "unknown"]
PaymentMethod = Literal["card", "ewallet", "virtual_account", "other"]


class _Neutral(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every neutral Struct: immutable, keyword-only, strict about typos."""


class Percent(_Neutral, frozen=True, kw_only=True, tag="percent"):
    """A percentage discount; ``max_amount`` caps it in currency units."""

    value: Decimal
    max_amount: int | None = None


class Fixed(_Neutral, frozen=True, kw_only=True, tag="fixed"):
    """A fixed discount in whole currency units."""

    amount: int


class Quota(_Neutral, frozen=True, kw_only=True, tag="quota"):
    """The promotion may be redeemed ``uses`` times in total."""

    uses: int


class Budget(_Neutral, frozen=True, kw_only=True, tag="budget"):
    """The promotion may give away ``amount`` currency units in total."""

    amount: int


class CardScope(_Neutral, frozen=True, kw_only=True, tag="card"):
    """Only card payments whose BIN starts with one of ``bins`` or issued by ``banks``."""

    bins: tuple[str, ...] = ()
    banks: tuple[str, ...] = ()


class EwalletScope(_Neutral, frozen=True, kw_only=True, tag="ewallet"):
    """Only e-wallet payments from ``wallets`` (e.g. ``OVO``, ``DANA``)."""

    wallets: tuple[str, ...] = ()


class VirtualAccountScope(_Neutral, frozen=True, kw_only=True, tag="virtual_account"):
    """Only virtual-account payments at ``banks`` (e.g. ``BCA``, ``BNI``)."""

    banks: tuple[str, ...] = ()


READ_ONLY: frozenset[str] = frozenset(
    {"id", "provider", "status", "coupons", "created_at", "updated_at", "reconciled"}
)
"""The :class:`Promotion` fields providers fill in (dropped by :meth:`Promotion.draft`)."""

Discount = Percent | Fixed
Limit = Quota | Budget
PaymentScope = CardScope | EwalletScope | VirtualAccountScope


class Coupon(_Neutral, frozen=True, kw_only=True):
    """One redeemable code of a promotion, as the provider reports it."""

    code: str
    id: str | None = None
    coupon_type: CouponType = "reusable"
    active: bool | None = None
    limit: int | None = None
    used: int | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
