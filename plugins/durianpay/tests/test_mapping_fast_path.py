"""The mapping's fast path gives exactly what the checked path gives, or steps aside."""

from __future__ import annotations

import copy
import gc
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import msgspec
import pytest
from promokit_durianpay import fast_path, mapping, wire
from promokit_durianpay.wire import NativePromo, Promo, decode_page, decode_promo

from promokit import codec
from promokit.errors import ResponseValidationError
from promokit.model import Percent

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTED = json.loads((FIXTURES / "fetch_one_response.json").read_bytes())


def _native(promo: dict[str, Any]) -> NativePromo:
    return codec.decoder(NativePromo, lax=True).decode(json.dumps(promo).encode())


def _checked(promo: Promo, code: str | None = None) -> Any:
    return mapping._checked_promotion(promo, "durianpay", "get", "$", code, None)


def _variant(**changes: Any) -> dict[str, Any]:
    promo = copy.deepcopy(DOCUMENTED)
    promo.update(changes)
    return promo


# The four timestamps as live responses send them ("...Z"), the fast path's common case.
ZULU = {
    "starts_at": "2026-01-05T12:30:00Z",
    "ends_at": "2026-02-05T12:30:00.000Z",
    "created_at": "2026-01-01T08:00:00.412583Z",
    "updated_at": "2026-01-02T09:15:00Z",
}


# Every value the fast path reads, in each of its common forms.
COMMON = [
    pytest.param(_variant(), id="documented"),
    pytest.param(_variant(discount_type="flat", discount=15000, max_discount_amount=""), id="flat"),
    pytest.param(
        _variant(discount_type="flat", discount="15000.0", max_discount_amount="0"), id="flat-text"
    ),
    pytest.param(_variant(discount="12.5", max_discount_amount=75000), id="percent-fraction"),
    pytest.param(_variant(discount=7, max_discount_amount=None), id="percent-number"),
    pytest.param(_variant(limit_type="budget", limit_value="5000000"), id="budget"),
    pytest.param(_variant(limit_type="quota", limit_value="", limit=25), id="old-limit"),
    pytest.param(_variant(limit_type="quota", limit_value="0"), id="zero-quota"),
    pytest.param(_variant(limit_type="", limit_value="", limit=""), id="no-limit"),
    pytest.param(
        _variant(type="ewallet_promos", promo_details={"wallet_types": ["OVO"]}), id="ewallet"
    ),
    pytest.param(_variant(type="va_promos", promo_details={"bank_codes": ["BNI"]}), id="va"),
    pytest.param(
        _variant(type="card_promos", promo_details={"bin_list": [412345, "523456"]}), id="card-bins"
    ),
    pytest.param(
        _variant(sub_type="cashback", price_deduction_type="shipping_price"), id="cashback"
    ),
    pytest.param(_variant(sub_type="", price_deduction_type=""), id="empty-enums"),
    pytest.param(_variant(description="", currency=""), id="empty-texts"),
    pytest.param(_variant(description="Lebaran", currency="USD"), id="texts"),
    pytest.param(_variant(code="", promo_usage="3"), id="no-code"),
    pytest.param(_variant(code="HEMAT", promo_usage=""), id="unused"),
    pytest.param(_variant(min_order_amount="", starts_at=None), id="no-minimum"),
    pytest.param(_variant(min_order_amount=0), id="zero-minimum"),
    pytest.param(
        _variant(discount="-5", discount_type="flat", max_discount_amount=""), id="negative"
    ),
    pytest.param(_variant(ends_at="2026-01-05T19:30:00"), id="no-zone"),
    pytest.param(_variant(**ZULU), id="zulu"),
    pytest.param(_variant(**{**ZULU, "updated_at": None}), id="zulu-but-one-missing"),
    pytest.param(_variant(**{**ZULU, "starts_at": None}), id="zulu-no-start"),
    pytest.param(_variant(**{**ZULU, "updated_at": "2026-01-02T09:15:00"}), id="zulu-one-naive"),
    pytest.param(
        _variant(**{**ZULU, "created_at": "2026-01-01T08:00:00+00:00"}), id="zulu-offset-0"
    ),
    pytest.param(_variant(discount="30"), id="percent-whole-text"),
    pytest.param(_variant(discount="1e1"), id="percent-exponent"),
    pytest.param(_variant(discount="030"), id="percent-leading-zero"),
    pytest.param(
        _variant(discount="-0", discount_type="flat", max_discount_amount=""), id="flat-minus-zero"
    ),
    pytest.param(
        _variant(discount=10**22, discount_type="flat", max_discount_amount=""), id="flat-huge"
    ),
]


@pytest.mark.parametrize("promo", COMMON)
def test_the_fast_path_reads_common_forms_exactly_as_the_checked_path(
    promo: dict[str, Any],
) -> None:
    native = _native(promo)
    fast = fast_path.plain_promotion(native, "durianpay", "FALLBACK")
    assert fast is not None
    assert fast == _checked(native, "FALLBACK")
    # ...and as the lenient wire Struct read by the checked path.
    lenient = codec.decode(json.dumps(promo).encode(), Promo, provider="d", operation="get")
    assert fast == _checked(lenient, "FALLBACK")
    assert msgspec.json.encode(fast) == msgspec.json.encode(_checked(lenient, "FALLBACK"))


# Forms the fast path leaves to the checked path (which reads or refuses them).
UNCOMMON = [
    pytest.param(_variant(discount_type="flat", discount="10.5"), id="fractional-flat"),
    pytest.param(_variant(discount_type="flat", max_discount_amount="5000"), id="flat-cap"),
    pytest.param(_variant(limit_type="", limit_value="7"), id="limit-without-type"),
    pytest.param(_variant(starts_at="2026-01-05T19:30:00+07:00"), id="offset-zone"),
    pytest.param(_variant(created_at=1430829000000), id="epoch-ms"),
    pytest.param(_variant(**{**ZULU, "updated_at": 1430829000000}), id="zulu-one-epoch-ms"),
    pytest.param(
        _variant(**{**ZULU, "ends_at": "2026-02-05T19:30:00+07:00"}), id="zulu-one-offset"
    ),
    pytest.param(_variant(discount="NaN"), id="nan"),
    # Lax decoding reads "-0" as the int 0; the checked path keeps Decimal("-0").
    pytest.param(_variant(discount="-0"), id="percent-minus-zero"),
    pytest.param(_variant(discount=None), id="no-discount"),
    # A scope whose list is missing is unknown, never "all": the checked path says so.
    pytest.param(_variant(type="va_promos", promo_details=None), id="va-no-details"),
    pytest.param(_variant(type="ewallet_promos", promo_details={}), id="ewallet-no-wallets"),
    pytest.param(_variant(promo_details={"bin_list": [], "bank_codes": []}), id="card-empty"),
]


def test_an_unknown_details_key_sends_the_body_to_the_lenient_decoder() -> None:
    promo = _variant(type="ewallet_promos", promo_details={"ewallet_types": ["OVO"]})
    with pytest.raises(msgspec.ValidationError):
        _native(promo)


@pytest.mark.parametrize("promo", UNCOMMON)
def test_the_fast_path_steps_aside_for_uncommon_forms(promo: dict[str, Any]) -> None:
    native = _native(promo)
    assert fast_path.plain_promotion(native, "durianpay", None) is None
    checked: Any
    try:
        checked = _checked(native)
    except ResponseValidationError as error:
        checked = error
    try:
        result: Any = mapping.to_promotion(native, provider="durianpay", operation="get", at="$")
    except ResponseValidationError as error:
        result = error
    if isinstance(checked, ResponseValidationError):
        assert isinstance(result, ResponseValidationError)
        assert result.path == checked.path
    else:
        assert result == checked


# Enumeration values the native twin does not know: the body is decoded leniently.
UNKNOWN_ENUMS = [
    pytest.param(_variant(status="paused"), "unknown", id="unknown-status"),
    pytest.param(_variant(discount_type="bogus"), "$.discount_type", id="unknown-discount-type"),
    pytest.param(_variant(limit_type="weekly"), "$.limit_type", id="unknown-limit-type"),
    pytest.param(_variant(type="qris_promos"), "$.type", id="unknown-promo-type"),
    pytest.param(_variant(sub_type="voucher"), "$.sub_type", id="unknown-sub-type"),
    pytest.param(
        _variant(price_deduction_type="tax"), "$.price_deduction_type", id="unknown-deduction"
    ),
]


@pytest.mark.parametrize(("promo", "outcome"), UNKNOWN_ENUMS)
def test_unknown_enumerations_step_aside_to_the_lenient_decoder(
    promo: dict[str, Any], outcome: str
) -> None:
    body = json.dumps({"data": [DOCUMENTED, promo]}).encode()
    page = decode_page(body, provider="durianpay", operation="list")
    # One unknown value sends the whole page to the lenient Struct, never to an error.
    assert [type(item) for item in page] == [Promo, Promo]
    if outcome.startswith("$"):
        with pytest.raises(ResponseValidationError) as caught:
            mapping.to_promotions(enumerate(page), provider="durianpay", operation="list")
        assert caught.value.path == outcome.replace("$", "$.data[1]")
        return
    first, second = mapping.to_promotions(enumerate(page), provider="durianpay", operation="list")
    assert second.status == outcome
    # The documented promo beside it reads exactly as it does natively.
    assert first == fast_path.plain_promotion(_native(DOCUMENTED), "durianpay", None)


def test_pages_and_single_promos_decode_natively_when_they_can() -> None:
    body = json.dumps({"data": [DOCUMENTED, DOCUMENTED]}).encode()
    promos = decode_page(body, provider="durianpay", operation="list")
    assert [type(promo) for promo in promos] == [NativePromo, NativePromo]
    bare = decode_promo(
        json.dumps(DOCUMENTED).encode(), wrapped=False, provider="durianpay", operation="get"
    )
    assert type(bare) is NativePromo
    # A timestamp without seconds is beyond the native decoder: the lenient one reads it.
    odd = decode_promo(
        json.dumps({"data": _variant(starts_at="2015-05-05T12:30")}).encode(),
        wrapped=True,
        provider="durianpay",
        operation="get",
    )
    assert type(odd) is Promo


def test_extensions_always_take_the_checked_path() -> None:
    native = _native(_variant())
    promotion = mapping.to_promotion(
        native,
        provider="durianpay",
        operation="create",
        extensions={"durianpay": {"is_live": True}},
    )
    assert promotion.extensions == {"durianpay": {"is_live": True}}


def test_decoded_promos_stay_out_of_the_cycle_collector() -> None:
    # gc=False on the wire Structs: a page adds no tracked objects of its own
    # (only the lists inside, which CPython tracks by itself).
    body = json.dumps({"data": [DOCUMENTED, DOCUMENTED]}).encode()
    promos = decode_page(body, provider="durianpay", operation="list")
    assert not any(gc.is_tracked(promo) for promo in promos)
    assert not any(gc.is_tracked(promo.promo_details) for promo in promos)


def test_the_native_enumerations_are_the_ones_the_mapping_reads() -> None:
    # The fast path looks these up without a fallback: a value the native twin
    # decodes must have a meaning there, and every meaning must be decodable.
    assert set(get_args(wire.KnownStatus)) == set(fast_path.STATUS_OF)
    assert set(get_args(wire.KnownSubType)) == set(fast_path.REWARD_OF)
    assert set(get_args(wire.KnownDeduction)) == set(fast_path.APPLIES_TO_OF)
    assert set(get_args(wire.KnownType)) == {mapping.CARD, mapping.EWALLET, mapping.VA}
    assert set(get_args(wire.KnownDiscountType)) == {mapping.PERCENTAGE, mapping.FLAT}
    assert set(get_args(wire.KnownLimitType)) == {mapping.QUOTA, mapping.BUDGET, ""}


@pytest.mark.parametrize("percent", [1, 30, 99, 100, 101, 250])
def test_whole_percentages_read_the_same_shared_or_not(percent: int) -> None:
    native = _native(_variant(discount=percent, max_discount_amount=""))
    fast = fast_path.plain_promotion(native, "durianpay", None)
    assert fast is not None
    assert isinstance(fast.discount, Percent)
    assert fast.discount.value == Decimal(percent)
    assert str(fast.discount.value) == str(percent)
