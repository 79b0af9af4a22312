"""The seed documents, field for field: neutral -> wire bytes and wire -> neutral values."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest
from promokit_mayar import mapping, validating, wire

from promokit import Checkout, Coupon, Fixed, Percent, Quota, ResponseValidationError
from promokit.http import codec

from .conftest import compact, fixture_bytes, fixture_json, seed_promotion

ENDS = datetime(2030, 1, 1, 9, 6, 14, 933000, tzinfo=UTC)


def test_seed_002_request_body_is_byte_identical() -> None:
    body = mapping.encode_create(seed_promotion())

    assert msgspec.json.decode(body) == fixture_json("create_request.json")
    assert list(msgspec.json.decode(body)) == [
        "name",
        "expiredAt",
        "discount",
        "coupon",
        "products",
    ]
    assert body == compact("create_request.json")
    assert b'"products":[]' in body


def test_seed_002_request_fixture_round_trips_through_the_wire_struct() -> None:
    request = codec.decode(
        fixture_bytes("create_request.json"), wire.CreateRequest, provider="t", operation="create"
    )

    assert request == mapping.create_request(seed_promotion())
    assert codec.encode(request) == compact("create_request.json")


def test_seed_002_response_decodes_to_the_same_neutral_values() -> None:
    response = codec.decode(
        fixture_bytes("create_response.json"), wire.CreateResponse, provider="t", operation="create"
    )
    now = datetime(2026, 7, 1, tzinfo=UTC)
    created = mapping.promotion_from_created(response.data, alias="shop", now=now)
    sent = seed_promotion()

    for field in ("name", "discount", "code", "coupon_type", "currency", "min_purchase", "limit"):
        assert getattr(created, field) == getattr(sent, field), field
    for field in ("ends_at", "customers", "products", "description", "starts_at", "payment"):
        assert getattr(created, field) == getattr(sent, field), field
    assert created.id == "c9aa143a-53f9-44e7-a9c6-83229ad7199b"
    assert created.provider == "shop"
    assert created.status == "active"
    assert created.created_at == datetime(2026, 6, 29, 7, 12, 41, 29000, tzinfo=UTC)
    assert created.coupons == (
        Coupon(
            code="haribaik",
            id="532858fe-3722-4cf4-a8eb-f7c6765aba17",
            coupon_type="reusable",
            expires_at=ENDS,
        ),
    )
    assert created.draft() == msgspec.structs.replace(sent, currency="IDR")


@pytest.mark.parametrize(
    ("moment", "active", "status"),
    [
        (datetime(2026, 7, 1, tzinfo=UTC), True, "active"),
        (datetime(2031, 1, 1, tzinfo=UTC), True, "expired"),
        (datetime(2026, 7, 1, tzinfo=UTC), False, "inactive"),
    ],
)
def test_a_v1_shaped_create_answer_is_derived_as_the_detail_is(
    moment: datetime, active: bool, status: str
) -> None:
    # The V1 docs' create example: epoch ms, coupons[].isActive, productDiscount, no status.
    body = fixture_json("v1_create_response.json")
    body["data"]["coupons"][0]["isActive"] = active
    response = codec.decode(
        msgspec.json.encode(body), wire.CreateResponse, provider="t", operation="create"
    )
    created = mapping.promotion_from_created(response.data, alias="shop", now=moment)

    assert created.status == status
    assert created.coupons == (
        Coupon(code="haribaik", coupon_type="reusable", active=active, expires_at=ENDS),
    )
    assert created.created_at == datetime(2025, 8, 20, 4, 52, 41, 29000, tzinfo=UTC)
    assert created.ends_at == ENDS
    assert created.draft() == msgspec.structs.replace(seed_promotion(), currency="IDR")


def test_a_v1_shaped_create_answer_reads_products_from_product_discount() -> None:
    body = fixture_json("v1_create_response.json")
    body["data"]["productDiscount"] = [{"id": "pd1", "productId": "link-1"}]
    response = codec.decode(
        msgspec.json.encode(body), wire.CreateResponse, provider="t", operation="create"
    )
    created = mapping.promotion_from_created(
        response.data, alias="shop", now=datetime(2026, 7, 1, tzinfo=UTC)
    )
    assert created.products == ("link-1",)


def test_seed_004_detail_in_epoch_millis_decodes_to_the_same_values() -> None:
    response = codec.decode(
        fixture_bytes("detail_response.json"), wire.DetailResponse, provider="t", operation="get"
    )
    now = datetime(2026, 7, 1, tzinfo=UTC)
    detail = mapping.promotion_from_detail(response.data, alias="shop", now=now)

    assert detail.draft() == seed_promotion()
    assert detail.created_at == datetime(2025, 8, 20, 4, 52, 41, 29000, tzinfo=UTC)
    assert detail.ends_at == ENDS
    assert detail.status == "active"  # derived: the detail carries no status
    assert detail.coupons == (
        Coupon(
            code="haribaik",
            id="532858fe-3722-4cf4-a8eb-f7c6765aba17",
            coupon_type="reusable",
            active=True,
            limit=100,
            expires_at=ENDS,
            created_at=datetime(2025, 8, 20, 4, 52, 41, 256000, tzinfo=UTC),
        ),
    )


def test_the_same_instant_in_iso_and_in_millis_decodes_equal() -> None:
    created = codec.decode(
        fixture_bytes("create_response.json"), wire.CreateResponse, provider="t", operation="c"
    )
    detail = codec.decode(
        fixture_bytes("detail_response.json"), wire.DetailResponse, provider="t", operation="g"
    )

    assert codec.as_utc(created.data.expired_at) == codec.as_utc(detail.data.expired_at) == ENDS


def test_seed_001_validate_response_reads_discount_value() -> None:
    response = codec.decode(
        fixture_bytes("validate_response.json"),
        wire.ValidateResponse,
        provider="t",
        operation="validate",
    )
    checkout = Checkout(amount=250000, product_id="link")
    validation = validating.validation_from_result(
        response.data, checkout, alias="shop", message=response.messages
    )

    assert response.data.coupon is not None
    assert response.data.coupon.discount_value == Decimal(10)
    assert validation.valid is True
    assert validation.reason is None
    assert validation.discount_amount == 25000  # 10 % by the reference evaluator
    assert validation.coupon == Coupon(code="HARIBAIK", id="532858fe-3722-4cf4-a8eb-f7c6765aba17")
    assert validation.evaluated_locally is False


def test_a_validate_coupon_with_value_instead_of_discount_value_is_a_path_error() -> None:
    body = fixture_bytes("validate_response.json").replace(b'"discountValue"', b'"value"')

    with pytest.raises(ResponseValidationError) as caught:
        codec.decode(body, wire.ValidateResponse, provider="shop", operation="validate")

    assert caught.value.path == "$.data.coupon"
    assert "discountValue" in str(caught.value)


def test_validate_request_mirrors_the_documented_body() -> None:
    checkout = Checkout(
        amount=250000,
        product_id="9b5f6c2e-6a0e-4a8e-9d1c-1f2e3d4c5b6a",
        customer_email="budi@example.com",
    )
    request = validating.validate_request(
        "HARIBAIK", checkout, "9b5f6c2e-6a0e-4a8e-9d1c-1f2e3d4c5b6a"
    )

    assert codec.encode(request) == compact("validate_request.json")


def test_check_request_and_response_mirror_the_docs() -> None:
    assert codec.encode(wire.CheckRequest(coupon_code="HARIBAIK")) == compact("check_request.json")
    response = codec.decode(
        fixture_bytes("check_response.json"), wire.CheckResponse, provider="t", operation="usage"
    )

    usage = validating.usage_from_wire(response.data)

    assert (usage.code, usage.used, usage.limit, usage.remaining, usage.exhausted) == (
        "HARIBAIK",
        12,
        100,
        88,
        False,
    )


def test_list_response_decodes_with_cursor_fields_beside_data() -> None:
    response = codec.decode(
        fixture_bytes("list_response.json"), wire.ListResponse, provider="t", operation="list"
    )
    item = response.data.coupons[0]
    promotion = mapping.promotion_from_summary(item, alias="shop", index=0)

    assert response.has_more is False
    assert response.next_starting_after is None
    assert promotion.id == "c9aa143a-53f9-44e7-a9c6-83229ad7199b"
    assert promotion.name == "Diskon Akhir Tahun"
    assert promotion.discount == Fixed(amount=50000)
    assert promotion.products == ("4f7c1c1e-2b1a-4f0e-8a55-3f1f0c2d9e11",)
    assert promotion.created_at == datetime(2026, 1, 5, 4, 21, 37, 118000, tzinfo=UTC)
    assert promotion.ends_at == datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC)
    assert promotion.status == "active"
    # What a list entry cannot say stays empty rather than invented, and is unknown.
    assert (promotion.code, promotion.coupons, promotion.limit) == (None, (), None)
    assert promotion.unknown == (
        "code",
        "coupon_type",
        "min_purchase",
        "limit",
        "customers",
        "coupons",
    )
    assert promotion.draft().unknown == (
        "code",
        "coupon_type",
        "min_purchase",
        "limit",
        "customers",
    )


@pytest.mark.parametrize(
    ("value", "unknown"), [(50000, False), (100, False), (99, True), (10, True)]
)
def test_a_list_value_of_99_or_less_leaves_the_discount_kind_unknown(
    value: int, unknown: bool
) -> None:
    body = fixture_json("list_response.json")
    body["data"]["coupons"][0]["discountValue"] = value
    response = codec.decode(
        msgspec.json.encode(body), wire.ListResponse, provider="t", operation="list"
    )
    promotion = mapping.promotion_from_summary(response.data.coupons[0], alias="shop", index=0)
    assert ("discount" in promotion.unknown) is unknown


def test_a_detail_product_without_a_readable_id_makes_products_unknown() -> None:
    body = fixture_json("detail_response.json")
    body["data"]["productDiscount"] = [{"productId": "link-1"}, {"label": "Kelas"}]
    response = codec.decode(
        msgspec.json.encode(body), wire.DetailResponse, provider="t", operation="get"
    )
    read = mapping.promotion_from_detail(
        response.data, alias="shop", now=datetime(2026, 7, 1, tzinfo=UTC)
    )
    assert read.products == ("link-1",)
    assert read.unknown == ("products",)


def test_list_query_uses_mayar_parameter_names() -> None:
    params = mapping.list_query(
        page_size=3, cursor="1755665561029", status="scheduled", search="Diskon", product_id="p1"
    )

    assert params == {
        "limit": "3",
        "startingAfter": "1755665561029",
        "status": "upcoming",
        "search": "Diskon",
        "productId": "p1",
    }
    assert mapping.list_query(
        page_size=50, cursor=None, status=None, search=None, product_id=None
    ) == {"limit": "50"}


def test_every_wire_struct_links_its_mayar_docs_page() -> None:
    structs = [
        obj
        for _, obj in inspect.getmembers(wire, inspect.isclass)
        if issubclass(obj, msgspec.Struct) and obj.__module__ == wire.__name__
    ]

    assert len(structs) > 15
    for struct in structs:
        assert "https://docs.mayar.id/api-reference-v2" in (struct.__doc__ or ""), struct


def test_wire_field_names_are_camel_case_on_the_wire() -> None:
    assert msgspec.structs.fields(wire.DetailCoupon)[0].encode_name == "id"
    names = {f.encode_name for f in msgspec.structs.fields(wire.DiscountDetail)}
    assert {"createdAt", "expiredAt", "productDiscount", "isLifeTime", "totalCoupons"} <= names
    names = {f.encode_name for f in msgspec.structs.fields(wire.ListResponse)}
    assert {"statusCode", "hasMore", "nextStartingAfter"} <= names


def test_percent_and_quota_values_travel_as_plain_numbers() -> None:
    body = mapping.encode_create(
        seed_promotion(discount=Percent(value=Decimal("12.50")), limit=Quota(uses=7))
    )
    decoded = msgspec.json.decode(body)

    assert b'"value":12.5' in body
    assert decoded["discount"]["discountType"] == "percentage"
    assert decoded["discount"]["totalCoupons"] == 7
