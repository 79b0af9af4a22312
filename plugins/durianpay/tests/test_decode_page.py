"""decode_page: native RFC 3339 fast path, lenient fallback with the same results and errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from promokit_durianpay import mapping
from promokit_durianpay.wire import decode_page

from promokit.errors import ResponseValidationError

PROMO = {
    "id": "prm_1",
    "label": "SALE",
    "discount": "10",
    "discount_type": "percentage",
    "type": "card_promos",
    "status": "active",
}


def _page(**times: object) -> bytes:
    return json.dumps({"data": [{**PROMO, **times}]}).encode()


def _starts_at(body: bytes) -> datetime | None:
    (promo,) = decode_page(body, provider="durianpay", operation="list")
    return mapping.to_promotion(promo, provider="durianpay", operation="list").starts_at


@pytest.mark.parametrize(
    "value",
    [
        "2015-05-05T12:30:00",  # RFC 3339 without a zone: the fast path, read as UTC
        "2015-05-05T12:30:00Z",
        "2015-05-05T19:30:00+07:00",
        "2015-05-05T12:30",  # no seconds: only the lenient decoder reads it
        1430829000000,  # epoch milliseconds: likewise
    ],
)
def test_every_timestamp_form_reads_as_the_same_utc_instant(value: object) -> None:
    assert _starts_at(_page(starts_at=value)) == datetime(2015, 5, 5, 12, 30, tzinfo=UTC)


def test_null_or_missing_data_is_an_empty_page() -> None:
    assert decode_page(b'{"data": null}', provider="durianpay", operation="list") == ()
    assert decode_page(b"{}", provider="durianpay", operation="list") == ()


def test_a_bad_page_reports_the_lenient_decoders_path() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        decode_page(_page(starts_at="yesterday"), provider="durianpay", operation="list")
    assert caught.value.path == "$.data[0].starts_at"
