"""Codec policy: named lenient types, cached decoders, errors with JSON paths."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest

from promokit import ResponseValidationError
from promokit.http import codec


class Stamped(msgspec.Struct):
    at: codec.Instant
    ms: codec.EpochMillis | None = None
    amount: codec.StrInt = None


def decode(data: bytes) -> Stamped:
    return codec.decode(data, Stamped, provider="p", operation="get", request_id="r1")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"1755665561029", datetime(2025, 8, 20, 4, 52, 41, 29000, tzinfo=UTC)),
        (b'"2030-01-01T09:06:14.933Z"', datetime(2030, 1, 1, 9, 6, 14, 933000, tzinfo=UTC)),
        (b'"2022-02-24T18:30:00Z"', datetime(2022, 2, 24, 18, 30, tzinfo=UTC)),
        (b'"2015-05-05T12:30:00"', datetime(2015, 5, 5, 12, 30, tzinfo=UTC)),
        (b'"2022-03-06T21:55:43.412583Z"', datetime(2022, 3, 6, 21, 55, 43, 412583, tzinfo=UTC)),
        (b'"2022-02-25T01:30:00+07:00"', datetime(2022, 2, 24, 18, 30, tzinfo=UTC)),
    ],
)
def test_instant_reads_every_timestamp_form(raw: bytes, expected: datetime) -> None:
    value = decode(b'{"at":' + raw + b"}").at
    assert value == expected
    assert value.tzinfo is not None  # RFC 3339 with a zone keeps it (read in C)
    utc = codec.as_utc(value)
    assert utc == expected
    assert utc is not None
    assert utc.tzinfo is UTC


class Page(msgspec.Struct):
    items: list[Stamped] | None = None
    plain: int = 0


def test_decode_reads_instants_natively_and_falls_back_to_the_hook() -> None:
    # The core derives the native form once per type: a subclass, Instant -> datetime.
    native = codec.native_type(Page)
    assert native is not Page
    assert issubclass(native, Page)
    assert codec.native_type(native) is native  # nothing left to derive
    assert codec.native_type(msgspec.Struct) is msgspec.Struct  # nothing to derive
    body = b'{"items":[{"at":"2030-01-01T00:00:00Z","amount":"7"}],"plain":1}'
    fast = codec.decode(body, Page, provider="p", operation="list")
    assert isinstance(fast, Page)
    assert fast.items is not None
    assert type(fast.items[0].at) is datetime  # no hook ran
    assert fast.items[0].amount == "7"  # strict as before: text stays text
    # Equal to the same values built as the declared Struct, either way round.
    built = Page(items=[Stamped(at=datetime(2030, 1, 1, tzinfo=UTC), amount="7")], plain=1)
    assert fast == built
    assert built == fast
    assert fast != Page(items=[], plain=1)
    # Without a zone (or without seconds) the body takes the lenient hook: UTC.
    for text in (b'"2015-05-05T12:30:00"', b'"2015-05-05T12:30"'):
        slow = codec.decode(b'{"items":[{"at":' + text + b"}]}", Page, provider="p", operation="x")
        assert slow.items is not None
        assert type(slow.items[0].at) is codec.Instant
        assert slow.items[0].at.tzinfo is UTC
    # A body neither reads: the lenient type's error and path.
    with pytest.raises(ResponseValidationError) as raised:
        codec.decode(b'{"items":[{"at":"soon"}]}', Page, provider="p", operation="list")
    assert raised.value.path == "$.items[0].at"


def test_epoch_millis_rejects_text_with_a_path() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        decode(b'{"at":1,"ms":"2020-01-01"}')
    assert caught.value.path == "$.ms"
    assert caught.value.provider == "p"
    assert caught.value.request_id == "r1"


def test_wrong_type_names_provider_operation_and_path() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        decode(b'{"at":true}')
    error = caught.value
    assert (error.provider, error.operation, error.path) == ("p", "get", "$.at")
    assert "$.at" in str(error)


def test_garbage_is_a_response_validation_error() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        decode(b"<html>")
    assert caught.value.path == "$"


def test_decoders_are_built_once() -> None:
    assert codec.decoder(Stamped) is codec.decoder(Stamped)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", None), (None, None), ("100", 100), (100, 100), (" 7 ", 7), ("10.0", 10)],
)
def test_to_int(raw: codec.StrInt, expected: int | None) -> None:
    assert codec.to_int(raw, path="$.x", provider="p", operation="o") == expected


@pytest.mark.parametrize("raw", ["abc", "1.5", True, "NaN"])
def test_to_int_refuses_with_a_path(raw: codec.StrInt) -> None:
    with pytest.raises(ResponseValidationError) as caught:
        codec.to_int(raw, path="$.data.limit_value", provider="p", operation="o")
    assert caught.value.path == "$.data.limit_value"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10", Decimal(10)),
        (30, Decimal(30)),
        (12.5, Decimal("12.5")),
        ("", None),
        ("0.1", Decimal("0.1")),
    ],
)
def test_to_decimal_is_exact(raw: codec.StrDecimal, expected: Decimal | None) -> None:
    assert codec.to_decimal(raw, path="$", provider="p", operation="o") == expected


def test_iso_millis_is_the_documented_form() -> None:
    moment = datetime(2030, 1, 1, 9, 6, 14, 933000, tzinfo=UTC)
    assert codec.iso_millis(moment) == "2030-01-01T09:06:14.933Z"
    assert codec.iso_millis(datetime(2022, 2, 24, 18, 30, tzinfo=UTC)) == "2022-02-24T18:30:00.000Z"


def test_encode_writes_decimals_as_numbers() -> None:
    assert codec.encode({"value": Decimal("12.5")}) == b'{"value":12.5}'


class Native(msgspec.Struct):
    at: codec.Timestamp | None = None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"1755665561029", datetime(2025, 8, 20, 4, 52, 41, 29000, tzinfo=UTC)),
        (b'"2030-01-01T09:06:14.933Z"', datetime(2030, 1, 1, 9, 6, 14, 933000, tzinfo=UTC)),
        (b'"2015-05-05T12:30:00"', datetime(2015, 5, 5, 12, 30, tzinfo=UTC)),
        (b'"2022-02-25T01:30:00+07:00"', datetime(2022, 2, 24, 18, 30, tzinfo=UTC)),
    ],
)
def test_timestamp_decodes_natively_and_as_utc_reads_both_forms(
    raw: bytes, expected: datetime
) -> None:
    value = codec.decode(b'{"at":' + raw + b"}", Native, provider="p", operation="get").at
    moment = codec.as_utc(value)
    assert moment == expected
    assert moment is not None
    assert moment.tzinfo is UTC
    assert type(moment) is datetime


@pytest.mark.parametrize("raw", [b"-62135596800001", b"253402300800000", b'"2015-05-05T12:30"'])
def test_timestamp_refuses_what_no_datetime_can_hold_with_its_path(raw: bytes) -> None:
    with pytest.raises(ResponseValidationError) as raised:
        codec.decode(b'{"at":' + raw + b"}", Native, provider="p", operation="get")
    assert raised.value.path == "$.at"


def test_to_int_reads_whole_numbers_written_otherwise_and_refuses_a_fraction() -> None:
    assert codec.to_int("15000.0", path="$.x", provider="p", operation="get") == 15000
    assert codec.to_int("1e3", path="$.x", provider="p", operation="get") == 1000
    with pytest.raises(ResponseValidationError, match="whole number"):
        codec.to_int("10.5", path="$.x", provider="p", operation="get")
