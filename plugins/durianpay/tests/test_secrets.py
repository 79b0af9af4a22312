"""The key never appears in logs, reprs, errors or fixtures, raw or as Basic-auth base64."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from promokit_durianpay.emulator import DurianpayEmulator

import promokit
from promokit.errors import PromokitError
from promokit.sdk import EmulatorServer

KEY = "dp_test_SECRETs3cr3tS3CRET0042"
LIVE = "dp_live_SECRETs3cr3tS3CRET0042"
FORMS = (
    KEY,
    base64.b64encode(f"{KEY}:".encode()).decode(),
    LIVE,
    base64.b64encode(f"{LIVE}:".encode()).decode(),
)


def _assert_clean(text: str) -> None:
    for form in FORMS:
        assert form not in text


async def test_nothing_leaks_at_debug_level(
    caplog: pytest.LogCaptureFixture,
    make_client: Callable[..., promokit.Client],
    promotion: promokit.Promotion,
) -> None:
    emulator = DurianpayEmulator(keys=(KEY,), seed=3)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    async with EmulatorServer(emulator, prefix="/v1") as server:
        async with make_client(server.url, api_key=KEY) as client:
            created = await client.create(promotion)
            assert created.id is not None
            await client.get(created.id)
            _ = [p async for p in client.list()]
            await client.validate("PAYDAY30", promokit.Checkout(amount=1))
            emulator.fail_next("delete", count=3)
            failures: list[PromokitError] = []
            for call in (
                client.delete(created.id),
                client.get("prm_missing"),
                client.create(msgspec.structs.replace(promotion, code="OTHER")),
            ):
                try:
                    await call
                except PromokitError as error:
                    failures.append(error)
            seen += [repr(client), repr(client.provider("dp")), repr(client.config)]
            seen += [str(error) + repr(error) for error in failures]
            assert len(failures) == 3
        async with make_client(server.url, api_key="dp_test_" + KEY[8:-1] + "X") as stranger:
            with pytest.raises(promokit.AuthenticationError) as denied:
                await stranger.get("prm_x")
            seen.append(str(denied.value) + repr(denied.value))

    assert any("response_body" in record.getMessage() for record in caplog.records)
    _assert_clean(caplog.text)
    for text in seen:
        _assert_clean(text)
    for recorded in emulator.requests:
        assert "Authorization" in recorded.headers, "the key did travel, in the header only"
        _assert_clean(recorded.body.decode())


async def test_configuration_errors_show_only_a_hint(
    server: EmulatorServer, make_client: Callable[..., promokit.Client]
) -> None:
    for key, environment in ((LIVE, "sandbox"), (KEY, "production")):
        async with make_client(server.url, api_key=key, environment=environment) as client:
            with pytest.raises(promokit.ConfigurationError) as caught:
                client.provider("dp")
        text = str(caught.value) + repr(caught.value)
        _assert_clean(text)
        assert key[:8] + "…" + key[-4:] in text


def test_fixtures_hold_no_key() -> None:
    fixtures = Path(__file__).parent / "fixtures"
    paths = sorted(fixtures.glob("*.json"))
    assert len(paths) >= 10
    for path in paths:
        text = path.read_text()
        for prefix in ("dp_test_", "dp_live_"):
            assert prefix not in text, path.name
        assert "Basic " not in text, path.name
