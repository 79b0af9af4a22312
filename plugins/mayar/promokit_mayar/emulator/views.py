"""How the emulator renders stored discounts: each endpoint with its own documented shape.

Timestamps are ISO 8601 on create and list, epoch milliseconds on detail, as the
docs show (and as Mayar's maintainers left them, unreconciled).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promokit.sdk import iso_millis
from promokit_mayar.emulator.checks import Number
from promokit_mayar.emulator.store import Account, StoredCoupon, StoredDiscount


def created(discount: StoredDiscount, now: datetime) -> dict[str, Any]:
    """``data`` of the create response (ISO timestamps, coupon ids only for reusable)."""
    expired = iso(discount.expired_at)
    return {
        "id": discount.id,
        "name": discount.name,
        "discountType": discount.discount_type,
        "value": discount.value,
        "minimumPurchase": discount.minimum_purchase,
        "eligibleCustomerType": discount.eligible_customer_type,
        "totalCoupons": discount.total_coupons,
        "discountProductType": _product_scope(discount),
        "expiredAt": expired,
        "isLifeTime": None,
        "status": discount.status(now),
        "coupons": [
            # Documented: one-time coupons come back without an id.
            ({"id": c.id} if c.type == "reusable" else {})
            | {"code": c.code, "type": c.type, "expiredAt": expired}
            for c in discount.coupons
        ],
        "products": [{"id": product_id} for product_id in discount.product_ids],
        "createdAt": iso(discount.created_at),
    }


def created_v1(discount: StoredDiscount, account: Account) -> dict[str, Any]:
    """``data`` of a V1-shaped create response, in the V1 docs' key order.

    Epoch-ms dates, no ``status``, coupons without ``id`` but with ``isActive``
    (their ``expiredAt`` stays ISO text), ``productDiscount`` instead of ``products``.
    Docs: https://docs.mayar.id/api-reference/discount/create
    """
    shown = detail(discount, account)
    return {
        key: shown[key]
        for key in (
            "id",
            "createdAt",
            "expiredAt",
            "discountType",
            "discountProductType",
            "eligibleCustomerType",
            "name",
            "minimumPurchase",
            "isLifeTime",
            "totalCoupons",
            "value",
        )
    } | {
        "coupons": [
            {
                "code": c.code,
                "type": c.type,
                "expiredAt": iso(discount.expired_at),
                "isActive": c.is_active,
            }
            for c in discount.coupons
        ],
        "productDiscount": shown["productDiscount"],
    }


def detail(discount: StoredDiscount, account: Account) -> dict[str, Any]:
    """``data`` of the detail response (epoch ms, no ``status``), in the docs' key order."""
    expired = millis(discount.expired_at)
    return {
        "id": discount.id,
        "createdAt": millis(discount.created_at),
        "expiredAt": expired,
        "productDiscount": [
            # [I] The item shape is undocumented; this is the emulator's guess.
            {"id": discount.product_rows[p], "discountId": discount.id, "productId": p}
            for p in discount.product_ids
        ],
        "discountType": discount.discount_type,
        "discountProductType": _product_scope(discount),
        "eligibleCustomerType": discount.eligible_customer_type,
        "name": discount.name,
        "minimumPurchase": discount.minimum_purchase,
        "isLifeTime": None,
        "totalCoupons": discount.total_coupons,
        "value": discount.value,
        "coupons": [_detail_coupon(c, discount, expired, account) for c in discount.coupons],
    }


def _detail_coupon(
    coupon: StoredCoupon, discount: StoredDiscount, expired: int | None, account: Account
) -> dict[str, Any]:
    return {
        "id": coupon.id,
        "code": coupon.code,
        "createdAt": millis(coupon.created_at),
        "discountId": discount.id,
        "endMonthTrial": None,
        "expiredAt": expired,
        "isActive": coupon.is_active,
        "limit": coupon.limit,
        "type": coupon.type,
        "updatedAt": millis(coupon.updated_at),
        "userId": account.id,
    }


def validated(discount: StoredDiscount, coupon: StoredCoupon) -> dict[str, Any]:
    """``data`` of a successful validate response (note ``discountValue``)."""
    return {
        "valid": True,
        "coupon": {
            "id": coupon.id,
            "code": coupon.code,
            "discountType": discount.discount_type,
            "discountValue": discount.value,
            "minimumPurchase": discount.minimum_purchase,
            "eligibleCustomerType": discount.eligible_customer_type,
        },
    }


def usage(coupon: StoredCoupon) -> dict[str, Any]:
    """``data`` of the check response; ``limit`` 0 is unlimited and never used up."""
    unlimited = coupon.limit == 0
    return {
        "couponCode": coupon.code,
        "isUsed": not unlimited and coupon.used >= coupon.limit,
        "totalUsed": coupon.used,
        "limit": coupon.limit,
        "remaining": 0 if unlimited else max(coupon.limit - coupon.used, 0),
    }


def summary(discount: StoredDiscount, account: Account, now: datetime) -> dict[str, Any]:
    """One list entry: a campaign summary without codes or discount type (ISO timestamps)."""
    return {
        "id": discount.id,
        "name": discount.name,
        "status": discount.status(now),
        "discountValue": discount.value,
        "totalUsage": sum(c.used for c in discount.coupons),
        "createdAt": iso(discount.created_at),
        "expiredAt": iso(discount.expired_at),
        "products": [
            {"id": p, "name": account.products[p].label if p in account.products else None}
            for p in discount.product_ids
        ],
    }


def envelope(status: int, text: str, data: Any) -> dict[str, Any]:
    """The V2 envelope ``{"statusCode", "messages", "data"}``."""
    return {"statusCode": status, "messages": text, "data": data}


def iso(moment: datetime | None) -> str | None:
    """``2030-01-01T09:06:14.933Z`` or ``None``."""
    return None if moment is None else iso_millis(moment)


def millis(moment: datetime | None) -> int | None:
    """Epoch milliseconds or ``None``."""
    return None if moment is None else round(moment.timestamp() * 1000)


def plain(number: Number) -> str:
    """``500000`` rather than ``500000.0`` inside message text."""
    return str(int(number)) if number == int(number) else str(number)


def _product_scope(discount: StoredDiscount) -> str:
    return "selected" if discount.product_ids else "all"
