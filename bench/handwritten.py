"""The clients a user would write by hand instead of promokit: the baseline of bench_client.py.

aiohttp, ``await response.json()``, a status check, timestamps turned into aware
datetimes (Mayar's epoch milliseconds, Durianpay's ISO 8601 text) and one
dataclass per discount, coupon and promo. No retries, deadlines, rate limit,
request ids, logs or typed errors: what promokit does beyond this is its
overhead, and these are the clients its cost is held to (issue 21).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp


class HandError(Exception):
    """A non-2xx answer: the status and the body, as a hand-written client raises it."""


def from_millis(value: int | None) -> datetime | None:
    """Mayar's epoch milliseconds as an aware UTC datetime."""
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def from_iso(value: str | None) -> datetime | None:
    """Durianpay's ISO 8601 text (a zone-less one read as UTC) as an aware datetime."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def checked_json(response: aiohttp.ClientResponse) -> Any:
    """The JSON of a 2xx answer; anything else raises :class:`HandError`."""
    if response.status >= 400:
        raise HandError(response.status, await response.text())
    return await response.json()


@dataclass
class MayarCoupon:
    """One coupon of a Mayar discount."""

    id: str
    code: str
    active: bool
    limit: int | None
    type: str
    expires_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass
class MayarDiscount:
    """A Mayar discount with its coupons."""

    id: str
    name: str
    kind: str
    value: int
    minimum_purchase: int | None
    total_coupons: int | None
    product_type: str
    products: list[str]
    customer_type: str
    created_at: datetime | None
    expires_at: datetime | None
    coupons: list[MayarCoupon]


@dataclass
class MayarValidation:
    """Mayar's validate answer and the discount it gives the checkout."""

    valid: bool
    code: str
    kind: str
    value: int
    minimum_purchase: int | None
    amount_off: int


class HandMayar:
    """Mayar's coupon API v2, by hand."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, key: str) -> None:
        self.session = session
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}

    async def get(self, discount_id: str) -> MayarDiscount:
        """``GET /coupons/{id}``."""
        url = f"{self.base_url}/coupons/{discount_id}"
        async with self.session.get(url, headers=self.headers) as response:
            data = (await checked_json(response))["data"]
        return MayarDiscount(
            id=data["id"],
            name=data["name"],
            kind=data["discountType"],
            value=data["value"],
            minimum_purchase=data.get("minimumPurchase"),
            total_coupons=data.get("totalCoupons"),
            product_type=data.get("discountProductType", "all"),
            products=[item["id"] for item in data.get("productDiscount") or []],
            customer_type=data.get("eligibleCustomerType", "all"),
            created_at=from_millis(data.get("createdAt")),
            expires_at=from_millis(data.get("expiredAt")),
            coupons=[
                MayarCoupon(
                    id=coupon["id"],
                    code=coupon["code"],
                    active=coupon.get("isActive", True),
                    limit=coupon.get("limit"),
                    type=coupon.get("type", ""),
                    expires_at=from_millis(coupon.get("expiredAt")),
                    created_at=from_millis(coupon.get("createdAt")),
                    updated_at=from_millis(coupon.get("updatedAt")),
                )
                for coupon in data.get("coupons") or []
            ],
        )

    async def validate(self, code: str, amount: int, product_id: str) -> MayarValidation:
        """``POST /coupons/validate`` and the discount the coupon takes off ``amount``."""
        payload = {"couponCode": code, "paymentLinkId": product_id, "amount": amount}
        url = f"{self.base_url}/coupons/validate"
        async with self.session.post(url, json=payload, headers=self.headers) as response:
            data = (await checked_json(response))["data"]
        coupon = data.get("coupon") or {}
        kind, value = coupon.get("discountType", ""), coupon.get("discountValue", 0)
        off = amount * value // 100 if kind == "percentage" else min(value, amount)
        return MayarValidation(
            valid=bool(data.get("valid")),
            code=coupon.get("code", code),
            kind=kind,
            value=value,
            minimum_purchase=coupon.get("minimumPurchase"),
            amount_off=off if data.get("valid") else 0,
        )


@dataclass
class DurianpayPromo:
    """A Durianpay promo."""

    id: str
    label: str
    currency: str
    status: str
    type: str
    code: str | None
    discount_type: str
    discount: Decimal
    min_order_amount: int | None
    max_discount_amount: int | None
    limit_type: str
    limit_value: int | None
    usage: int
    bins: list[str]
    banks: list[str]
    wallets: list[str]
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass
class DurianpayValidation:
    """Whether a promo applies to a checkout, evaluated by hand (Durianpay has no endpoint)."""

    valid: bool
    reason: str
    amount_off: int


def _amount(value: Any) -> int | None:
    """Durianpay sends amounts as numbers or text, ``""`` for none."""
    return None if value is None or value == "" else int(value)


def durianpay_promo(data: dict[str, Any]) -> DurianpayPromo:
    """One promo object as its dataclass."""
    details = data.get("promo_details") or {}
    limit = data.get("limit_value")
    return DurianpayPromo(
        id=data["id"],
        label=data["label"],
        currency=data.get("currency") or "IDR",
        status=data.get("status", ""),
        type=data["type"],
        code=data.get("code"),
        discount_type=data["discount_type"],
        discount=Decimal(str(data["discount"])),
        min_order_amount=_amount(data.get("min_order_amount")),
        max_discount_amount=_amount(data.get("max_discount_amount")),
        limit_type=data.get("limit_type", ""),
        limit_value=_amount(data.get("limit") if limit is None or limit == "" else limit),
        usage=_amount(data.get("promo_usage")) or 0,
        bins=[str(item) for item in details.get("bin_list") or []],
        banks=list(details.get("bank_codes") or []),
        wallets=list(details.get("wallet_types") or []),
        starts_at=from_iso(data.get("starts_at")),
        ends_at=from_iso(data.get("ends_at")),
        created_at=from_iso(data.get("created_at")),
        updated_at=from_iso(data.get("updated_at")),
    )


class HandDurianpay:
    """Durianpay's promos API, by hand."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, authorization: str) -> None:
        self.session = session
        self.base_url = base_url
        self.headers = {"Authorization": authorization, "Accept": "application/json"}
        self.ids: dict[str, str] = {}  # code -> promo id, learnt from a page

    async def get(self, promo_id: str) -> DurianpayPromo:
        """``GET /merchants/promos/{id}``."""
        url = f"{self.base_url}/merchants/promos/{promo_id}"
        async with self.session.get(url, headers=self.headers) as response:
            body = await checked_json(response)
        return durianpay_promo(body.get("data", body))

    async def validate(self, code: str, amount: int, card_bin: str) -> DurianpayValidation:
        """Find the promo of ``code`` and apply its rules to the checkout.

        The first time by its page (Durianpay has no lookup by code), then by the
        id that page gave, as promokit does.
        """
        found = None
        promo_id = self.ids.get(code)
        if promo_id is not None:
            url = f"{self.base_url}/merchants/promos/{promo_id}"
            async with self.session.get(url, headers=self.headers) as response:
                body = await checked_json(response)
            found = body.get("data", body)
        else:
            url = f"{self.base_url}/merchants/promos"
            params = {"skip": "0", "limit": "25"}
            async with self.session.get(url, params=params, headers=self.headers) as response:
                body = await checked_json(response)
            found = next(
                (item for item in body.get("data") or [] if item.get("code") == code), None
            )
            if found is not None:
                self.ids[code] = found["id"]
        if found is None:
            return DurianpayValidation(False, "not found", 0)
        promo = durianpay_promo(found)
        now = datetime.now(UTC)
        if promo.status != "active":
            return DurianpayValidation(False, "inactive", 0)
        if promo.starts_at is not None and now < promo.starts_at:
            return DurianpayValidation(False, "not started", 0)
        if promo.ends_at is not None and now >= promo.ends_at:
            return DurianpayValidation(False, "expired", 0)
        if promo.min_order_amount is not None and amount < promo.min_order_amount:
            return DurianpayValidation(False, "minimum purchase not met", 0)
        if promo.type == "card_promos" and not any(card_bin.startswith(b) for b in promo.bins):
            return DurianpayValidation(False, "card not eligible", 0)
        if promo.limit_type == "quota" and promo.limit_value and promo.usage >= promo.limit_value:
            return DurianpayValidation(False, "used up", 0)
        if promo.discount_type == "percentage":
            off = int(amount * promo.discount // 100)
            if promo.max_discount_amount:
                off = min(off, promo.max_discount_amount)
        else:
            off = int(promo.discount)
        return DurianpayValidation(True, "", min(off, amount))
