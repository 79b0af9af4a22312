"""Basic auth with the trailing colon, and environments inferred from the key prefix."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from promokit_durianpay.emulator import DurianpayEmulator
from promokit_durianpay.provider import DEFAULT_BASE_URL, DurianpayProvider

import promokit
from promokit.errors import ConfigurationError
from promokit.http.redact import Secret
from promokit.sdk import EmulatorServer, ProviderSettings

UNPREFIXED_KEY = "sk_other_XXXXXXXXX"


def _settings(key: str | None, environment: Any = None, **extra: Any) -> ProviderSettings:
    return ProviderSettings(
        alias="dp",
        plugin="durianpay",
        api_key=None if key is None else Secret(key),
        environment=environment,
        **extra,
    )


def test_authorization_header_is_basic_base64_of_key_and_colon(test_key: str) -> None:
    headers = DurianpayProvider.auth_headers(_settings(test_key))

    expected = b"Basic " + base64.b64encode(test_key.encode() + b":")
    assert headers == {"Authorization": expected.decode()}
    assert base64.b64decode(headers["Authorization"].removeprefix("Basic ")) == (
        test_key.encode() + b":"
    )


async def test_the_header_goes_on_the_wire_byte_for_byte(
    client: promokit.Client, emulator: DurianpayEmulator, test_key: str
) -> None:
    with pytest.raises(promokit.NotFound):
        await client.get("prm_missing")

    sent = emulator.requests[0].headers["Authorization"]
    assert sent.encode() == b"Basic " + base64.b64encode(test_key.encode() + b":")
    assert emulator.requests[0].path == "/v1/merchants/promos/prm_missing"


def test_one_host_for_both_environments(test_key: str, live_key: str) -> None:
    assert DurianpayProvider.base_url(_settings(test_key)) == "https://api.durianpay.id/v1"
    assert DurianpayProvider.base_url(_settings(live_key)) == DEFAULT_BASE_URL
    override = _settings(test_key, base_url="http://127.0.0.1:9/v1")
    assert DurianpayProvider.base_url(override) == "http://127.0.0.1:9/v1"


@pytest.mark.parametrize(
    ("key", "environment"),
    [
        ("dp_test_XXXXXXXXX", None),
        ("dp_test_XXXXXXXXX", "sandbox"),
        ("dp_live_XXXXXXXXX", None),
        ("dp_live_XXXXXXXXX", "production"),
    ],
)
def test_matching_or_inferred_environments_are_accepted(key: str, environment: Any) -> None:
    DurianpayProvider.check_settings(_settings(key, environment))


@pytest.mark.parametrize(
    ("key", "environment", "wanted"),
    [
        ("dp_live_XXXXXXXXX", "sandbox", "configured for sandbox"),
        ("dp_test_XXXXXXXXX", "production", "configured for production"),
        (UNPREFIXED_KEY, None, "starts with neither"),
        ("XXXXXXXXXXXXXXXXXXX", "sandbox", "starts with neither"),
    ],
)
def test_mismatched_or_unprefixed_keys_are_configuration_errors(
    key: str, environment: Any, wanted: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        DurianpayProvider.check_settings(_settings(key, environment))

    text = str(caught.value) + repr(caught.value)
    assert wanted in text
    assert key not in text
    assert base64.b64encode(f"{key}:".encode()).decode() not in text


def test_the_hint_says_where_the_key_comes_from() -> None:
    unprefixed = _settings(UNPREFIXED_KEY)
    with pytest.raises(ConfigurationError, match=r"dp_test_.*dp_live_.*API Keys"):
        DurianpayProvider.check_settings(unprefixed)


def test_a_missing_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no API key"):
        DurianpayProvider.check_settings(_settings(None))


@pytest.mark.parametrize("page_size", [0, -1, "25", True])
def test_a_bad_page_size_option_is_a_configuration_error(page_size: Any, test_key: str) -> None:
    with pytest.raises(ConfigurationError, match="page_size"):
        DurianpayProvider.check_settings(_settings(test_key, options={"page_size": page_size}))


@pytest.mark.parametrize(
    ("key_fixture", "environment"),
    [("live_key", "sandbox"), ("test_key", "production")],
)
async def test_a_mismatch_sends_nothing(
    server: EmulatorServer,
    emulator: DurianpayEmulator,
    make_client: Callable[..., promokit.Client],
    request: pytest.FixtureRequest,
    seed_promotion: promokit.Promotion,
    key_fixture: str,
    environment: str,
) -> None:
    key = request.getfixturevalue(key_fixture)
    async with make_client(server.url, api_key=key, environment=environment) as client:
        with pytest.raises(ConfigurationError):
            await client.get("prm_anything")
        with pytest.raises(ConfigurationError):
            await client.create(seed_promotion)
        with pytest.raises(ConfigurationError):
            await client.validate("SALE2022", promokit.Checkout(amount=100_000))

    assert emulator.requests == []


async def test_a_live_key_creates_live_promos(
    server: EmulatorServer,
    emulator: DurianpayEmulator,
    make_client: Callable[..., promokit.Client],
    live_key: str,
    promotion: promokit.Promotion,
) -> None:
    async with make_client(server.url, api_key=live_key, environment="production") as client:
        created = await client.create(promotion)

    assert created.id is not None
    assert emulator.promos[created.id].is_live is True


async def test_an_unknown_key_is_an_authentication_error(
    server: EmulatorServer,
    emulator: DurianpayEmulator,
    make_client: Callable[..., promokit.Client],
) -> None:
    async with make_client(server.url, api_key="dp_test_NOTAKEYWEKNOW") as client:
        with pytest.raises(promokit.AuthenticationError) as caught:
            await client.get("prm_x")

    error = caught.value
    assert error.status == 401
    assert error.code == "DPAY_UNAUTHORIZED_ACCESS"
    assert error.message == "invalid Authorization header in request"
    assert error.request_id is not None
    assert error.request_id.startswith("dp_")
    assert len(emulator.requests) == 1, "a 401 is not retried"
