"""The emulated Mayar account: payment links, discounts, coupons and known customers."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from promokit_mayar.emulator.checks import CreateSpec, Number
from promokit_mayar.manifest import MAX_ONETIME_CODES

ProductKind = Literal["payment_link", "payment_request", "fundraising", "event", "membership"]
INELIGIBLE_KINDS: frozenset[str] = frozenset({"payment_request", "fundraising"})
"""Product types Mayar documents as not discount-eligible."""
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class Product:
    """A payment link of the account; ``owned=False`` means it belongs to someone else."""

    id: str
    label: str
    kind: ProductKind = "payment_link"
    owned: bool = True


@dataclass
class StoredCoupon:
    """One code of a stored discount, with its usage counter (``limit`` 0 = unlimited)."""

    id: str
    code: str
    type: str
    limit: int
    created_at: datetime
    updated_at: datetime
    used: int = 0
    is_active: bool = True


@dataclass
class StoredDiscount:
    """One discount campaign as the emulator keeps it."""

    id: str
    name: str
    discount_type: str
    value: Number
    minimum_purchase: Number | None
    eligible_customer_type: str
    total_coupons: int
    product_ids: list[str]
    expired_at: datetime | None
    created_at: datetime
    sequence: int
    coupons: list[StoredCoupon] = field(default_factory=list)
    product_rows: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    active: bool = True

    def status(self, now: datetime) -> str:
        """The list endpoint's status word at ``now``."""
        if not self.active or not any(coupon.is_active for coupon in self.coupons):
            return "inactive"
        if self.starts_at is not None and now < self.starts_at:
            return "upcoming"
        if self.expired_at is not None and self.expired_at <= now:
            return "expired"
        return "active"


class Account:
    """Everything one emulated API key can see; codes are unique case-insensitively."""

    def __init__(self) -> None:
        self.id = str(uuid.uuid4())
        self.products: dict[str, Product] = {}
        self.discounts: dict[str, StoredDiscount] = {}
        self.returning_customers: set[str] = set()

    def coupon(self, code: str) -> StoredCoupon | None:
        """The coupon with ``code`` (any case), if there is one."""
        wanted = code.casefold()
        for discount in self.discounts.values():
            for coupon in discount.coupons:
                if coupon.code.casefold() == wanted:
                    return coupon
        return None

    def discount_of(self, coupon: StoredCoupon) -> StoredDiscount:
        """The discount that holds ``coupon``."""
        return next(d for d in self.discounts.values() if coupon in d.coupons)

    def is_returning(self, email: str | None) -> bool:
        """Whether ``email`` belongs to an existing ("old") customer."""
        return email is not None and email.strip().casefold() in self.returning_customers

    def create(self, spec: CreateSpec, now: datetime) -> StoredDiscount:
        """Store a checked create request the way Mayar does, quirks included."""
        capped = spec.discount_type == "percentage" and spec.value > 99
        discount = StoredDiscount(
            id=str(uuid.uuid4()),
            name=spec.name,
            discount_type=spec.discount_type,
            # Documented quirk: a percentage above 99 is silently capped at 99.
            value=99 if capped else spec.value,
            minimum_purchase=spec.minimum_purchase,
            eligible_customer_type=spec.customers,
            total_coupons=spec.total_coupons,
            product_ids=spec.product_ids,
            expired_at=spec.expired_at,
            created_at=now,
            sequence=len(self.discounts),
            product_rows={product_id: str(uuid.uuid4()) for product_id in spec.product_ids},
        )
        if spec.coupon_type == "reusable":
            codes = [spec.code or self._new_code()]
            limit = spec.total_coupons
        else:
            # Documented: at most 50 one-time codes per request, whatever totalCoupons says.
            codes = [self._new_code() for _ in range(min(spec.total_coupons, MAX_ONETIME_CODES))]
            limit = 1
        discount.coupons = [
            StoredCoupon(str(uuid.uuid4()), code, spec.coupon_type, limit, now, now)
            for code in codes
        ]
        self.discounts[discount.id] = discount
        return discount

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
            if self.coupon(code) is None:
                return code
