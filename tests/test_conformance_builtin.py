"""The conformance suite run on the built-in memory provider and the test echo provider."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from aiohttp import web

import promokit
from promokit.plugins.emulator import Handler as EmulatorHandler
from promokit.plugins.memory import MemoryProvider
from promokit.testing import ErrorCase, ProviderConformance

from .conftest import EchoEmulator, EchoProvider

ECHO_KEY = "sk_test_ECHOconformance0001"


class GuardedEchoEmulator(EchoEmulator):
    """The echo emulator behind a Bearer-key check, as every real provider has."""

    def __init__(self, api_key: str = ECHO_KEY, **options: Any) -> None:
        super().__init__(**options)
        self.api_key = api_key

    def app(self) -> web.Application:
        app = super().app()

        @web.middleware
        async def auth(request: web.Request, handler: EmulatorHandler) -> web.StreamResponse:
            if request.headers.get("Authorization") != f"Bearer {self.api_key}":
                return web.json_response({"error": "bad key"}, status=401)
            return await handler(request)

        app.middlewares.append(auth)
        return app


class ShippedEchoProvider(EchoProvider):
    """The echo provider as a plugin would ship it: with its emulator declared."""

    emulator: ClassVar[str | None] = f"{__name__}:GuardedEchoEmulator"


class TestEchoConformance(ProviderConformance):
    """A provider that declares only create and get: the rest must be refused before I/O."""

    provider = ShippedEchoProvider
    api_key = ECHO_KEY
    sdk_only = False  # a double defined in promokit's own tests, which use the core freely
    error_cases = (
        ErrorCase("get", 404, {"error": "not found", "code": "NF"}, promokit.NotFound),
        ErrorCase("create", 409, {"error": "code in use"}, promokit.Conflict),
        ErrorCase("create", 401, {"error": "bad key"}, promokit.AuthenticationError),
        ErrorCase(
            "get",
            429,
            {"error": "slow down"},
            promokit.RateLimited,
            headers={"Retry-After": "1", "X-Request-Id": "req_echo_1"},
            request_id="req_echo_1",
            note="the request id the gateway sends back in X-Request-Id is kept",
        ),
    )

    def sample(self, index: int) -> promokit.Promotion:
        return promokit.Promotion(
            name=f"Echo {index}", code=f"ECHO{index}", discount=promokit.Fixed(amount=1_000 + index)
        )


class TestMemoryConformance(ProviderConformance):
    """The built-in in-process provider: every field and operation, and no HTTP at all."""

    provider = MemoryProvider

    def sample(self, index: int) -> promokit.Promotion:
        return promokit.Promotion(
            name=f"Memory {index}",
            description=f"in-process promotion {index}",
            code=f"MEM{index:03d}",
            discount=promokit.Percent(value=Decimal("15"), max_amount=40_000),
            min_purchase=50_000,
            limit=promokit.Quota(uses=10),
            starts_at=self.now - timedelta(days=1),
            ends_at=self.now + timedelta(days=30),
            customers="new",
            products=("sku-1", "sku-2"),
            payment=promokit.CardScope(bins=("424242",), banks=("BCA",)),
            reward="discount",
            applies_to="items",
            extensions={"memory": {"index": index}},
        )
