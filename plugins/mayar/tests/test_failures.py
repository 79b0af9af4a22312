"""Failure reading: statusCode authority, messages/message, unknown shapes, typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pytest
from aioresponses import aioresponses
from promokit_mayar.errors import error_info
from promokit_mayar.provider import MayarProvider
from yarl import URL

from promokit import (
    AuthenticationError,
    BadRequest,
    Checkout,
    Client,
    Conflict,
    NotFound,
    OutcomeUnknown,
    Problem,
    ProviderResponseError,
    ProviderServerError,
    RateLimited,
    Rejection,
    ResponseValidationError,
)
from promokit.http.transport import Response
from promokit.plugins import Plugins
from promokit.testing.mocked import needs_aioresponses

from .conftest import KEY, fixture_bytes, fixture_json, seed_promotion

BASE = "http://127.0.0.1:9/hl/v2"
DETAIL = f"{BASE}/coupons/c9aa143a-53f9-44e7-a9c6-83229ad7199b"


def response(
    status: int, body: bytes | dict[str, Any], *, method: str = "POST", url: str = BASE
) -> Response:
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    return Response(status=status, headers={}, body=raw, request_id="r1", method=method, url=url)


# -- error_info, unit ----------------------------------------------------------------


def test_success_envelopes_are_not_failures() -> None:
    assert error_info(response(200, fixture_bytes("create_response.json"))) is None
    assert error_info(response(200, {"statusCode": 200, "messages": "Success"})) is None
    assert error_info(response(200, {"message": "SUCCESS", "data": None})) is None


def test_http_200_with_an_error_status_code_is_a_failure() -> None:
    info = error_info(response(200, {"statusCode": 409, "messages": "Coupon code already in use"}))

    assert info is not None
    assert (info.status, info.message) == (409, "Coupon code already in use")


def test_http_200_with_messages_failed_carries_the_validator_issues() -> None:
    info = error_info(response(200, fixture_bytes("http200_failed.json")))

    assert info is not None
    assert info.status == 400
    assert info.message == "failed"
    assert info.fields == (
        Problem("discount.value", "The 'discount.value' field must be a positive number."),
    )


def test_the_singular_message_key_is_read_too() -> None:
    info = error_info(response(400, {"statusCode": 400, "message": "urlHook is required"}))

    assert info is not None
    assert info.message == "urlHook is required"


def test_a_status_code_sent_as_text_still_counts() -> None:
    info = error_info(response(200, {"statusCode": "401", "messages": "Unauthorized"}))

    assert info is not None
    assert info.status == 401


@pytest.mark.parametrize(
    ("status", "body", "expected_status"),
    [
        (502, b"<html><body>Bad Gateway</body></html>", 502),
        (400, b"[1, 2, 3]", 400),
        (500, b"", 500),
        (503, b'{"unexpected": true}', 503),
        (200, b'{"error": "boom"}', None),
    ],
)
def test_unknown_shapes_never_crash(status: int, body: bytes, expected_status: int | None) -> None:
    info = error_info(response(status, body))

    if expected_status is None:
        assert info is None  # a 2xx that is not an envelope is left to the strict decoder
    else:
        assert info is not None
        assert info.status == expected_status
        assert info.message


def test_a_500_on_detail_means_not_found_only_for_get() -> None:
    body = fixture_json("list_server_error.json")

    on_get = error_info(response(500, body, method="GET", url=DETAIL))
    on_list = error_info(response(500, body, method="GET", url=f"{BASE}/coupons"))
    on_create = error_info(response(500, body, method="POST", url=f"{BASE}/coupons/create"))

    assert on_get is not None
    assert on_get.status == 404
    assert "Internal Server Error" in on_get.message
    assert on_list is not None
    assert on_list.status == 500
    assert on_create is not None
    assert on_create.status == 500


# -- through the client, with aioresponses ----------------------------------------------------


@pytest.fixture
async def mocked_client(plugins: Plugins) -> AsyncIterator[tuple[Client, aioresponses]]:
    table = {"plugin": "mayar", "api_key": KEY, "base_url": BASE, "rate_limit": 100_000}
    with aioresponses() as mocked:
        async with Client.from_config(
            {"default": "shop", "ledger": ":memory:", "providers": {"shop": table}},
            plugins=plugins,
            sleep=no_sleep,
        ) as client:
            yield client, mocked


async def no_sleep(_: float) -> None:
    return None


def sent(mocked: aioresponses, method: str, url: str) -> list[Any]:
    calls: list[Any] = mocked.requests.get((method, URL(url)), [])
    return calls


Mocked = tuple[Client, aioresponses]


@needs_aioresponses()
async def test_authorization_and_json_headers_are_sent(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.post(f"{BASE}/coupons/create", body=fixture_bytes("create_response.json"))

    await client.create(seed_promotion())

    (call,) = sent(mocked, "POST", f"{BASE}/coupons/create")
    headers = call.kwargs["headers"]
    assert headers["Authorization"].encode() == b"Bearer Paste-Your-API-Key-Here"
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"
    assert call.kwargs["data"] == msgspec.json.encode(fixture_json("create_request.json"))


@needs_aioresponses()
async def test_create_http_200_with_409_body_is_conflict(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.post(
        f"{BASE}/coupons/create",
        status=200,
        payload={"statusCode": 409, "messages": "Coupon code already in use", "data": None},
        headers={"X-Request-Id": "mayar-req-1"},
    )

    with pytest.raises(Conflict) as caught:
        await client.create(seed_promotion())

    assert caught.value.status == 409
    assert caught.value.message == "Coupon code already in use"
    assert caught.value.request_id == "mayar-req-1"
    assert caught.value.provider == "shop"


@needs_aioresponses()
async def test_create_http_200_failed_is_bad_request_with_fields(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.post(f"{BASE}/coupons/create", status=200, body=fixture_bytes("http200_failed.json"))

    with pytest.raises(BadRequest) as caught:
        await client.create(seed_promotion())

    assert [f.path for f in caught.value.fields] == ["discount.value"]
    assert caught.value.problems == caught.value.fields


@needs_aioresponses()
async def test_validation_error_issues_become_field_problems(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.post(
        f"{BASE}/coupons/create", status=400, body=fixture_bytes("create_validation_error.json")
    )

    with pytest.raises(BadRequest) as caught:
        await client.create(seed_promotion())

    assert caught.value.message == "Validation Error"
    assert caught.value.fields == (Problem("products[0]", "The 'products[0]' must be an Object."),)
    assert "products[0]: The 'products[0]' must be an Object." in str(caught.value)


@needs_aioresponses()
async def test_a_500_on_get_is_not_found_and_not_retried(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.get(DETAIL, status=500, body=fixture_bytes("list_server_error.json"))

    with pytest.raises(NotFound) as caught:
        await client.get("c9aa143a-53f9-44e7-a9c6-83229ad7199b")

    assert caught.value.status == 404
    assert len(sent(mocked, "GET", DETAIL)) == 1


@needs_aioresponses()
async def test_a_500_on_list_stays_a_server_error(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    url = f"{BASE}/coupons?limit=10"
    mocked.get(url, status=500, body=fixture_bytes("list_server_error.json"), repeat=True)

    with pytest.raises(ProviderServerError) as caught:
        _ = [promotion async for promotion in client.list()]

    assert caught.value.status == 500
    assert caught.value.message == "Internal Server Error"


@needs_aioresponses()
async def test_list_validation_error_with_null_data(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.get(
        f"{BASE}/coupons?limit=10", status=400, body=fixture_bytes("list_validation_error.json")
    )

    with pytest.raises(BadRequest) as caught:
        _ = [promotion async for promotion in client.list()]

    assert (caught.value.message, caught.value.fields) == ("Validation Error", ())


@needs_aioresponses()
async def test_an_unknown_create_outcome_is_looked_up_by_code_not_resent(
    mocked_client: Mocked,
) -> None:
    client, mocked = mocked_client
    mocked.post(f"{BASE}/coupons/create", status=502, body=b"<html>Bad Gateway</html>")
    listing = fixture_json("list_response.json")
    listing["data"]["coupons"][0]["name"] = "Diskon Murmer"
    mocked.get(f"{BASE}/coupons?limit=10&search=Diskon+Murmer", payload=listing)
    mocked.get(DETAIL, body=fixture_bytes("detail_response.json"))

    found = await client.create(seed_promotion())

    assert found.reconciled is True
    assert found.id == "c9aa143a-53f9-44e7-a9c6-83229ad7199b"
    assert found.code == "haribaik"
    assert len(sent(mocked, "POST", f"{BASE}/coupons/create")) == 1


@needs_aioresponses()
async def test_html_error_on_a_generated_code_create_is_never_resent(
    mocked_client: Mocked,
) -> None:
    client, mocked = mocked_client
    mocked.post(f"{BASE}/coupons/create", status=502, body=b"<html>Bad Gateway</html>")

    with pytest.raises(OutcomeUnknown) as caught:
        await client.create(seed_promotion(code=None))

    assert isinstance(caught.value.__cause__, ProviderServerError)
    assert caught.value.__cause__.status == 502
    assert len(sent(mocked, "POST", f"{BASE}/coupons/create")) == 1


@needs_aioresponses()
async def test_html_under_http_200_is_a_provider_response_error(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.get(DETAIL, status=200, body=b"<html>maintenance</html>")

    with pytest.raises(ProviderResponseError) as caught:
        await client.get("c9aa143a-53f9-44e7-a9c6-83229ad7199b")

    assert caught.value.kind == "not_json"
    assert caught.value.outcome == "unknown"
    assert len(sent(mocked, "GET", DETAIL)) == 1  # a 200 is an answer: not retried


@needs_aioresponses()
async def test_a_detail_missing_a_documented_field_names_its_path(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    body = fixture_json("detail_response.json")
    del body["data"]["coupons"][0]["isActive"]
    mocked.get(DETAIL, payload=body)

    with pytest.raises(ResponseValidationError) as caught:
        await client.get("c9aa143a-53f9-44e7-a9c6-83229ad7199b")

    assert caught.value.path == "$.data.coupons[0]"
    assert "isActive" in str(caught.value)
    assert caught.value.operation == "get"


@needs_aioresponses()
async def test_401_is_an_authentication_error(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.post(
        f"{BASE}/coupons/check",
        status=401,
        payload={"statusCode": 401, "messages": "Unauthorized", "data": None},
    )

    with pytest.raises(AuthenticationError) as caught:
        await client.usage("HARIBAIK")

    assert caught.value.message == "Unauthorized"
    assert KEY not in str(caught.value) + repr(caught.value)


@needs_aioresponses()
async def test_429_is_rate_limited_with_retry_after(plugins: Plugins) -> None:
    table = {"plugin": "mayar", "api_key": KEY, "base_url": BASE, "max_retries": 0}
    with aioresponses() as mocked:
        mocked.post(
            f"{BASE}/coupons/check",
            status=429,
            payload={"statusCode": 429, "messages": "Too Many Requests", "data": None},
            headers={"Retry-After": "7"},
        )
        async with Client.from_config(
            {"ledger": ":memory:", "providers": {"shop": table}}, plugins=plugins
        ) as client:
            with pytest.raises(RateLimited) as caught:
                await client.usage("HARIBAIK")

    assert caught.value.retry_after == 7.0
    assert caught.value.retryable is True


@needs_aioresponses()
async def test_usage_404_is_not_found_with_the_documented_message(mocked_client: Mocked) -> None:
    client, mocked = mocked_client
    mocked.post(f"{BASE}/coupons/check", status=404, body=fixture_bytes("check_not_found.json"))

    with pytest.raises(NotFound) as caught:
        await client.usage("NOPE")

    assert caught.value.message == "Kode kupon tidak ditemukan."


@needs_aioresponses()
async def test_validate_http_200_with_a_refusal_in_the_body_is_a_result(
    mocked_client: Mocked,
) -> None:
    client, mocked = mocked_client
    text = "Gagal! Kode diskon ini sudah tidak aktif."
    mocked.post(
        f"{BASE}/coupons/validate",
        status=200,
        payload={"statusCode": 400, "messages": text, "data": None},
    )

    validation = await client.validate("HARIBAIK", Checkout(amount=10, product_id="p"))

    assert (validation.valid, validation.reason, validation.message) == (
        False,
        Rejection.INACTIVE,
        text,
    )


@needs_aioresponses()
async def test_validate_sends_post_read_only_and_retries_a_server_error(
    plugins: Plugins,
) -> None:
    table = {"plugin": "mayar", "api_key": KEY, "base_url": BASE, "max_retries": 2}
    url = f"{BASE}/coupons/validate"
    with aioresponses() as mocked:
        mocked.post(url, status=503, payload={"statusCode": 503, "messages": "Unavailable"})
        mocked.post(url, body=fixture_bytes("validate_response.json"))
        async with Client.from_config(
            {"ledger": ":memory:", "providers": {"shop": table}}, plugins=plugins, sleep=no_sleep
        ) as client:
            validation = await client.validate("HARIBAIK", Checkout(amount=100000, product_id="p"))
        calls = sent(mocked, "POST", url)

    assert validation.valid is True
    assert validation.discount_amount == 10000
    assert len(calls) == 2  # idempotent=True: a read-only POST may be retried


@needs_aioresponses()
async def test_the_provider_class_is_the_error_parser(mocked_client: Mocked) -> None:
    client, _ = mocked_client
    provider = client.provider()
    parser: Callable[[Response], object] = provider.http.error_parser

    assert isinstance(provider, MayarProvider)
    assert parser(response(200, {"statusCode": 404, "messages": "x"})) is not None


@pytest.mark.parametrize(
    ("body", "failed"),
    [
        (b'{"statusCode":200,"messages":"success","data":{}}', False),  # the fast path
        (b'{"statusCode": 200, "messages": "success", "data": {}}', False),  # parsed
        (b'{"statusCode":200,"messages":"failed","data":[]}', True),
        (b'{"statusCode":200,"messages":"successful","data":{}}', False),  # parsed: 200 wins
        (b'{"statusCode":400,"messages":"success","data":{}}', True),
    ],
)
def test_the_documented_success_prefix_skips_parsing_and_nothing_else(
    body: bytes, failed: bool
) -> None:
    response = Response(
        status=200, headers={}, body=body, request_id="r", method="GET", url="https://m/x"
    )
    assert (error_info(response) is not None) is failed
