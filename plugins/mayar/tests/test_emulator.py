"""The emulator alone over raw HTTP: what the provider never sends behaves as documented too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec
import pytest
from multidict import CIMultiDictProxy
from promokit_mayar.emulator import MayarEmulator, create_emulator, create_server
from promokit_mayar.wire import PATH_PREFIX

from promokit.sdk import EmulatorServer

from .conftest import KEY, NOW, fixture_json

AUTH = {"Authorization": f"Bearer {KEY}"}


class Raw:
    """A bare HTTP caller for the emulator."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], CIMultiDictProxy[str]]:
        data = None if body is None else msgspec.json.encode(body)
        async with self.session.request(
            method,
            self.base + path,
            data=data,
            params=params,
            headers=AUTH if headers is None else headers,
        ) as response:
            return response.status, await response.json(), response.headers


@pytest.fixture
async def raw(server: EmulatorServer) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(session, server.url)


def create_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = fixture_json("create_request.json")
    for dotted, value in changes.items():
        target = body
        *parents, leaf = dotted.split("__")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return body


def issues(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(i["field"], i["type"], i["message"]) for i in body["data"]]


async def test_the_docs_example_creates_the_docs_response(raw: Raw) -> None:
    status, body, _ = await raw.call("POST", "/coupons/create", create_body())
    expected = fixture_json("create_response.json")

    assert status == 200
    assert list(body) == ["statusCode", "messages", "data"]
    assert list(body["data"]) == list(expected["data"])
    assert list(body["data"]["coupons"][0]) == list(expected["data"]["coupons"][0])
    volatile = {"id", "createdAt", "coupons"}
    assert {k: v for k, v in body["data"].items() if k not in volatile} == {
        k: v for k, v in expected["data"].items() if k not in volatile
    }
    assert body["data"]["createdAt"] == "2026-07-01T08:00:00.000Z"


async def test_detail_uses_epoch_millis_and_the_docs_key_order(raw: Raw) -> None:
    _, created, _ = await raw.call("POST", "/coupons/create", create_body())
    status, body, _ = await raw.call("GET", f"/coupons/{created['data']['id']}")
    expected = fixture_json("detail_response.json")

    assert status == 200
    assert list(body["data"]) == list(expected["data"])
    assert list(body["data"]["coupons"][0]) == list(expected["data"]["coupons"][0])
    assert body["data"]["createdAt"] == int(NOW.timestamp() * 1000)
    assert body["data"]["expiredAt"] == expected["data"]["expiredAt"] == 1893488774933
    assert "status" not in body["data"]


async def test_list_uses_iso_timestamps_and_cursor_fields_beside_data(raw: Raw) -> None:
    await raw.call("POST", "/coupons/create", create_body())

    status, body, _ = await raw.call("GET", "/coupons")
    expected = fixture_json("list_response.json")

    assert status == 200
    assert list(body) == list(expected)
    assert list(body["data"]["coupons"][0]) == list(expected["data"]["coupons"][0])
    assert body["data"]["coupons"][0]["createdAt"] == "2026-07-01T08:00:00.000Z"
    assert (body["hasMore"], body["nextStartingAfter"]) == (False, None)


async def test_percentages_above_99_are_silently_capped(raw: Raw) -> None:
    body = create_body(discount__discountType="percentage", discount__value=150)

    status, created, _ = await raw.call("POST", "/coupons/create", body)

    assert status == 200
    assert created["data"]["value"] == 99


async def test_onetime_makes_at_most_50_codes_and_ignores_a_code(raw: Raw) -> None:
    body = create_body(discount__totalCoupons=120, coupon__type="onetime")

    _, created, _ = await raw.call("POST", "/coupons/create", body)

    coupons = created["data"]["coupons"]
    assert len(coupons) == 50
    assert "haribaik" not in {c["code"] for c in coupons}
    assert all("id" not in c for c in coupons)
    assert created["data"]["totalCoupons"] == 120


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            create_body(name="Abc"),
            [
                (
                    "name",
                    "stringMin",
                    "The 'name' field length must be greater than or equal to 5 characters long.",
                )
            ],
        ),
        (
            create_body(products=["4f7c1c1e-2b1a-4f0e-8a55-3f1f0c2d9e11"]),
            [("products[0]", "object", "The 'products[0]' must be an Object.")],
        ),
        (
            create_body(products=[{"id": "a"}, {"id": "b"}, {"id": "c"}]),
            [
                (
                    "products",
                    "arrayMax",
                    "The 'products' field must contain less than or equal to 2 items.",
                )
            ],
        ),
        (
            create_body(discount__value=0, discount__discountType="fixed"),
            [
                (
                    "discount.discountType",
                    "stringEnum",
                    "The 'discount.discountType' field does not match any of the allowed values.",
                ),
                (
                    "discount.value",
                    "numberPositive",
                    "The 'discount.value' field must be a positive number.",
                ),
            ],
        ),
        (
            {"name": "Diskon Murmer"},
            [
                ("discount", "required", "The 'discount' field is required."),
                ("coupon", "required", "The 'coupon' field is required."),
            ],
        ),
        (
            create_body(expiredAt="besok", discount__totalCoupons=1.5),
            [
                ("expiredAt", "date", "The 'expiredAt' field must be a Date."),
                (
                    "discount.totalCoupons",
                    "numberInteger",
                    "The 'discount.totalCoupons' field must be an integer.",
                ),
            ],
        ),
    ],
)
async def test_create_validation_errors_list_every_issue(
    raw: Raw, body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    status, answer, _ = await raw.call("POST", "/coupons/create", body)

    assert status == 400
    assert answer["statusCode"] == 400
    assert answer["messages"] == "Validation Error"
    assert issues(answer) == expected


async def test_a_non_json_body_is_a_validation_error(raw: Raw, server: EmulatorServer) -> None:
    async with raw.session.post(
        server.url + "/coupons/validate", data=b"not json", headers=AUTH
    ) as response:
        body = await response.json()

    assert response.status == 400
    assert [i["field"] for i in body["data"]] == ["couponCode", "paymentLinkId"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": KEY}, 401),
        ({"Authorization": f"Basic {KEY}"}, 401),
        ({"Authorization": f"Bearer {KEY}x"}, 401),
        (AUTH, 200),
    ],
)
async def test_only_the_configured_bearer_key_is_accepted(
    raw: Raw, headers: dict[str, str], status: int
) -> None:
    got, body, _ = await raw.call("GET", "/coupons", headers=headers)

    assert got == status
    assert body["statusCode"] == status
    if status == 401:
        assert body == {"statusCode": 401, "messages": "Unauthorized", "data": None}


async def test_a_configured_key_replaces_the_placeholder() -> None:
    emulator = create_emulator(api_key="sandbox-key-0123456789")
    async with create_server(emulator) as server, aiohttp.ClientSession() as session:
        raw = Raw(session, server.url)
        placeholder, _, _ = await raw.call("GET", "/coupons")
        configured, _, _ = await raw.call(
            "GET", "/coupons", headers={"Authorization": "Bearer sandbox-key-0123456789"}
        )

    assert (placeholder, configured) == (401, 200)
    assert server.url.endswith(PATH_PREFIX)


async def test_detail_of_an_unknown_id_is_a_500(raw: Raw) -> None:
    status, body, _ = await raw.call("GET", "/coupons/c9aa143a-0000-0000-0000-000000000000")

    assert status == 500
    assert body == {"statusCode": 500, "messages": "Internal Server Error", "data": None}


async def test_a_reused_reusable_code_is_409_in_any_case(raw: Raw) -> None:
    await raw.call("POST", "/coupons/create", create_body())

    status, body, _ = await raw.call(
        "POST", "/coupons/create", create_body(coupon__code="HARIBAIK")
    )

    assert status == 409
    assert body["messages"] == "Coupon code already in use"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "51"},
        {"limit": "0"},
        {"limit": "ten"},
        {"status": "aktif"},
        {"startingAfter": "x"},
    ],
)
async def test_list_parameter_errors_are_validation_errors_with_null_data(
    raw: Raw, params: dict[str, str]
) -> None:
    status, body, _ = await raw.call("GET", "/coupons", params=params)

    assert status == 400
    assert body == fixture_json("list_validation_error.json")


async def test_list_defaults_to_pages_of_ten(raw: Raw) -> None:
    for index in range(11):
        await raw.call("POST", "/coupons/create", create_body(coupon__code=f"K{index}"))

    _, first, _ = await raw.call("GET", "/coupons")
    _, second, _ = await raw.call(
        "GET", "/coupons", params={"startingAfter": first["nextStartingAfter"]}
    )

    assert (len(first["data"]["coupons"]), first["hasMore"]) == (10, True)
    assert (len(second["data"]["coupons"]), second["hasMore"]) == (1, False)
    assert second["nextStartingAfter"] is None


async def test_check_validates_the_code_length_and_reports_404(raw: Raw) -> None:
    long_status, long_body, _ = await raw.call("POST", "/coupons/check", {"couponCode": "X" * 51})
    missing_status, missing, _ = await raw.call("POST", "/coupons/check", {"couponCode": "NOPE"})

    assert long_status == 400
    assert issues(long_body)[0][:2] == ("couponCode", "stringMax")
    assert missing_status == 404
    assert missing == fixture_json("check_not_found.json")


async def test_validate_requires_code_and_payment_link(raw: Raw) -> None:
    status, body, _ = await raw.call("POST", "/coupons/validate", {"amount": 10})

    assert status == 400
    assert [(field, kind) for field, kind, _ in issues(body)] == [
        ("couponCode", "required"),
        ("paymentLinkId", "required"),
    ]


async def test_validate_returns_discount_value_not_value(raw: Raw, emulator: MayarEmulator) -> None:
    link = emulator.add_product()
    await raw.call("POST", "/coupons/create", create_body())

    status, body, _ = await raw.call(
        "POST",
        "/coupons/validate",
        {"couponCode": "haribaik", "paymentLinkId": link, "amount": 600000},
    )

    assert status == 200
    assert list(body["data"]["coupon"]) == list(
        fixture_json("validate_response.json")["data"]["coupon"]
    )
    assert body["data"]["coupon"]["discountValue"] == 100000


async def test_failures_as_http_200_keep_the_status_in_the_body(
    raw: Raw, emulator: MayarEmulator
) -> None:
    emulator.failures_as_http_200 = True

    status, body, _ = await raw.call("POST", "/coupons/check", {"couponCode": "NOPE"})

    assert status == 200
    assert body["statusCode"] == 404


async def test_rate_limit_answers_429_with_retry_after(raw: Raw, emulator: MayarEmulator) -> None:
    limited = MayarEmulator(clock=emulator.clock, rate_limit=2)
    async with create_server(limited) as server:
        raw.base = server.url
        answers = [await raw.call("GET", "/coupons") for _ in range(3)]
        emulator.clock.advance(60)
        after_window, _, _ = await raw.call("GET", "/coupons")

    assert [status for status, _, _ in answers] == [200, 200, 429]
    _, body, headers = answers[2]
    assert body == {"statusCode": 429, "messages": "Too Many Requests", "data": None}
    assert headers["Retry-After"] == "60"
    assert after_window == 200


def test_test_helpers_refuse_unknown_codes(emulator: MayarEmulator) -> None:
    with pytest.raises(LookupError):
        emulator.redeem("NOPE")
    with pytest.raises(LookupError):
        emulator.set_coupon_limit("NOPE", 0)
