"""Core test fixtures: a tiny HTTP provider and its emulator, served on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from aiohttp import web

import promokit
import promokit.http.codec
from promokit.model.capabilities import FieldSupport, Manifest
from promokit.plugins import Plugins, ProviderRegistry
from promokit.plugins.emulator import Emulator, EmulatorServer
from promokit.plugins.provider import Provider, ProviderSettings

CANARY_KEY = "sk_test_CANARY0123456789abcdef"


class EchoEmulator(Emulator):
    """Stores whatever JSON is POSTed to /items and serves it back by id."""

    name = "echo"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.items: dict[str, dict[str, Any]] = {}

    def routes(self, app: web.Application) -> None:
        async def create(request: web.Request) -> web.Response:
            data = await request.json()
            code = data.get("code")
            if code is not None and any(i.get("code") == code for i in self.items.values()):
                return web.json_response({"error": "code in use"}, status=409)
            item_id = f"it_{len(self.items) + 1}"
            self.items[item_id] = {**data, "id": item_id}
            return web.json_response(self.items[item_id])

        async def search(request: web.Request) -> web.Response:
            code = request.query.get("code")
            return web.json_response([i for i in self.items.values() if i.get("code") == code])

        async def get(request: web.Request) -> web.Response:
            item = self.items.get(request.match_info["item_id"])
            if item is None:
                return web.json_response({"error": "not found", "code": "NF"}, status=404)
            return web.json_response(item)

        app.router.add_post("/items", create)
        app.router.add_get("/items", search)
        app.router.add_get("/items/{item_id}", get)


class EchoItem(msgspec.Struct):
    id: str
    name: str
    amount: int
    code: str | None = None


class EchoProvider(Provider):
    """A minimal HTTP provider used to test core machinery end to end."""

    plugin_name = "echo"
    manifest = Manifest(
        fields={
            "name": FieldSupport(),
            "code": FieldSupport(),
            "discount": FieldSupport(values=("fixed",)),
            "currency": FieldSupport(values=("IDR",)),
            "coupon_type": FieldSupport(values=("reusable",)),
            "customers": FieldSupport(values=("all",)),
            "reward": FieldSupport(values=("discount",)),
            "applies_to": FieldSupport(values=("order",)),
            "description": FieldSupport(support="unsupported", note="echo has no text field"),
            "products": FieldSupport(support="unsupported"),
            "min_purchase": FieldSupport(support="unsupported"),
            "ends_at": FieldSupport(support="unsupported"),
        },
        operations={"create": "native", "get": "native"},
        operation_notes={"delete": "echo keeps everything forever"},
    )

    @classmethod
    def base_url(cls, settings: ProviderSettings) -> str:
        return settings.base_url or "https://echo.invalid"

    @classmethod
    def auth_headers(cls, settings: ProviderSettings) -> dict[str, str]:
        return {"Authorization": f"Bearer {settings.require_key().reveal()}"}

    async def create(self, promotion: promokit.Promotion) -> promokit.Promotion:
        assert isinstance(promotion.discount, promokit.Fixed)
        body = msgspec.json.encode(
            {"name": promotion.name, "amount": promotion.discount.amount, "code": promotion.code}
        )
        response = await self.http.request("POST", "/items", operation="create", body=body)
        return self._neutral(response.body, "create")

    async def get(self, promotion_id: str) -> promokit.Promotion:
        response = await self.http.request(
            "GET", self.http.path("items", promotion_id), operation="get"
        )
        return self._neutral(response.body, "get")

    def natural_key(self, promotion: promokit.Promotion) -> str | None:
        return promotion.code

    async def find(self, promotion: promokit.Promotion) -> promokit.Promotion | None:
        response = await self.http.request(
            "GET", "/items", operation="find", params={"code": promotion.code or ""}
        )
        items = promokit.http.codec.decode(
            response.body, list[EchoItem], provider=self.alias, operation="find"
        )
        return self._item(items[0]) if items else None

    def _neutral(self, body: bytes, operation: str) -> promokit.Promotion:
        item = promokit.http.codec.decode(body, EchoItem, provider=self.alias, operation=operation)
        return self._item(item)

    def _item(self, item: EchoItem) -> promokit.Promotion:
        return promokit.Promotion(
            id=item.id,
            name=item.name,
            code=item.code,
            discount=promokit.Fixed(amount=item.amount),
            provider=self.alias,
        )


class _EchoPlugin:
    @promokit.hookimpl
    def promokit_register_providers(self, registry: ProviderRegistry) -> None:
        registry.add(EchoProvider)


@pytest.fixture
def plugins() -> Iterator[Plugins]:
    """Built-ins plus the echo test plugin; installed plugins are not loaded."""
    loaded = Plugins(load_entry_points=False)
    loaded.register(_EchoPlugin(), name="echo-test-plugin")
    return loaded


@pytest.fixture
async def echo_server() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(EchoEmulator()) as server:
        yield server


def no_sleep_recorder() -> tuple[list[float], Any]:
    """A sleep replacement that records the requested delays and returns at once."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return slept, sleep


@pytest.fixture
def sleeps() -> tuple[list[float], Any]:
    return no_sleep_recorder()


@pytest.fixture
async def echo_client(
    plugins: Plugins, echo_server: EmulatorServer, sleeps: tuple[list[float], Any]
) -> AsyncIterator[promokit.Client]:
    config = {
        "default": "echo",
        "ledger": ":memory:",
        "providers": {
            "echo": {
                "plugin": "echo",
                "api_key": CANARY_KEY,
                "base_url": echo_server.url,
                "timeout": 2.0,
                # A "delay" fault commits up to 1.5 s after a client gave up.
                "settle_margin": 1.5,
            },
            "mem": {"plugin": "memory"},
        },
    }
    async with promokit.Client.from_config(config, plugins=plugins, sleep=sleeps[1]) as client:
        yield client


def aware(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


from .pg_cluster import postgresql  # noqa: E402, F401  (the PostgreSQL cluster fixture)
