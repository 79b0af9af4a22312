"""A 500 on get is "not found" only in Mayar's documented unknown-id shape; else an outage."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from promokit_mayar.emulator import MayarEmulator
from promokit_mayar.errors import error_info

from promokit import Client, NotFound, ProviderServerError
from promokit.http.transport import Response

from .conftest import ClientFactory, fixture_bytes, seed_promotion

DETAIL = "http://127.0.0.1:9/hl/v2/coupons/c9aa143a-53f9-44e7-a9c6-83229ad7199b"
UNKNOWN = "00000000-0000-0000-0000-000000000000"


async def _no_sleep(seconds: float) -> None:
    return None


def _detail(status: int, body: bytes) -> Response:
    return Response(status=status, headers={}, body=body, request_id="r1", method="GET", url=DETAIL)


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def test_only_the_documented_unknown_id_body_is_not_found() -> None:
    info = error_info(_detail(500, fixture_bytes("assumed_detail_unknown_id.json")))
    assert info is not None
    assert info.status == 404


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>500 Internal Server Error</body></html>",
        b"",
        _json({"statusCode": 500, "messages": "Database timeout", "data": None}),
        _json({"statusCode": 500, "messages": "Internal Server Error", "data": {"trace": "x"}}),
        _json({"statusCode": 500, "messages": "Internal Server Error"}),
        _json({"messages": "Internal Server Error", "data": None}),
    ],
)
def test_any_other_500_on_detail_is_a_server_error(body: bytes) -> None:
    info = error_info(_detail(500, body))
    assert info is not None
    assert info.status == 500


def test_a_502_with_the_documented_body_is_a_server_error() -> None:
    # A gateway in front of Mayar failed: whatever the body says, not an answer about the id.
    info = error_info(_detail(502, fixture_bytes("assumed_detail_unknown_id.json")))
    assert info is not None
    assert info.status >= 500


async def test_an_outage_on_get_is_retried_like_any_read(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    async with make_client({"sleep": _no_sleep}, max_retries=2) as client:
        created = await client.create(seed_promotion())
        assert created.id is not None
        emulator.outage(count=1)
        emulator.requests.clear()
        fetched = await client.get(created.id)

    assert fetched.id == created.id
    assert len(emulator.requests) == 2


async def test_a_lasting_outage_is_a_server_error_after_every_retry(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    body = _json({"statusCode": 500, "messages": "Database timeout", "data": None})
    async with make_client({"sleep": _no_sleep}, max_retries=2) as client:
        created = await client.create(seed_promotion())
        assert created.id is not None
        emulator.outage(count=10, body=body)
        emulator.requests.clear()
        with pytest.raises(ProviderServerError) as caught:
            await client.get(created.id)

    assert caught.value.status == 500
    assert caught.value.message == "Database timeout"
    assert caught.value.retryable
    assert len(emulator.requests) == 3


async def test_an_unknown_id_is_not_found_at_once(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    async with make_client({"sleep": _no_sleep}, max_retries=2) as client:
        with pytest.raises(NotFound) as caught:
            await client.get(UNKNOWN)

    assert caught.value.status == 404
    assert not caught.value.retryable
    assert len(emulator.requests) == 1


async def test_an_unknown_id_under_http_200_is_not_found(
    make_client: ClientFactory, emulator: MayarEmulator
) -> None:
    emulator.failures_as_http_200 = True
    client: Client
    async with make_client() as client:
        with pytest.raises(NotFound):
            await client.get(UNKNOWN)
