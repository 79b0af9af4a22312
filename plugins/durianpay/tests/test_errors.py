"""Every Durianpay error shape becomes a typed error with its code, message and request id."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aioresponses import aioresponses
from multidict import CIMultiDict
from promokit_durianpay.provider import DurianpayProvider

import promokit
from promokit.errors import (
    AuthenticationError,
    BadRequest,
    Conflict,
    NotFound,
    Problem,
    ProviderError,
    ProviderResponseError,
    ProviderServerError,
    RateLimited,
    ResponseValidationError,
)
from promokit.http.transport import Response
from promokit.testing.mocked import needs_aioresponses

PROMOS = "https://api.durianpay.id/v1/merchants/promos"


def _response(status: int, body: bytes, content_type: str = "application/json") -> Response:
    return Response(
        status=status,
        headers=CIMultiDict({"Content-Type": content_type}),
        body=body,
        request_id="pk_local_1",
        method="GET",
        url=PROMOS,
    )


@pytest.mark.parametrize(
    ("fixture", "status", "code", "message", "request_id"),
    [
        (
            "error_400_read_body.json",
            400,
            "DPAY_INTERNAL_ERROR",
            "error reading request body",
            None,
        ),
        (
            "error_400_invalid_request.json",
            400,
            "DPAY_INVALID_REQUEST",
            "invalid skip and limit parameter",
            "dp_1lRGmHZClt3882",
        ),
        (
            "error_401.json",
            401,
            "DPAY_UNAUTHORIZED_ACCESS",
            "invalid Authorization header in request",
            None,
        ),
        ("error_500_create.json", 500, None, "error creating promo", None),
        ("error_500_fetch.json", 500, "DPAY_INTERNAL_ERROR", "error getting promos", None),
        ("error_500_delete.json", 500, "DPAY_INTERNAL_ERROR", "error deleting promo", None),
    ],
)
def test_documented_error_bodies(
    fixture_bytes: Callable[[str], bytes],
    fixture: str,
    status: int,
    code: str | None,
    message: str,
    request_id: str | None,
) -> None:
    info = DurianpayProvider.parse_error(_response(status, fixture_bytes(fixture)))

    assert info is not None
    assert (info.status, info.code, info.message, info.request_id) == (
        status,
        code,
        message,
        request_id,
    )


def test_field_errors_without_an_error_key(fixture_bytes: Callable[[str], bytes]) -> None:
    info = DurianpayProvider.parse_error(_response(400, fixture_bytes("error_400_errors.json")))

    assert info is not None
    assert info.status == 400
    assert info.code == "DPAY_INVALID_REQUEST"
    assert info.request_id == "dp_kQzTfWvYhM4821"
    assert info.fields == (Problem("label", "can't be blank"),)
    assert info.message == "label: can't be blank"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (409, b'{"error":"promo with label SALE already exists","error_code":"DPAY_X"}'),
        (400, b'{"error":"label already exists","error_code":"DPAY_INVALID_REQUEST"}'),
        (400, b'{"error":"duplicate label","error_code":"DPAY_INVALID_REQUEST"}'),
        (
            400,
            b'{"error_code":"DPAY_INVALID_REQUEST",'
            b'"errors":[{"field":"label","message":"has already been taken"}]}',
        ),
    ],
)
def test_a_duplicate_label_is_a_conflict(status: int, body: bytes) -> None:
    info = DurianpayProvider.parse_error(_response(status, body))

    assert info is not None
    assert info.status == 409
    assert info.code in ("DPAY_INVALID_REQUEST", "DPAY_X")


@pytest.mark.parametrize(
    "body",
    [
        b'{"error":"discount is invalid","error_code":"DPAY_INVALID_REQUEST"}',
        b'{"error":"promo with label X does not exists","error_code":"DPAY_INVALID_REQUEST"}',
        b'{"errors":[{"field":"label","message":"can\'t be blank"}]}',
        b'{"errors":[{"field":"code","message":"has already been taken"}]}',
    ],
)
def test_other_bad_requests_stay_bad_requests(body: bytes) -> None:
    info = DurianpayProvider.parse_error(_response(400, body))

    assert info is not None
    assert info.status == 400


def test_message_and_business_failure_shapes() -> None:
    with_message = DurianpayProvider.parse_error(_response(403, b'{"message":"forbidden"}'))
    business = DurianpayProvider.parse_error(
        _response(422, b'{"data":{"status":"failed","reason":"promo is not applicable"}}')
    )

    assert with_message is not None
    assert with_message.message == "forbidden"
    assert business is not None
    assert business.message == "promo is not applicable"


@pytest.mark.parametrize(
    ("status", "body", "content_type", "wanted"),
    [
        (502, b"<html><body>Bad Gateway</body></html>", "text/html", "text/html"),
        (500, b"", "application/json", "empty body"),
        (500, b"   ", "application/json", "empty body"),
        (400, b'[{"error":"x"}]', "application/json", "not a Durianpay error"),
        (404, b"{}", "application/json", "not a Durianpay error"),
        (500, b'{"error": 5}', "application/json", "not a Durianpay error"),
        (503, b"\xff\xfe garbage", "application/octet-stream", "not a Durianpay error"),
    ],
)
def test_unknown_shapes_still_give_an_error_for_the_status(
    status: int, body: bytes, content_type: str, wanted: str
) -> None:
    info = DurianpayProvider.parse_error(_response(status, body, content_type))

    assert info is not None
    assert info.status == status
    assert f"HTTP {status}" in info.message
    assert wanted in info.message


def test_the_unauthorized_code_is_an_authentication_failure_whatever_the_status() -> None:
    body = b'{"error":"invalid Authorization header","error_code":"DPAY_UNAUTHORIZED_ACCESS"}'
    info = DurianpayProvider.parse_error(_response(400, body))

    assert info is not None
    assert info.status == 401


def test_success_is_not_an_error() -> None:
    assert DurianpayProvider.parse_error(_response(200, b'{"data":[]}')) is None


# -- through the core transport, against aioresponses ---------------------------------------


@pytest.mark.parametrize(
    ("status", "fixture", "error_class", "code"),
    [
        (400, "error_400_errors.json", BadRequest, "DPAY_INVALID_REQUEST"),
        (400, "error_400_read_body.json", BadRequest, "DPAY_INTERNAL_ERROR"),
        (401, "error_401.json", AuthenticationError, "DPAY_UNAUTHORIZED_ACCESS"),
        (500, "error_500_create.json", ProviderServerError, None),
    ],
)
@needs_aioresponses()
async def test_create_failures_are_typed(
    mocked_client: promokit.Client,
    seed_promotion: promokit.Promotion,
    fixture_bytes: Callable[[str], bytes],
    status: int,
    fixture: str,
    error_class: type[ProviderError],
    code: str | None,
) -> None:
    provider = mocked_client.provider("dp")
    with aioresponses() as mocked:
        mocked.post(PROMOS, status=status, body=fixture_bytes(fixture))
        with pytest.raises(error_class) as caught:
            await provider.create(seed_promotion)
        calls = sum(len(requests) for requests in mocked.requests.values())

    assert caught.value.code == code
    assert caught.value.status == status
    assert caught.value.provider == "dp"
    assert caught.value.operation == "create"
    assert calls == 1, "a create is never blindly resent"


@needs_aioresponses()
async def test_field_errors_reach_the_exception(
    mocked_client: promokit.Client,
    seed_promotion: promokit.Promotion,
    fixture_bytes: Callable[[str], bytes],
) -> None:
    with aioresponses() as mocked:
        mocked.post(PROMOS, status=400, body=fixture_bytes("error_400_errors.json"))
        with pytest.raises(BadRequest) as caught:
            await mocked_client.provider("dp").create(seed_promotion)

    assert caught.value.fields == (Problem("label", "can't be blank"),)
    assert caught.value.request_id == "dp_kQzTfWvYhM4821"
    assert caught.value.outcome == "rejected"


@needs_aioresponses()
async def test_our_request_id_is_kept_when_durianpay_sends_none(
    mocked_client: promokit.Client, fixture_bytes: Callable[[str], bytes]
) -> None:
    with aioresponses() as mocked:
        mocked.delete(PROMOS + "/prm_1", status=401, body=fixture_bytes("error_401.json"))
        with pytest.raises(AuthenticationError) as caught:
            await mocked_client.delete("prm_1")

    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("pk_")


@needs_aioresponses()
async def test_a_404_is_not_found(mocked_client: promokit.Client) -> None:
    body = b'{"error":"promo does not exists","error_code":"DPAY_PROMO_NOT_FOUND"}'
    with aioresponses() as mocked:
        mocked.get(PROMOS + "/prm_gone", status=404, body=body)
        with pytest.raises(NotFound) as caught:
            await mocked_client.get("prm_gone")

    assert caught.value.code == "DPAY_PROMO_NOT_FOUND"
    assert caught.value.message == "promo does not exists"


@needs_aioresponses()
async def test_a_409_is_a_conflict(
    mocked_client: promokit.Client, seed_promotion: promokit.Promotion
) -> None:
    body = b'{"error":"promo with label SALE502022 already exists","request_id":"dp_abc"}'
    with aioresponses() as mocked:
        mocked.patch(PROMOS + "/prm_1", status=409, body=body)
        with pytest.raises(Conflict) as caught:
            await mocked_client.update("prm_1", seed_promotion)

    assert caught.value.request_id == "dp_abc"


@needs_aioresponses()
async def test_a_read_500_is_retried_then_succeeds(
    mocked_client: promokit.Client, fixture_bytes: Callable[[str], bytes]
) -> None:
    with aioresponses() as mocked:
        url = PROMOS + "/prm_3eTlttAEF84045"
        mocked.get(url, status=500, body=fixture_bytes("error_500_fetch.json"))
        mocked.get(url, body=fixture_bytes("fetch_one_sdk_response.json"))
        fetched = await mocked_client.get("prm_3eTlttAEF84045")

    assert fetched.id == "prm_3eTlttAEF84045"
    assert fetched.name == "SALE502022"


@needs_aioresponses()
async def test_a_429_is_rate_limited_with_retry_after(mocked_client: promokit.Client) -> None:
    with aioresponses() as mocked:
        for _ in range(3):
            mocked.get(
                PROMOS + "/prm_1",
                status=429,
                body=b'{"error":"too many requests"}',
                headers={"Retry-After": "7"},
            )
        with pytest.raises(RateLimited) as caught:
            await mocked_client.get("prm_1")

    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize(
    ("body", "kind"),
    [(b"<html>maintenance</html>", "not_json"), (b"", "empty"), (b"  ", "empty")],
)
@needs_aioresponses()
async def test_a_success_that_is_not_json_is_a_provider_response_error(
    mocked_client: promokit.Client, body: bytes, kind: str
) -> None:
    with aioresponses() as mocked:
        mocked.get(PROMOS + "/prm_1", status=200, body=body, content_type="text/html")
        with pytest.raises(ProviderResponseError) as caught:
            await mocked_client.get("prm_1")

    assert caught.value.kind == kind
    assert caught.value.status == 200
    assert caught.value.outcome == "unknown"
    assert "text/html" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"[]", "$"),
        (b'{"data":{"id":"prm_1","label":"L","discount":true}}', "$.data.discount"),
        (b'{"data":{"id":"prm_1"}}', "$.data"),
    ],
)
@needs_aioresponses()
async def test_an_unusable_success_body_is_a_response_validation_error(
    mocked_client: promokit.Client, body: bytes, path: str
) -> None:
    with aioresponses() as mocked:
        mocked.get(PROMOS + "/prm_1", status=200, body=body)
        with pytest.raises(ResponseValidationError) as caught:
            await mocked_client.get("prm_1")

    assert caught.value.path == path
    assert caught.value.operation == "get"
