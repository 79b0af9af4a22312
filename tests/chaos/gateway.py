"""A loopback gateway in front of a real provider emulator that misbehaves on demand."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web
from promokit_durianpay.emulator import DurianpayEmulator
from promokit_mayar.emulator import MayarEmulator
from promokit_mayar.wire import PATH_PREFIX as MAYAR_PREFIX

from promokit.plugins.emulator import Emulator, EmulatorServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAYAR_KEY = "mayar_live_CHAOS0123456789abcdef+XYZ/"
DURIANPAY_KEY = "dp_test_CHAOS0123456789abcdefXYZW"
DEPTH = 100_000

SCENARIOS = (
    "echo_key_401",
    "echo_key_400",
    "echo_key_html_502",
    "redirect",
    "trickle",
    "drop_after_commit",
    "drop_reused",
    "drop_reused_all",
    "nested_json",
    "nested_json_error",
    "html_200",
    "echo_key_200",
    "lag_list",
    "drop_then_lag",
    "silent",
)
"""Every misbehaviour the gateway knows, by name."""


def key_forms(key: str) -> tuple[str, ...]:
    """The forms a gateway might echo: raw, Basic-auth base64 of ``key:``, URL-encoded."""
    basic = base64.b64encode(f"{key}:".encode()).decode()
    return (key, basic, quote(basic, safe=""), quote(key, safe=""))


@dataclass
class Chaos:
    """What the gateway does to the next requests; ``seen`` counts what reached it."""

    scenario: str | None = None
    provider: str = "mayar"
    key: str = ""
    delay: float = 0.4
    cut_at: int = 120
    """Where ``echo_key_cut_*`` puts the key: starting 12 characters before this offset."""
    seen: list[tuple[str, str]] = field(default_factory=list)
    writes: int = 0
    _connections: dict[int, int] = field(default_factory=dict)

    def echo_text(self) -> str:
        return " ".join(f"key={form}" for form in key_forms(self.key))

    def error_body(self, status: int) -> dict[str, Any]:
        message = f"invalid credentials {self.echo_text()}"
        if self.provider == "mayar":
            return {"statusCode": status, "messages": message, "data": None}
        return {"error": message, "error_code": f"DPAY_{status}_{self.key}"}

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        connection = id(request.protocol)
        served = self._connections.get(connection, 0)
        self._connections[connection] = served + 1
        self.seen.append((request.method, request.path))
        if request.method in ("POST", "PATCH") and "/validate" not in request.path:
            self.writes += 1
        scenario = self.scenario
        if scenario is None:
            return await handler(request)
        if scenario in ("echo_key_cut_502", "echo_key_cut_200"):
            # A page whose key straddles where a snippet of ``cut_at`` characters ends.
            page = "p" * (self.cut_at - 12) + self.key + " tail"
            status = int(scenario.rsplit("_", 1)[1])
            return web.Response(status=status, text=page, content_type="text/html")
        if scenario == "echo_key_200":
            # A success that carries the key in its own text (a validate answer).
            body = {"statusCode": 200, "messages": self.echo_text(), "data": {"valid": False}}
            return web.json_response(body)
        if scenario.startswith("echo_key_") and scenario != "echo_key_html_502":
            status = int(scenario.rsplit("_", 1)[1])
            return web.json_response(self.error_body(status), status=status)
        if scenario == "echo_key_html_502":
            page = f"<html><body>502 Bad Gateway {self.echo_text()}</body></html>"
            return web.Response(status=502, text=page, content_type="text/html")
        if scenario == "redirect":
            basic = base64.b64encode(f"{self.key}:".encode()).decode()
            location = f"https://login.example/?token={quote(self.key)}&basic={basic}"
            return web.Response(status=301, headers={"Location": location})
        if scenario == "html_200":
            page = f"<html>maintenance {self.key}</html>"
            return web.Response(status=200, text=page, content_type="text/html")
        if scenario in ("nested_json", "nested_json_error"):
            status = 200 if scenario == "nested_json" else 500
            deep = b"[" * DEPTH + b"]" * DEPTH
            # Inside the fields a decoder reads or skips, not only at the top.
            body = b'{"statusCode": %d, "messages": "x", "error": "x", "data": %s, "x": %s}' % (
                status,
                deep,
                deep,
            )
            return web.Response(status=status, body=body, content_type="application/json")
        if scenario == "silent":
            await asyncio.sleep(3600)
        if scenario == "trickle":
            response = web.StreamResponse(status=200)
            response.content_type = "application/json"
            await response.prepare(request)
            for _ in range(1000):
                await response.write(b" ")
                await asyncio.sleep(self.delay)
            return response
        if scenario == "drop_after_commit":
            await handler(request)
            _cut(request)
            raise web.HTTPInternalServerError
        if scenario in ("drop_reused", "drop_reused_all"):
            idempotent = request.method in ("GET", "DELETE", "HEAD")
            if served > 0 and (idempotent or scenario == "drop_reused_all"):
                _cut(request)
                raise web.HTTPInternalServerError
            return await handler(request)
        lagging = scenario in ("lag_list", "drop_then_lag")
        if lagging and request.method == "GET" and _is_list(request.path):
            return self._empty_list()
        if scenario == "drop_then_lag" and request.method == "POST" and self.writes == 1:
            # The first write commits and its answer is lost; the list does not show it.
            await handler(request)
            _cut(request)
            raise web.HTTPInternalServerError
        return await handler(request)

    def _empty_list(self) -> web.Response:
        if self.provider == "mayar":
            body: dict[str, Any] = {
                "statusCode": 200,
                "messages": "success",
                "data": {"coupons": []},
                "hasMore": False,
                "nextStartingAfter": None,
            }
        else:
            body = {"data": []}
        return web.json_response(body)


def _is_list(path: str) -> bool:
    return path.rstrip("/").endswith(("/coupons", "/promos"))


def _cut(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()


class ChaosEmulator(Emulator):
    """Serves ``inner``'s routes behind a :class:`Chaos` middleware."""

    def __init__(self, inner: Emulator, chaos: Chaos) -> None:
        super().__init__()
        self.inner = inner
        self.chaos = chaos

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.chaos.middleware, self.inner._middleware])
        self.inner.routes(app)
        return app


def gateway(provider: str) -> tuple[ChaosEmulator, str]:
    """A chaos emulator for ``provider`` and the path prefix its server needs."""
    if provider == "mayar":
        inner: Emulator = MayarEmulator(api_key=MAYAR_KEY)
        chaos = Chaos(provider="mayar", key=MAYAR_KEY)
        return ChaosEmulator(inner, chaos), MAYAR_PREFIX
    inner = DurianpayEmulator(keys=(DURIANPAY_KEY,))
    chaos = Chaos(provider="durianpay", key=DURIANPAY_KEY)
    return ChaosEmulator(inner, chaos), "/v1"


def server_for(emulator: ChaosEmulator, prefix: str) -> EmulatorServer:
    """A loopback server for a chaos emulator."""
    return EmulatorServer(emulator, prefix=prefix)
