"""Neutral <-> wire mapping rules that the seed examples do not exercise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
from promokit_mayar import mapping, validating, wire

from promokit import (
    BadRequest,
    Checkout,
    Conflict,
    Fixed,
    NotFound,
    Percent,
    Problem,
    Quota,
    Rejection,
    ResponseValidationError,
)
from promokit.http import codec

from .conftest import fixture_bytes, seed_promotion

NOW = datetime(2026, 7, 1, tzinfo=UTC)


def body_of(**changes: object) -> dict[str, object]:
    decoded: dict[str, object] = msgspec.json.decode(
        mapping.encode_create(seed_promotion(**changes))
    )
    return decoded


@pytest.mark.parametrize(
    ("neutral", "mayar"), [("all", "all"), ("new", "new"), ("returning", "old")]
)
def test_customers_map_to_eligible_customer_type(neutral: str, mayar: str) -> None:
    assert body_of(customers=neutral)["discount"]["eligibleCustomerType"] == mayar  # type: ignore[index]


def test_single_use_is_onetime_and_never_sends_a_code() -> None:
    body = body_of(coupon_type="single_use", code=None, limit=Quota(uses=50))

    assert body["coupon"] == {"type": "onetime"}
    assert body["discount"]["totalCoupons"] == 50  # type: ignore[index]


def test_products_are_objects_with_an_id_never_bare_strings() -> None:
    body = body_of(products=("p-1", "p-2"))

    assert body["products"] == [{"id": "p-1"}, {"id": "p-2"}]


def test_optional_fields_are_omitted_not_null() -> None:
    body = body_of(ends_at=None, min_purchase=None, code=None)

    assert "expiredAt" not in body
    assert "minimumPurchase" not in body["discount"]  # type: ignore[operator]
    assert body["coupon"] == {"type": "reusable"}


def test_ends_at_is_sent_as_iso_with_milliseconds_in_utc() -> None:
    from zoneinfo import ZoneInfo

    jakarta = datetime(2030, 1, 1, 16, 6, 14, 933000, tzinfo=ZoneInfo("Asia/Jakarta"))

    assert body_of(ends_at=jakarta)["expiredAt"] == "2030-01-01T09:06:14.933Z"


@pytest.mark.parametrize(
    ("value", "sent"),
    [("10", b'"value":10,'), ("1E+1", b'"value":10,'), ("12.50", b'"value":12.5,')],
)
def test_percent_values_are_normalised(value: str, sent: bytes) -> None:
    body = mapping.encode_create(seed_promotion(discount=Percent(value=Decimal(value))))

    assert sent in body


def test_mayar_extensions_are_appended_to_the_create_body_verbatim() -> None:
    promotion = seed_promotion(
        extensions={"mayar": {"futureField": {"a": 1}, "ratio": 0.1}, "durianpay": {"x": 1}}
    )
    body = mapping.encode_create(promotion)
    decoded = msgspec.json.decode(body)

    assert list(decoded)[-2:] == ["futureField", "ratio"]
    assert decoded["futureField"] == {"a": 1}
    assert b'"ratio":0.1' in body
    assert "x" not in decoded
    assert body.startswith(mapping.encode_create(seed_promotion())[:-1])


# -- refusals ---------------------------------------------------------------------

# Literal strings from the docs (seed 001), deliberately not imported from the plugin.
DOCUMENTED_REFUSALS = [
    ("Gagal! Kode diskon ini tidak ditemukan.", Rejection.NOT_FOUND),
    ("Gagal! Kode diskon ini sudah tidak aktif.", Rejection.INACTIVE),
    ("Gagal! Kode diskon ini belum berlaku dan tidak dapat digunakan.", Rejection.NOT_STARTED),
    ("Gagal! Kode diskon ini telah kadaluarsa dan tidak dapat digunakan.", Rejection.EXPIRED),
    (
        "Gagal! Kode diskon tidak dapat digunakan untuk produk Payment Request",
        Rejection.PRODUCT_NOT_ELIGIBLE,
    ),
    (
        "Kode diskon ini hanya berlaku untuk transaksi dengan harga minimal 500000.",
        Rejection.MIN_PURCHASE_NOT_MET,
    ),
    (
        "Kode diskon ini hanya berlaku untuk transaksi dengan harga minimal Rp 500.000.",
        Rejection.MIN_PURCHASE_NOT_MET,
    ),
    ("Gagal! Kode diskon ini hanya untuk pelanggan baru.", Rejection.CUSTOMER_NOT_ELIGIBLE),
    ("This coupon is for existing customers only", Rejection.CUSTOMER_NOT_ELIGIBLE),
    (
        "Gagal! Kode diskon telah mencapai batas pemakaian dan tidak dapat digunakan kembali.",
        Rejection.USAGE_LIMIT_REACHED,
    ),
    ("Gagal! Sesuatu yang baru.", Rejection.UNKNOWN),
]


@pytest.mark.parametrize(("message", "reason"), DOCUMENTED_REFUSALS)
def test_each_documented_message_maps_to_its_neutral_reason(
    message: str, reason: Rejection
) -> None:
    assert validating.rejection_for(message) is reason


@pytest.mark.parametrize(("message", "reason"), DOCUMENTED_REFUSALS)
def test_a_400_refusal_becomes_an_invalid_validation_keeping_the_text(
    message: str, reason: Rejection
) -> None:
    error = BadRequest(message, provider="shop", status=400)

    validation = validating.refusal_from_error(error, alias="shop")

    assert validation is not None
    assert (validation.valid, validation.reason, validation.message) == (False, reason, message)
    assert validation.provider == "shop"


def test_validator_failures_are_errors_not_refusals() -> None:
    issues = (Problem("couponCode", "The 'couponCode' field is required."),)

    assert validating.refusal_from_error(BadRequest("Validation Error"), alias="s") is None
    assert validating.refusal_from_error(BadRequest("x", fields=issues), alias="s") is None
    assert validating.refusal_from_error(BadRequest("failed"), alias="s") is None
    assert validating.refusal_from_error(Conflict("Coupon code already in use"), alias="s") is None


def test_a_404_counts_only_with_mayars_not_found_wording() -> None:
    found = validating.refusal_from_error(
        NotFound("Gagal! Kode diskon ini tidak ditemukan.", status=404), alias="s"
    )

    assert found is not None
    assert found.reason is Rejection.NOT_FOUND
    assert validating.refusal_from_error(NotFound("404: Not Found"), alias="s") is None


def test_a_valid_false_answer_is_an_unknown_refusal() -> None:
    result = wire.ValidateResult(valid=False)

    validation = validating.validation_from_result(
        result, Checkout(amount=1, product_id="p"), alias="s", message="success"
    )

    assert (validation.valid, validation.reason) == (False, Rejection.UNKNOWN)


@pytest.mark.parametrize(
    ("kind", "value", "amount", "expected"),
    [
        ("monetary", Decimal(100000), 250000, 100000),
        ("monetary", Decimal(100000), 40000, 40000),  # never more than the amount
        ("percentage", Decimal("12.5"), 99999, 12499),  # rounded down
        ("percentage", Decimal(99), 1000, 990),
    ],
)
def test_discount_amount_comes_from_the_reference_evaluator(
    kind: wire.DiscountKind, value: Decimal, amount: int, expected: int
) -> None:
    result = wire.ValidateResult(
        valid=True,
        coupon=wire.ValidatedCoupon(
            id="c", code="X", discount_type=kind, discount_value=value, eligible_customer_type="all"
        ),
    )

    validation = validating.validation_from_result(
        result, Checkout(amount=amount, product_id="p"), alias="s", message=None
    )

    assert validation.discount_amount == expected


# -- reads --------------------------------------------------------------------------


def detail(**changes: object) -> wire.DiscountDetail:
    response = codec.decode(
        fixture_bytes("detail_response.json"), wire.DetailResponse, provider="t", operation="g"
    )
    return msgspec.structs.replace(response.data, **changes)


def test_detail_status_is_derived_from_is_active_and_expired_at() -> None:
    active = detail()
    coupon = msgspec.structs.replace(active.coupons[0], is_active=False)
    ends = codec.as_utc(active.expired_at)
    assert ends is not None

    assert mapping.promotion_from_detail(active, alias="s", now=NOW).status == "active"
    assert mapping.promotion_from_detail(active, alias="s", now=ends).status == "expired"
    inactive = detail(coupons=[coupon])
    assert mapping.promotion_from_detail(inactive, alias="s", now=NOW).status == "inactive"
    never = detail(expired_at=None)
    later = ends + timedelta(days=3650)
    assert mapping.promotion_from_detail(never, alias="s", now=later).status == "active"
    sent = detail(status="upcoming")
    assert mapping.promotion_from_detail(sent, alias="s", now=NOW).status == "scheduled"


def test_detail_products_come_from_product_discount() -> None:
    rows = [
        wire.ProductDiscount(id="row-1", product_id="link-1", discount_id="d"),
        wire.ProductDiscount(payment_link_id="link-2"),
    ]

    promotion = mapping.promotion_from_detail(detail(product_discount=rows), alias="s", now=NOW)

    assert promotion.products == ("link-1", "link-2")


def test_onetime_detail_is_single_use_without_a_promotion_code() -> None:
    base = detail()
    coupons = [
        msgspec.structs.replace(
            base.coupons[0], id=f"c{n}", code=f"CODE{n}", type="onetime", limit=1
        )
        for n in range(3)
    ]

    promotion = mapping.promotion_from_detail(detail(coupons=coupons), alias="s", now=NOW)

    assert promotion.coupon_type == "single_use"
    assert promotion.code is None
    assert [c.code for c in promotion.coupons] == ["CODE0", "CODE1", "CODE2"]
    assert {c.coupon_type for c in promotion.coupons} == {"single_use"}


def test_a_fractional_monetary_value_is_a_response_error_with_its_path() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        mapping.promotion_from_detail(detail(value=Decimal("10.5")), alias="shop", now=NOW)

    assert caught.value.path == "$.data.value"
    assert caught.value.provider == "shop"


@pytest.mark.parametrize(
    ("value", "discount"),
    [
        (Decimal(100), Fixed(amount=100)),
        (Decimal(50000), Fixed(amount=50000)),
        (Decimal(99), Percent(value=Decimal(99))),
        (Decimal("12.5"), Percent(value=Decimal("12.5"))),
    ],
)
def test_list_entries_infer_the_kind_from_the_99_percent_cap(
    value: Decimal, discount: object
) -> None:
    item = wire.DiscountSummary(
        id="d",
        name="Diskon",
        status="upcoming",
        discount_value=value,
        created_at=NOW,  # type: ignore[arg-type]
    )

    promotion = mapping.promotion_from_summary(item, alias="s", index=0)

    assert promotion.discount == discount
    assert promotion.status == "scheduled"


def test_usage_limit_zero_means_unlimited() -> None:
    usage = validating.usage_from_wire(
        wire.CouponUsage(coupon_code="X", is_used=False, total_used=40, limit=0, remaining=0)
    )

    assert (usage.used, usage.limit, usage.remaining, usage.exhausted) == (40, None, None, False)


def test_exhausted_follows_is_used() -> None:
    usage = validating.usage_from_wire(
        wire.CouponUsage(coupon_code="X", is_used=True, total_used=5, limit=5, remaining=0)
    )

    assert (usage.limit, usage.remaining, usage.exhausted) == (5, 0, True)
