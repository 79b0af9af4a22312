"""msgspec Structs mirroring Mayar's coupon API v2 JSON field for field (camelCase on the wire)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from promokit.sdk import Timestamp

PATH_PREFIX = "/hl/v2"
"""Where Mayar's V2 API lives on every host (and on the emulator)."""

DOCS = "https://docs.mayar.id/api-reference-v2"
"""Root of the Mayar API v2 reference every Struct below links to."""

DiscountKind = Literal["monetary", "percentage"]
CustomerKind = Literal["all", "new", "old"]
CouponKind = Literal["reusable", "onetime"]
Number = int | Decimal
"""A discount value as Mayar answers it: whole numbers decode as ``int`` (no Decimal
built for the common ``100000`` or ``10``), any other number as an exact ``Decimal``."""


class Wire(msgspec.Struct, rename="camel", kw_only=True, gc=False):
    """Base of every Mayar wire Struct: Python snake_case, camelCase on the wire.

    ``gc=False``: wire values hold decoded JSON (or request fields) only and never
    take part in a reference cycle, so the cycle collector need not track them.

    Unknown response fields are ignored (Mayar adds fields without notice); every
    documented field is declared, so the JSON path of a mismatch is exact.
    Timestamps are :data:`promokit.http.codec.Timestamp` (epoch milliseconds or ISO 8601
    text, decoded natively; read with ``codec.as_utc``), because Mayar's pages
    disagree on the format.
    Docs: https://docs.mayar.id/api-reference-v2/introduction
    """


class Envelope(Wire, kw_only=True):
    """The V2 envelope ``{"statusCode", "messages", "data"}``.

    Docs: https://docs.mayar.id/api-reference-v2/introduction — some endpoints
    write the singular ``message`` instead of ``messages``, so both are declared.
    """

    status_code: int
    messages: str | None = None
    message: str | None = None


# -- POST /coupons/create ---------------------------------------------------------


class ProductRef(Wire, kw_only=True):
    """One ``products[]`` item: an object with the payment-link ``id``, never a bare string.

    Docs: https://docs.mayar.id/api-reference-v2/discount/create
    """

    id: str


class DiscountSpec(Wire, kw_only=True):
    """The ``discount`` object of the create request (field order as in the docs' example).

    Docs: https://docs.mayar.id/api-reference-v2/discount/create
    """

    discount_type: DiscountKind
    eligible_customer_type: CustomerKind
    minimum_purchase: int | UnsetType = UNSET
    value: Decimal
    total_coupons: int


class CouponSpec(Wire, kw_only=True):
    """The ``coupon`` object of the create request; ``code`` is honoured for reusable only.

    Docs: https://docs.mayar.id/api-reference-v2/discount/create
    """

    code: str | UnsetType = UNSET
    type: CouponKind


class CreateRequest(Wire, kw_only=True):
    """Body of ``POST /hl/v2/coupons/create``; ``expiredAt`` is ISO 8601 text.

    Docs: https://docs.mayar.id/api-reference-v2/discount/create
    """

    name: str
    expired_at: str | UnsetType = UNSET
    discount: DiscountSpec
    coupon: CouponSpec
    products: list[ProductRef] = msgspec.field(default_factory=list)


class CreatedCoupon(Wire, kw_only=True):
    """One ``data.coupons[]`` item of the create response; ``id`` is omitted for onetime.

    V1-shaped answers carry ``isActive`` and no ``id``.
    Docs: https://docs.mayar.id/api-reference-v2/discount/create and
    https://docs.mayar.id/api-reference/discount/create (V1)
    """

    id: str | None = None
    code: str
    type: CouponKind
    expired_at: Timestamp | None = None
    is_active: bool | None = None


class CreatedDiscount(Wire, kw_only=True):
    """``data`` of the create response; timestamps are ISO 8601 here.

    V1-shaped answers (the V1 docs, public V1 clients' fixtures) have epoch-ms
    timestamps, no ``status``, and ``productDiscount`` instead of ``products``.
    Docs: https://docs.mayar.id/api-reference-v2/discount/create and
    https://docs.mayar.id/api-reference/discount/create (V1)
    """

    id: str
    name: str
    discount_type: DiscountKind
    value: Number
    minimum_purchase: int | None = None
    eligible_customer_type: CustomerKind
    total_coupons: int
    discount_product_type: str | None = None
    expired_at: Timestamp | None = None
    is_life_time: bool | None = None
    status: str | None = None
    coupons: list[CreatedCoupon] = msgspec.field(default_factory=list)
    products: list[ProductRef] = msgspec.field(default_factory=list)
    product_discount: list[ProductDiscount] = msgspec.field(default_factory=list)
    created_at: Timestamp


class CreateResponse(Envelope, kw_only=True):
    """Response of ``POST /hl/v2/coupons/create``.

    Docs: https://docs.mayar.id/api-reference-v2/discount/create
    """

    data: CreatedDiscount


# -- GET /coupons/{uuid} ----------------------------------------------------------


class DetailCoupon(Wire, kw_only=True):
    """One ``data.coupons[]`` item of the detail response; timestamps are epoch ms here.

    Docs: https://docs.mayar.id/api-reference-v2/discount/detail
    """

    id: str
    code: str
    created_at: Timestamp | None = None
    discount_id: str | None = None
    end_month_trial: str | None = None
    expired_at: Timestamp | None = None
    is_active: bool
    limit: int
    type: CouponKind
    updated_at: Timestamp | None = None
    user_id: str | None = None


class ProductDiscount(Wire, kw_only=True):
    """One ``data.productDiscount[]`` item: its shape is **not documented**.

    These are the names looked for, in the order :mod:`promokit_mayar.mapping`
    trusts them: ``productId``, ``paymentLinkId``, then ``id``.
    Docs: https://docs.mayar.id/api-reference-v2/discount/detail
    """

    id: str | None = None
    product_id: str | None = None
    payment_link_id: str | None = None
    discount_id: str | None = None


class DiscountDetail(Wire, kw_only=True):
    """``data`` of the detail response: epoch-ms timestamps and, per the docs, no ``status``.

    Docs: https://docs.mayar.id/api-reference-v2/discount/detail
    """

    id: str
    created_at: Timestamp
    expired_at: Timestamp | None = None
    product_discount: list[ProductDiscount] = msgspec.field(default_factory=list)
    discount_type: DiscountKind
    discount_product_type: str | None = None
    eligible_customer_type: CustomerKind
    name: str
    minimum_purchase: int | None = None
    is_life_time: bool | None = None
    total_coupons: int
    value: Number
    coupons: list[DetailCoupon] = msgspec.field(default_factory=list)
    status: str | None = None


class DetailResponse(Envelope, kw_only=True):
    """Response of ``GET /hl/v2/coupons/{uuId}``.

    Docs: https://docs.mayar.id/api-reference-v2/discount/detail
    """

    data: DiscountDetail


# -- POST /coupons/validate -------------------------------------------------------


class ValidateRequest(Wire, kw_only=True):
    """Body of ``POST /hl/v2/coupons/validate``; ``amount`` defaults to 0 on Mayar's side.

    Docs: https://docs.mayar.id/api-reference-v2/discount/validate
    """

    coupon_code: str
    payment_link_id: str
    amount: int | UnsetType = UNSET
    customer_email: str | UnsetType = UNSET
    membership_tier_id: str | UnsetType = UNSET
    payment_link_type: str | UnsetType = UNSET
    tickets: list[dict[str, Any]] | UnsetType = UNSET


class ValidatedCoupon(Wire, kw_only=True):
    """``data.coupon`` of the validate response: note ``discountValue``, not ``value``.

    Docs: https://docs.mayar.id/api-reference-v2/discount/validate
    """

    id: str
    code: str
    discount_type: DiscountKind
    discount_value: Number
    minimum_purchase: int | None = None
    eligible_customer_type: CustomerKind


class ValidateResult(Wire, kw_only=True):
    """``data`` of the validate response.

    Docs: https://docs.mayar.id/api-reference-v2/discount/validate
    """

    valid: bool
    coupon: ValidatedCoupon | None = None


class ValidateResponse(Envelope, kw_only=True):
    """Response of ``POST /hl/v2/coupons/validate``.

    Docs: https://docs.mayar.id/api-reference-v2/discount/validate
    """

    data: ValidateResult


# -- POST /coupons/check ----------------------------------------------------------


class CheckRequest(Wire, kw_only=True):
    """Body of ``POST /hl/v2/coupons/check``: the code, 1 to 50 characters.

    Docs: https://docs.mayar.id/api-reference-v2/discount/check
    """

    coupon_code: str


class CouponUsage(Wire, kw_only=True):
    """``data`` of the check response; ``limit`` 0 means unlimited.

    Docs: https://docs.mayar.id/api-reference-v2/discount/check
    """

    coupon_code: str
    is_used: bool
    total_used: int
    limit: int
    remaining: int


class CheckResponse(Envelope, kw_only=True):
    """Response of ``POST /hl/v2/coupons/check``.

    Docs: https://docs.mayar.id/api-reference-v2/discount/check
    """

    data: CouponUsage


# -- GET /coupons -----------------------------------------------------------------


class ListQuery(Wire, kw_only=True):
    """Query parameters of ``GET /hl/v2/coupons`` (cursor pagination plus filters).

    Docs: https://docs.mayar.id/api-reference-v2/discount
    """

    limit: str
    starting_after: str | UnsetType = UNSET
    status: str | UnsetType = UNSET
    search: str | UnsetType = UNSET
    product_id: str | UnsetType = UNSET


class ListProduct(Wire, kw_only=True):
    """One ``products[]`` item of a list entry.

    Docs: https://docs.mayar.id/api-reference-v2/discount
    """

    id: str
    name: str | None = None


class DiscountSummary(Wire, kw_only=True):
    """One discount campaign of the list: no codes, no discount type, no minimum purchase.

    Docs: https://docs.mayar.id/api-reference-v2/discount
    """

    id: str
    name: str
    status: str
    discount_value: Number
    total_usage: int = 0
    created_at: Timestamp
    expired_at: Timestamp | None = None
    products: list[ListProduct] = msgspec.field(default_factory=list)


class DiscountPage(Wire, kw_only=True):
    """``data`` of the list response: an object holding ``coupons``, not an array.

    Docs: https://docs.mayar.id/api-reference-v2/discount
    """

    coupons: list[DiscountSummary]


class ListResponse(Envelope, kw_only=True):
    """Response of ``GET /hl/v2/coupons``; the cursor fields sit beside ``data``.

    Docs: https://docs.mayar.id/api-reference-v2/discount
    """

    data: DiscountPage
    has_more: bool = False
    next_starting_after: str | None = None


# -- failures ---------------------------------------------------------------------


class ValidationIssue(Wire, kw_only=True):
    """One item of the validator's issue array found in ``data`` of a failed request.

    Docs: https://docs.mayar.id/api-reference-v2/statuscode (shape observed live)
    """

    type: str | None = None
    message: str
    field: str | None = None
    expected: Any | UnsetType = UNSET
    actual: Any | UnsetType = UNSET
