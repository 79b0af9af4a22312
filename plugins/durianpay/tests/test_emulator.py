"""The emulator speaks Durianpay's documented wire: raw HTTP against it, no provider involved."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from promokit_durianpay.emulator import (
    DEFAULT_KEY,
    DurianpayEmulator,
    create_emulator,
)
from promokit_durianpay.emulator.checks import REQUIRED

from promokit.sdk import EmulatorServer, VirtualClock


def _basic(value: str) -> str:
    return "Basic " + base64.b64encode(value.encode()).decode()


@pytest.fixture
async def http(server: EmulatorServer, test_key: str) -> AsyncIterator[Callable[..., Any]]:
    """``await call(method, path, json=..., data=..., auth=...) -> (status, body)``."""
    async with aiohttp.ClientSession() as session:

        async def call(
            method: str,
            path: str = "/merchants/promos",
            *,
            auth: str | None = None,
            **kwargs: Any,
        ) -> tuple[int, Any]:
            headers = {"Authorization": auth if auth is not None else _basic(f"{test_key}:")}
            async with session.request(
                method, server.url + path, headers=headers, **kwargs
            ) as response:
                return response.status, await response.json(content_type=None)

        yield call


@pytest.fixture
def body(fixture_json: Callable[[str], Any]) -> dict[str, Any]:
    """The create docs' request body, moved into the emulator's future."""
    payload: dict[str, Any] = fixture_json("create_request.json")
    payload.update(starts_at="2030-01-01T00:00:00.000Z", ends_at="2030-02-01T00:00:00.000Z")
    return payload


@pytest.mark.parametrize(
    "header",
    [
        "",
        base64.b64encode(b"dp_test_XXXXXXXXX:").decode(),  # the docs' curl: no "Basic "
        "Bearer dp_test_XXXXXXXXX",
        _basic("dp_test_XXXXXXXXX"),  # no trailing colon
        _basic("dp_test_XXXXXXXXX:secret"),  # a password
        _basic("dp_test_SOMEONEELSE:"),
        "Basic !!!not-base64!!!",
    ],
)
async def test_anything_but_basic_key_colon_is_401(
    http: Callable[..., Any], emulator: DurianpayEmulator, header: str
) -> None:
    status, answer = await http("GET", auth=header)

    assert status == 401
    assert answer["error"] == "invalid Authorization header in request"
    assert answer["error_code"] == "DPAY_UNAUTHORIZED_ACCESS"
    assert answer["request_id"].startswith("dp_")


async def test_create_answers_like_the_docs(
    http: Callable[..., Any], body: dict[str, Any], fixture_json: Callable[[str], Any]
) -> None:
    status, answer = await http("POST", json=body)

    documented = fixture_json("create_response.json")["data"]
    promo = answer["data"]
    assert status == 200
    assert list(promo) == list(documented), "same fields, same order"
    assert promo["status"] == "inactive"
    assert promo["promo_usage"] == ""
    assert promo["starts_at"] == "2030-01-01T00:00:00Z"
    assert promo["promo_details"] == {
        "promo_id": promo["id"],
        "bin_list": [424242],
        "bank_codes": [],
    }
    assert promo["is_live"] is False
    assert "code" not in promo


async def test_unparsable_json_is_error_reading_request_body(http: Callable[..., Any]) -> None:
    for data in (b"{not json", b"[1, 2]", b'{"discount": 10}', b'{"promo_details": []}'):
        status, answer = await http("POST", data=data)

        assert status == 400, data
        assert answer["error"] == "error reading request body"
        assert answer["error_code"] == "DPAY_INTERNAL_ERROR"


async def test_missing_fields_are_listed_in_errors(http: Callable[..., Any]) -> None:
    status, answer = await http("POST", json={})

    assert status == 400
    assert "error" not in answer
    assert answer["error_code"] == "DPAY_INVALID_REQUEST"
    assert answer["request_id"].startswith("dp_")
    assert [entry["field"] for entry in answer["errors"]] == list(REQUIRED)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"promo_details": {"bin_list": [], "bank_codes": []}}, "promo_details"),
        ({"type": "ewallet_promos", "promo_details": {}}, "promo_details.wallet_types"),
        ({"type": "va_promos", "promo_details": {"bin_list": [1]}}, "promo_details.bank_codes"),
        ({"label": ""}, "label"),
        ({"discount_type": "fiat"}, "discount_type"),
        ({"sub_type": "direct_dicsount"}, "sub_type"),
        ({"currency": "USD"}, "currency"),
        ({"discount": "abc"}, "discount"),
        ({"discount": "120"}, "discount"),
        ({"min_order_amount": "-5"}, "min_order_amount"),
        ({"limit_value": "ten"}, "limit_value"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"ends_at": "2029-01-01T00:00:00Z"}, "ends_at"),
    ],
)
async def test_invalid_fields_are_field_errors(
    http: Callable[..., Any], body: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    status, answer = await http("POST", json={**body, **changes})

    assert status == 400
    assert answer["error_code"] == "DPAY_INVALID_REQUEST"
    assert [entry["field"] for entry in answer["errors"]] == [field]


async def test_labels_are_unique(http: Callable[..., Any], body: dict[str, Any]) -> None:
    await http("POST", json=body)

    status, answer = await http("POST", json={**body, "code": "OTHER"})

    assert status == 409
    assert answer["error"] == "promo with label SALE502022 already exists"
    assert answer["request_id"].startswith("dp_")


async def test_crud_round_trip(http: Callable[..., Any], body: dict[str, Any]) -> None:
    _, created = await http("POST", json=body)
    promo_id = created["data"]["id"]

    fetched_status, fetched = await http("GET", f"/merchants/promos/{promo_id}")
    patch_status, patched = await http(
        "PATCH", f"/merchants/promos/{promo_id}", json={**body, "discount": "15"}
    )
    delete_status, deleted = await http("DELETE", f"/merchants/promos/{promo_id}")
    gone_status, gone = await http("GET", f"/merchants/promos/{promo_id}")

    assert (fetched_status, fetched["data"]["promo_usage"]) == (200, "0")
    assert (patch_status, patched["data"]["discount"]) == (200, "15")
    assert patched["data"]["code"] == "SALE2022", "update's example echoes the code"
    assert (delete_status, deleted) == (200, {"message": "Promo deleted successfully"})
    assert gone_status == 404
    assert gone["error_code"] == "DPAY_PROMO_NOT_FOUND"


async def test_skip_and_limit(http: Callable[..., Any], body: dict[str, Any]) -> None:
    for index in range(3):
        await http("POST", json={**body, "label": f"L{index}"})

    _, everything = await http("GET")
    _, page = await http("GET", params={"skip": "1", "limit": "1"})
    bad_status, bad = await http("GET", params={"skip": "-1", "limit": "x"})

    assert [p["label"] for p in everything["data"]] == ["L0", "L1", "L2"]
    assert [p["label"] for p in page["data"]] == ["L1"]
    assert bad_status == 400
    assert bad["error"] == "invalid skip and limit parameter"


async def test_status_lifecycle(
    http: Callable[..., Any],
    body: dict[str, Any],
    emulator: DurianpayEmulator,
    clock: VirtualClock,
) -> None:
    _, created = await http("POST", json={**body, "limit_value": "2"})
    promo_id = created["data"]["id"]

    async def status() -> str:
        _, answer = await http("GET", f"/merchants/promos/{promo_id}")
        return str(answer["data"]["status"])

    assert await status() == "inactive"
    emulator.activate(promo_id)
    assert await status() == "active"
    assert emulator.redeem("SALE2022", 5_000) == 1
    assert await status() == "active"
    assert emulator.redeem(promo_id, 5_000) == 2
    assert await status() == "expired", "quota used up"

    emulator.promos[promo_id].uses = 0
    assert await status() == "active"
    clock.advance(timedelta(days=31).total_seconds())
    assert await status() == "expired", "past ends_at"


async def test_budget_usage_counts_rupiah(
    http: Callable[..., Any], body: dict[str, Any], emulator: DurianpayEmulator
) -> None:
    _, created = await http("POST", json={**body, "limit_type": "budget", "limit_value": "30000"})
    promo_id = created["data"]["id"]

    assert emulator.redeem(promo_id, 12_000) == 12_000
    _, answer = await http("GET", f"/merchants/promos/{promo_id}")

    assert answer["data"]["promo_usage"] == "12000"


async def test_hooks_refuse_unknown_promos(emulator: DurianpayEmulator) -> None:
    with pytest.raises(KeyError):
        emulator.activate("prm_nope")
    with pytest.raises(KeyError):
        emulator.redeem("NOPE")


@pytest.mark.parametrize(
    ("operation", "method", "path", "expected"),
    [
        ("create", "POST", "/merchants/promos", {"error": "error creating promo"}),
        (
            "list",
            "GET",
            "/merchants/promos",
            {"error": "error getting promos", "error_code": "DPAY_INTERNAL_ERROR"},
        ),
        (
            "delete",
            "DELETE",
            "/merchants/promos/prm_x",
            {"error": "error deleting promo", "error_code": "DPAY_INTERNAL_ERROR"},
        ),
    ],
)
async def test_fail_next_answers_the_documented_500(
    http: Callable[..., Any],
    emulator: DurianpayEmulator,
    operation: str,
    method: str,
    path: str,
    expected: dict[str, str],
) -> None:
    emulator.fail_next(operation)

    status, answer = await http(method, path, json={})
    again, _ = await http(method, path, json={})

    assert status == 500
    assert answer.pop("request_id").startswith("dp_")
    assert answer == expected
    assert again != 500, "one fault, one answer"


def test_create_emulator_for_the_cli() -> None:
    default = create_emulator()
    several = create_emulator(keys="dp_test_AAAAAAAAA, dp_live_BBBBBBBBB", echo_code=True)
    single = create_emulator(key="dp_test_CCCCCCCCC", seed=1)
    from_cli = create_emulator(api_key="dp_test_DDDDDDDDD", rate_limit=5)

    assert default.accepts(DEFAULT_KEY)
    assert several.echo_code is True
    assert several.accepts("dp_test_AAAAAAAAA")
    assert several.accepts("dp_live_BBBBBBBBB")
    assert not several.accepts(DEFAULT_KEY)
    assert single.accepts("dp_test_CCCCCCCCC")
    assert from_cli.api_key == "dp_test_DDDDDDDDD"
    assert from_cli.rate is not None
    assert default.api_key == DEFAULT_KEY
    assert "dp_" not in repr(several), "the repr names no key"
