"""The one place where neutral promotions and Mayar wire Structs are converted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET

from promokit.sdk import (
    Coupon,
    CouponType,
    Customers,
    Discount,
    Fixed,
    Percent,
    Promotion,
    Quota,
    Status,
    UnsupportedFeature,
    as_utc,
    encode,
    field_error,
    iso_millis,
    trusted,
)
from promokit_mayar import NAME, wire

_CUSTOMERS_TO_WIRE: dict[str, wire.CustomerKind] = {"all": "all", "new": "new", "returning": "old"}
_CUSTOMERS_FROM_WIRE: dict[str, Customers] = {
    "all": "all",
    "new": "new",
    "old": "returning",
}
_COUPON_TYPE_TO_WIRE: dict[str, wire.CouponKind] = {
    "reusable": "reusable",
    "single_use": "onetime",
}
_COUPON_TYPE_FROM_WIRE: dict[str, CouponType] = {
    "reusable": "reusable",
    "onetime": "single_use",
}
# "upcoming" is the list filter's word for a discount whose start date is still ahead.
_STATUS_FROM_WIRE: dict[str, Status] = {
    "active": "active",
    "inactive": "inactive",
    "expired": "expired",
    "upcoming": "scheduled",
}
_EXTENSION_DECODER = msgspec.json.Decoder(dict[str, Any], float_hook=Decimal)

# What a list entry does not carry, in the order of promokit.model.capabilities.FIELDS.
_SUMMARY_UNKNOWN = ("code", "coupon_type", "min_purchase", "limit", "customers", "coupons")
# A percentage on Mayar never exceeds 99 (it is capped), so a larger list value is rupiah.
_HIGHEST_PERCENT = Decimal(99)


# -- neutral -> wire --------------------------------------------------------------


def create_request(promotion: Promotion) -> wire.CreateRequest:
    """The create body for ``promotion``, which must already have passed the plan."""
    discount = promotion.discount
    if isinstance(discount, Percent):
        kind: wire.DiscountKind = "percentage"
        value = _plain_decimal(discount.value)
    else:
        kind = "monetary"
        value = Decimal(discount.amount)
    reusable = promotion.coupon_type == "reusable"
    return wire.CreateRequest(
        name=promotion.name,
        expired_at=UNSET if promotion.ends_at is None else iso_millis(promotion.ends_at),
        discount=wire.DiscountSpec(
            discount_type=kind,
            eligible_customer_type=_CUSTOMERS_TO_WIRE[promotion.customers],
            minimum_purchase=UNSET if promotion.min_purchase is None else promotion.min_purchase,
            value=value,
            total_coupons=_quota(promotion).uses,
        ),
        coupon=wire.CouponSpec(
            code=promotion.code if reusable and promotion.code is not None else UNSET,
            type=_COUPON_TYPE_TO_WIRE[promotion.coupon_type],
        ),
        products=[wire.ProductRef(id=product) for product in promotion.products],
    )


def encode_create(promotion: Promotion) -> bytes:
    """The create body as JSON bytes, with ``extensions['mayar']`` keys appended verbatim."""
    body = encode(create_request(promotion))
    extra = promotion.extensions.get(NAME)
    if not extra:
        return body
    # Decimal float_hook keeps numbers exact through the round trip.
    merged = _EXTENSION_DECODER.decode(body)
    merged.update(extra)
    return encode(merged)


def list_query(
    *,
    page_size: int,
    cursor: str | None,
    status: str | None,
    search: str | None,
    product_id: str | None,
) -> dict[str, str]:
    """Query parameters of one list page (absent filters are not sent)."""
    query = wire.ListQuery(
        limit=str(page_size),
        starting_after=UNSET if cursor is None else cursor,
        status=UNSET if status is None else _list_status(status),
        search=UNSET if search is None else search,
        product_id=UNSET if product_id is None else product_id,
    )
    params: dict[str, str] = msgspec.to_builtins(query)
    return params


def _list_status(status: str) -> str:
    """Neutral status words to the list filter's words (``scheduled`` is ``upcoming``)."""
    return "upcoming" if status == "scheduled" else status


# -- wire -> neutral --------------------------------------------------------------


def promotion_from_created(data: wire.CreatedDiscount, *, alias: str, now: datetime) -> Promotion:
    """The neutral promotion described by a create response, V2- or V1-shaped.

    V2 answers carry ``status`` and ISO timestamps; V1-shaped ones have epoch-ms
    timestamps, ``coupons[].isActive``, ``productDiscount`` and no ``status``,
    which is then derived as for a detail (:func:`derived_status`).
    """
    coupon_type = _coupon_type(data.coupons)
    coupons = tuple(
        Coupon(
            code=coupon.code,
            id=coupon.id,
            coupon_type=_COUPON_TYPE_FROM_WIRE[coupon.type],
            active=coupon.is_active,
            expires_at=as_utc(coupon.expired_at),
        )
        for coupon in data.coupons
    )
    ends_at = as_utc(data.expired_at)
    products = tuple(product.id for product in data.products) or tuple(
        product for product in map(_product_id, data.product_discount) if product
    )
    with trusted():
        return Promotion(
            name=data.name,
            discount=wire_discount(data.discount_type, data.value, "$.data.value", alias, "create"),
            code=_reusable_code(coupon_type, coupons),
            coupon_type=coupon_type,
            min_purchase=data.minimum_purchase,
            limit=_limit(data.total_coupons),
            ends_at=ends_at,
            customers=_CUSTOMERS_FROM_WIRE[data.eligible_customer_type],
            products=products,
            id=data.id,
            provider=alias,
            status=derived_status(data.status, data.coupons, ends_at, now),
            coupons=coupons,
            created_at=as_utc(data.created_at),
        )


def promotion_from_detail(data: wire.DiscountDetail, *, alias: str, now: datetime) -> Promotion:
    """The neutral promotion described by a detail response (epoch-ms timestamps).

    The detail has no ``status``: it is derived from the coupons' ``isActive`` and
    ``expiredAt`` at ``now`` unless Mayar sends one.
    """
    coupon_type = _coupon_type(data.coupons)
    expired_at = data.expired_at
    ends_at = as_utc(expired_at)
    # One plain loop, not comprehensions: this runs for every detail read. A coupon
    # usually expires with its discount: the same wire value converts once.
    coupons: list[Coupon] = []
    any_active = False
    for coupon in data.coupons:
        active = coupon.is_active
        if active:
            any_active = True
        expires = coupon.expired_at
        coupons.append(
            Coupon(
                code=coupon.code,
                id=coupon.id,
                coupon_type=_COUPON_TYPE_FROM_WIRE[coupon.type],
                active=active,
                limit=coupon.limit,
                expires_at=ends_at if expires == expired_at else as_utc(expires),
                created_at=as_utc(coupon.created_at),
            )
        )
    products: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    if data.product_discount:
        products = tuple([p for p in map(_product_id, data.product_discount) if p])
        if len(products) != len(data.product_discount):
            # An item without a recognisable id (its shape is undocumented): reading
            # fewer products would widen the discount to more of them.
            unknown = ("products",)
    status: Status
    if data.status is not None:
        status = _STATUS_FROM_WIRE.get(data.status, "unknown")
    elif coupons and not any_active:
        status = "inactive"
    elif ends_at is not None and ends_at <= now:
        status = "expired"
    else:
        status = "active"  # the rule of derived_status, inlined: this runs per detail
    with trusted():
        return Promotion(
            name=data.name,
            discount=wire_discount(data.discount_type, data.value, "$.data.value", alias, "get"),
            code=_reusable_code(coupon_type, coupons),
            coupon_type=coupon_type,
            min_purchase=data.minimum_purchase,
            limit=_limit(data.total_coupons),
            ends_at=ends_at,
            customers=_CUSTOMERS_FROM_WIRE[data.eligible_customer_type],
            products=products,
            id=data.id,
            provider=alias,
            status=status,
            coupons=tuple(coupons),
            created_at=as_utc(data.created_at),
            unknown=unknown,
        )


def derived_status(
    status: str | None,
    coupons: Sequence[wire.CreatedCoupon | wire.DetailCoupon],
    ends_at: datetime | None,
    now: datetime,
) -> Status:
    """Mayar's ``status`` when sent, else derived from the coupons and the end date.

    ``inactive`` when every coupon says ``isActive: false``, ``expired`` once
    ``ends_at`` has passed, else ``active``. Coupons that do not say (V2 create)
    leave it to the end date.
    """
    if status is not None:
        return _STATUS_FROM_WIRE.get(status, "unknown")
    flags = [coupon.is_active for coupon in coupons if coupon.is_active is not None]
    if flags and not any(flags):
        return "inactive"
    if ends_at is not None and ends_at <= now:
        return "expired"
    return "active"


def promotion_from_summary(item: wire.DiscountSummary, *, alias: str, index: int) -> Promotion:
    """A list entry as a neutral promotion, as faithfully as the summary allows.

    The list entry has no coupon code, coupon type, discount type, minimum purchase,
    customer scope or quota, so ``code`` is ``None``, ``coupons`` is empty and
    ``coupon_type``, ``customers``, ``min_purchase`` and ``limit`` keep their neutral
    defaults and are listed in ``unknown`` (they are not facts). The discount kind is
    inferred: Mayar caps percentages at 99, so a ``discountValue`` above 99 is rupiah
    (:class:`Fixed`); one of 99 or less is read as a percentage and ``discount`` is
    unknown too. Call ``get`` for the exact promotion.
    """
    path = f"$.data.coupons[{index}].discountValue"
    monetary = item.discount_value > _HIGHEST_PERCENT
    kind: wire.DiscountKind = "monetary" if monetary else "percentage"
    with trusted():
        return Promotion(
            name=item.name,
            discount=wire_discount(kind, item.discount_value, path, alias, "list"),
            ends_at=as_utc(item.expired_at),
            products=tuple(product.id for product in item.products),
            id=item.id,
            provider=alias,
            status=_STATUS_FROM_WIRE.get(item.status, "unknown"),
            created_at=as_utc(item.created_at),
            unknown=_SUMMARY_UNKNOWN if monetary else ("discount", *_SUMMARY_UNKNOWN),
        )


# -- helpers ----------------------------------------------------------------------


def _quota(promotion: Promotion) -> Quota:
    limit = promotion.limit
    if not isinstance(limit, Quota):
        # The plan refuses this first; reaching here means the plan was skipped.
        raise UnsupportedFeature(
            "Mayar needs limit=Quota(uses) (discount.totalCoupons is mandatory)",
            provider=NAME,
            operation="create",
        )
    return limit


def _plain_decimal(value: wire.Number) -> Decimal:
    """``Decimal('1E+1')`` and ``Decimal('10.0')`` travel as ``10``."""
    if isinstance(value, int):
        return Decimal(value)
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def wire_discount(
    kind: wire.DiscountKind, value: wire.Number, path: str, alias: str, operation: str
) -> Discount:
    if kind == "percentage":
        return Percent(value=_plain_decimal(value))
    if isinstance(value, int):
        return Fixed(amount=value)
    if value != value.to_integral_value():
        raise field_error(
            path,
            f"a monetary discount must be whole rupiah, got {value}",
            provider=alias,
            operation=operation,
        )
    return Fixed(amount=int(value))


def _limit(total_coupons: int) -> Quota | None:
    return Quota(uses=total_coupons) if total_coupons > 0 else None


def _coupon_type(
    coupons: Sequence[wire.CreatedCoupon | wire.DetailCoupon],
) -> CouponType:
    if coupons and coupons[0].type == "onetime":
        return "single_use"
    return "reusable"


def _reusable_code(coupon_type: str, coupons: Sequence[Coupon]) -> str | None:
    if coupon_type == "reusable" and len(coupons) == 1:
        return coupons[0].code
    return None


def _product_id(item: wire.ProductDiscount) -> str | None:
    return item.product_id or item.payment_link_id or item.id
