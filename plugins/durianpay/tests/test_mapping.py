"""Neutral <-> wire mapping, checked against Durianpay's documented examples (no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from promokit_durianpay import mapping
from promokit_durianpay.emulator.checks import REQUIRED
from promokit_durianpay.manifest import plan_problems
from promokit_durianpay.wire import Promo, PromoEnvelope, PromoListEnvelope

import promokit
from promokit.errors import InvalidPromotion, ResponseValidationError
from promokit.http.codec import decode


def _decode(body: bytes, tp: type[Any]) -> Any:
    return decode(body, tp, provider="dp", operation="test")


def _promo(**fields: Any) -> Promo:
    base: dict[str, Any] = {
        "id": "prm_test",
        "label": "L",
        "discount": "10",
        "discount_type": "percentage",
        "type": "card_promos",
        "promo_details": {"bin_list": [424242]},
        "starts_at": "2030-01-01T00:00:00Z",
        "ends_at": "2030-02-01T00:00:00Z",
    }
    base.update(fields)
    return msgspec.convert(base, Promo, dec_hook=promokit.http.codec.dec_hook)


def _neutral(promo: Promo, **kwargs: Any) -> promokit.Promotion:
    return mapping.to_promotion(promo, provider="dp", operation="test", **kwargs)


def test_seed_example_produces_the_documented_body(
    seed_promotion: promokit.Promotion, fixture_json: Callable[[str], Any]
) -> None:
    body = mapping.request_body(seed_promotion)

    assert body == fixture_json("create_request.json")
    for field in REQUIRED:
        assert field in body, field
    assert body["min_order_amount"] == ""
    assert body["max_discount_amount"] == ""
    assert body["description"] == ""
    assert body["promo_type"] == ""
    assert body["currency"] == "IDR"
    assert body["starts_at"] == "2022-02-24T18:30:00.000Z"
    assert body["ends_at"] == "2022-02-27T18:30:00.000Z"
    assert body["promo_details"]["bin_list"] == [424242]


def test_seed_response_decodes_back_to_the_seed_values(
    seed_promotion: promokit.Promotion, fixture_bytes: Callable[[str], bytes]
) -> None:
    promo = _decode(fixture_bytes("create_response.json"), PromoEnvelope).data

    # The response omits the code, so create keeps the one it sent (passed here).
    decoded = _neutral(promo, code=seed_promotion.code)

    assert decoded.id == "prm_rdrZVRIhcq5927"
    assert decoded.status == "expired"
    assert decoded.provider == "dp"
    assert decoded.created_at == datetime(2022, 3, 6, 21, 55, 43, 412583, tzinfo=UTC)
    # The published response's label is "SALE50202" (request: "SALE502022"), a docs typo.
    assert decoded.name == "SALE50202"
    assert decoded.draft() == msgspec.structs.replace(
        seed_promotion, name="SALE50202", extensions={}
    )
    assert decoded.coupons[0].code == "SALE2022"
    assert decoded.coupons[0].limit == 100
    assert decoded.coupons[0].used == 0


def test_old_fetch_all_shape_decodes(fixture_bytes: Callable[[str], bytes]) -> None:
    page = _decode(fixture_bytes("fetch_all_response.json"), PromoListEnvelope)
    assert page.data is not None
    decoded = _neutral(page.data[0], at="$.data[0]")

    # numeric discount, "limit" instead of "limit_value", "direct_dicsount", no zone
    assert decoded.discount == promokit.Percent(value=Decimal(30), max_amount=75)
    assert decoded.limit == promokit.Quota(uses=50)
    assert decoded.reward == "discount"
    assert decoded.starts_at == datetime(2015, 5, 5, 12, 30, tzinfo=UTC)
    assert decoded.ends_at == datetime(2015, 5, 8, 12, 30, tzinfo=UTC)
    assert decoded.payment == promokit.CardScope(bins=("12", "23"), banks=("BCA",))
    assert decoded.min_purchase == 0
    assert decoded.status == "expired"
    assert decoded.code is None


def test_fetch_one_docs_example_is_unwrapped_and_decodes(
    fixture_bytes: Callable[[str], bytes],
) -> None:
    decoded = _neutral(_decode(fixture_bytes("fetch_one_response.json"), Promo), at="$")

    assert decoded.id == "prm_XXXXXXX"
    assert decoded.discount == promokit.Percent(value=Decimal(30), max_amount=75)
    assert decoded.limit == promokit.Quota(uses=50)


def test_update_docs_example_echoes_the_code(fixture_bytes: Callable[[str], bytes]) -> None:
    decoded = _neutral(_decode(fixture_bytes("update_response.json"), Promo), at="$")

    assert decoded.code == "PROMO1"
    assert decoded.coupons[0].code == "PROMO1"


def test_sdk_fixture_reads_promo_usage_and_is_live(fixture_bytes: Callable[[str], bytes]) -> None:
    promo = _decode(fixture_bytes("fetch_one_sdk_response.json"), PromoEnvelope).data

    assert promo.is_live is False
    assert promo.promo_usage == "0"
    assert promo.promo_details is not None
    assert promo.promo_details["promo_id"] == "prm_3eTlttAEF84045"
    assert mapping.used_of(promo, mapping.Where("dp", "test", "$.data")) == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-02-24T18:30:00Z", datetime(2022, 2, 24, 18, 30, tzinfo=UTC)),
        ("2022-02-24T18:30:00", datetime(2022, 2, 24, 18, 30, tzinfo=UTC)),
        ("2022-02-24T18:30:00.123Z", datetime(2022, 2, 24, 18, 30, 0, 123000, tzinfo=UTC)),
        ("2022-02-25T01:30:00+07:00", datetime(2022, 2, 24, 18, 30, tzinfo=UTC)),
        ("2022-03-06T21:55:43.412583Z", datetime(2022, 3, 6, 21, 55, 43, 412583, tzinfo=UTC)),
    ],
)
def test_timestamps_with_or_without_zone_and_fraction(raw: str, expected: datetime) -> None:
    decoded = _neutral(_promo(starts_at=raw, created_at=raw))

    assert decoded.starts_at == expected
    assert decoded.created_at == expected
    assert decoded.starts_at is not None
    assert decoded.starts_at.tzinfo is UTC


def test_amounts_arrive_as_strings_or_numbers() -> None:
    as_strings = _neutral(
        _promo(
            discount="15000",
            discount_type="flat",
            min_order_amount="50000",
            limit_type="budget",
            limit_value="1000000",
            promo_usage="25000",
        )
    )
    as_numbers = _neutral(
        _promo(
            discount=15000,
            discount_type="flat",
            min_order_amount=50000,
            limit_type="budget",
            limit_value=1000000,
            promo_usage=25000,
        )
    )

    assert as_strings == as_numbers
    assert as_strings.discount == promokit.Fixed(amount=15000)
    assert as_strings.limit == promokit.Budget(amount=1_000_000)
    assert as_strings.min_purchase == 50000


def test_unknown_status_reads_as_unknown() -> None:
    assert _neutral(_promo(status="paused")).status == "unknown"
    assert _neutral(_promo(status="")).status == "unknown"
    assert _neutral(_promo(status="active")).status == "active"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("discount_type", "bogo"),
        ("type", "qris_promos"),
        ("sub_type", "points"),
        ("price_deduction_type", "tax_price"),
        ("limit_type", "per_user"),
    ],
)
def test_an_unknown_enum_is_a_typed_error_at_its_path(field: str, value: str) -> None:
    promo = _promo(**{"limit_type": "quota", "limit_value": "5", field: value})

    with pytest.raises(ResponseValidationError) as caught:
        _neutral(promo, at="$.data[2]")

    assert caught.value.path == f"$.data[2].{field}"
    assert value in str(caught.value)


def test_a_non_numeric_amount_is_a_typed_error_at_its_path() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        _neutral(_promo(min_order_amount="lots"))

    assert caught.value.path == "$.data.min_order_amount"


def _echo(body: dict[str, Any]) -> Promo:
    """What Durianpay would answer for ``body``: the same fields plus an id."""
    return msgspec.convert(
        {**body, "id": "prm_echo", "status": "inactive"},
        Promo,
        dec_hook=promokit.http.codec.dec_hook,
    )


ROUND_TRIPS = {
    "percent with cap, minimum and quota": {
        "discount": promokit.Percent(value=Decimal("12.5"), max_amount=50_000),
        "min_purchase": 100_000,
        "limit": promokit.Quota(uses=10),
    },
    "fixed with budget, cashback on shipping": {
        "discount": promokit.Fixed(amount=15_000),
        "limit": promokit.Budget(amount=2_000_000),
        "reward": "cashback",
        "applies_to": "shipping",
    },
    "no limit, items, description": {
        "discount": promokit.Percent(value=Decimal(5)),
        "applies_to": "items",
        "description": "five percent",
    },
    "card by bank only": {"payment": promokit.CardScope(banks=("BCA", "MANDIRI"))},
    "e-wallet": {"payment": promokit.EwalletScope(wallets=("OVO", "DANA"))},
    "virtual account": {"payment": promokit.VirtualAccountScope(banks=("BNI",))},
    "zero minimum": {"min_purchase": 0},
    "no code": {"code": None},
}


@pytest.mark.parametrize("changes", list(ROUND_TRIPS.values()), ids=list(ROUND_TRIPS))
def test_neutral_round_trips_through_the_wire(
    seed_promotion: promokit.Promotion, changes: dict[str, Any]
) -> None:
    original = msgspec.structs.replace(seed_promotion, **changes)
    body = mapping.request_body(original)

    back = _neutral(_echo(body))

    # A read without a code (none sent, none echoed) says it does not know it.
    unknown = ("code",) if original.code is None else ()
    assert back.draft() == msgspec.structs.replace(original, unknown=unknown)


def test_wire_amounts_are_strings(seed_promotion: promokit.Promotion) -> None:
    promotion = msgspec.structs.replace(
        seed_promotion,
        discount=promokit.Percent(value=Decimal("7.50"), max_amount=25_000),
        min_purchase=10_000,
        limit=promokit.Budget(amount=500_000),
    )
    body = mapping.request_body(promotion)

    assert body["discount"] == "7.5"
    assert body["max_discount_amount"] == "25000"
    assert body["min_order_amount"] == "10000"
    assert (body["limit_type"], body["limit_value"]) == ("budget", "500000")


def test_no_limit_is_a_quota_with_an_empty_value(seed_promotion: promokit.Promotion) -> None:
    body = mapping.request_body(msgspec.structs.replace(seed_promotion, limit=None))

    assert (body["limit_type"], body["limit_value"]) == ("quota", "")


@pytest.mark.parametrize(
    ("scope", "kind", "details"),
    [
        (
            promokit.CardScope(bins=("424242", "51234567"), banks=("BCA",)),
            "card_promos",
            {"bin_list": [424242, 51234567], "bank_codes": ["BCA"]},
        ),
        (promokit.EwalletScope(wallets=("OVO",)), "ewallet_promos", {"wallet_types": ["OVO"]}),
        (promokit.VirtualAccountScope(banks=("BNI",)), "va_promos", {"bank_codes": ["BNI"]}),
    ],
)
def test_payment_scopes_become_type_and_promo_details(
    seed_promotion: promokit.Promotion, scope: Any, kind: str, details: dict[str, Any]
) -> None:
    body = mapping.request_body(msgspec.structs.replace(seed_promotion, payment=scope))

    assert body["type"] == kind
    assert body["promo_details"] == details


def test_extensions_override_fields_and_merge_promo_details(
    seed_promotion: promokit.Promotion,
) -> None:
    promotion = msgspec.structs.replace(
        seed_promotion,
        payment=promokit.EwalletScope(wallets=("OVO",)),
        extensions={
            "durianpay": {
                "promo_type": "special",
                "amount": "1000",
                "promo_details": {"ewallet_types": ["OVO"], "wallet_types": ["SHOPEEPAY"]},
            },
            "mayar": {"ignored": True},
        },
    )
    body = mapping.request_body(promotion)

    assert body["promo_type"] == "special"
    assert body["amount"] == "1000"
    assert body["promo_details"] == {"wallet_types": ["SHOPEEPAY"], "ewallet_types": ["OVO"]}
    assert "ignored" not in body


def test_a_cap_on_a_flat_promo_is_kept_in_extensions() -> None:
    decoded = _neutral(_promo(discount="5000", discount_type="flat", max_discount_amount="75"))

    assert decoded.discount == promokit.Fixed(amount=5000)
    assert decoded.extensions == {"durianpay": {"max_discount_amount": "75"}}
    assert mapping.request_body(decoded)["max_discount_amount"] == "75"


def test_a_zero_cap_or_limit_means_none() -> None:
    decoded = _neutral(_promo(max_discount_amount="0", limit_type="quota", limit_value="0"))

    assert decoded.discount == promokit.Percent(value=Decimal(10))
    assert decoded.limit is None


def test_a_bin_with_a_leading_zero_is_a_plan_problem(
    seed_promotion: promokit.Promotion,
) -> None:
    promotion = msgspec.structs.replace(
        seed_promotion, payment=promokit.CardScope(bins=("424242", "012345"))
    )

    problems = plan_problems(promotion)

    assert [problem.path for problem in problems] == ["payment.bins[1]"]


def test_to_payload_refuses_what_durianpay_requires(seed_promotion: promokit.Promotion) -> None:
    promotion = msgspec.structs.replace(seed_promotion, payment=None, ends_at=None)

    with pytest.raises(InvalidPromotion) as caught:
        mapping.to_payload(promotion)

    assert {problem.path for problem in caught.value.problems} == {"payment", "ends_at"}


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("10"), "10"), (Decimal("12.50"), "12.5"), (Decimal("1E+1"), "10"), (Decimal(3), "3")],
)
def test_decimal_text_never_uses_exponents_or_trailing_zeros(value: Decimal, text: str) -> None:
    assert mapping.decimal_text(value) == text
