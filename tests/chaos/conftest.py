"""Fixtures for the chaos suite: a misbehaving loopback gateway per provider, a client on it."""

from __future__ import annotations

import logging
import pickle
import re
import traceback
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from promokit import CardScope, Client, Fixed, Promotion, Quota

from .gateway import DURIANPAY_KEY, MAYAR_KEY, Chaos, ChaosEmulator, gateway, key_forms, server_for

PROVIDERS = ("mayar", "durianpay")
_ENVIRONMENT = re.compile(r"[a-z]{2,4}_(?:test|live|sandbox|prod)_")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rig(**settings): provider settings for the rig fixture")


@dataclass
class Rig:
    """A client on a chaos gateway, the gateway's controls and the key in use."""

    client: Client
    chaos: Chaos
    emulator: ChaosEmulator
    url: str
    key: str
    provider: str


def settings(provider: str, url: str, **options: Any) -> dict[str, Any]:
    """A dict config with one alias, ``shop``, on the gateway at ``url``."""
    key = MAYAR_KEY if provider == "mayar" else DURIANPAY_KEY
    table = {"plugin": provider, "api_key": key, "base_url": url, "timeout": 2.0, **options}
    return {"default": "shop", "ledger": ":memory:", "providers": {"shop": table}}


@pytest.fixture(params=PROVIDERS)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    """A client per provider on its chaos gateway (timeout 2 s, no backoff sleeps)."""
    provider = request.param
    emulator, prefix = gateway(provider)
    async with server_for(emulator, prefix) as server:
        options = request.node.get_closest_marker("rig")
        extra = options.kwargs if options is not None else {}
        async with Client.from_config(settings(provider, server.url, **extra)) as client:
            yield Rig(client, emulator.chaos, emulator, server.url, emulator.chaos.key, provider)


def leaks(key: str, texts: Iterable[str]) -> list[str]:
    """The texts in which any form of ``key``, or any 8 characters of it, appear.

    A snippet cut through the key leaves a prefix: 8 characters of a key are a leak
    too (except its environment prefix, ``dp_test_``, which a key's hint shows).
    """
    forms = key_forms(key)
    prefix = _ENVIRONMENT.match(key)
    start = 0 if prefix is None else prefix.end() - 7
    pieces = {key[i : i + 8] for i in range(max(0, start), len(key) - 7)}
    return [
        text[:60]
        for text in texts
        if any(form in text for form in forms) or any(piece in text for piece in pieces)
    ]


def error_texts(error: BaseException) -> list[str]:
    """Everything an error can show: str, repr, traceback (causes included), pickle."""
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    texts.append(pickle.dumps(error).decode("latin-1"))
    if hasattr(error, "_kwargs"):
        texts.append(repr(error._kwargs()))
    return texts


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured log line, exceptions included."""
    texts = []
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        texts.append(text)
    return texts


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture promokit's logs at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="promokit")
    return caplog


def promotion_for(provider: str, label: str = "Chaos promo") -> Promotion:
    """A promotion ``provider`` accepts: a reusable code both can look up again."""
    code = "".join(ch for ch in label.upper() if ch.isalnum())[:20] or "CHAOS"
    common: dict[str, Any] = {
        "name": label,
        "code": code,
        "discount": Fixed(amount=5000),
        "limit": Quota(uses=10),
        "ends_at": datetime(2031, 1, 1, tzinfo=UTC),
    }
    if provider == "durianpay":
        common["payment"] = CardScope(bins=("424242",))
        common["starts_at"] = datetime(2030, 1, 1, tzinfo=UTC)
    return Promotion(**common)


def one_time_for(label: str = "Chaos one-time") -> Promotion:
    """A Mayar one-time coupon: its natural key (the name) is not kept unique by Mayar,
    so the gateway stores a second discount if the create is sent twice."""
    return Promotion(
        name=label,
        coupon_type="single_use",
        discount=Fixed(amount=5000),
        limit=Quota(uses=10),
        ends_at=datetime(2031, 1, 1, tzinfo=UTC),
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line at the end of any run that included the chaos suite."""
    from .tally import TALLY

    if TALLY.scenarios:
        terminalreporter.write_line(TALLY.line())
