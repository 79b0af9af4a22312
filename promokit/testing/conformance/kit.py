"""What the checks share: placeholders, documented errors, the harness, field comparison, calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from promokit.client import Client
from promokit.errors import PromokitError
from promokit.http import codec
from promokit.model import (
    CardScope,
    Checkout,
    EwalletScope,
    Percent,
    Promotion,
    VirtualAccountScope,
)
from promokit.model.evaluate import evaluate
from promokit.plugins import Plugins
from promokit.plugins.emulator import Emulator, EmulatorServer, RecordedRequest
from promokit.plugins.provider import Provider
from promokit.testing.harness import NoSleep

MISSING_ID = "conformance-missing-id"
"""The promotion id error cases and undeclared operations are called with."""
MISSING_CODE = "CONFORMANCE404"
"""The code error cases and undeclared operations are called with."""
MOCK_HOST = "https://api.conformance.invalid"
"""The host canned answers stand for (served on loopback; never contacted)."""


@dataclass(frozen=True)
class ErrorCase:
    """One documented provider failure, answered by a canned loopback server.

    ``operation`` is called on the provider with placeholder arguments while every
    request is answered with ``status``, ``headers`` and ``body`` (bytes, text, or
    JSON-able data). The raised error must be an instance of ``error`` carrying
    ``code`` (the provider's own code, ``None`` when it documents none), the
    ``request_id`` when given (otherwise any non-empty one), and ``expected_status``
    (default: ``status``; set it when the body overrides the HTTP status).
    ``method`` limits the canned answer to one HTTP method.
    """

    operation: str
    status: int
    body: Any
    error: type[PromokitError]
    code: str | None = None
    request_id: str | None = None
    expected_status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str | None = None
    note: str = ""

    def body_bytes(self) -> bytes:
        """The body as sent over the wire."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return codec.encode(self.body)

    def __str__(self) -> str:
        return f"{self.operation} HTTP {self.status} -> {self.error.__name__}({self.code})"


@dataclass
class Harness:
    """A provider wired to its emulator on loopback, through a real :class:`Client`."""

    client: Client
    provider: Provider
    alias: str
    plugins: Plugins
    sleep: NoSleep
    emulator: Emulator | None = None
    server: EmulatorServer | None = None

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the emulator received (always empty without HTTP)."""
        return self.emulator.requests if self.emulator is not None else []

    def writes(self, since: int = 0) -> list[RecordedRequest]:
        """Requests after index ``since`` that are not reads."""
        return [r for r in self.requests[since:] if r.method not in ("GET", "HEAD")]


def code_of(promotion: Promotion) -> str | None:
    """The customer-facing code of a created promotion (its own or its first coupon's)."""
    if promotion.code:
        return promotion.code
    return promotion.coupons[0].code if promotion.coupons else None


def _comparable(promotion: Promotion, name: str, plugin: str) -> Any:
    """``promotion``'s value of neutral field ``name``, normalised for comparison."""
    if name == "discount":
        discount = promotion.discount
        if isinstance(discount, Percent):
            return ("percent", Decimal(discount.value).normalize())
        return ("fixed", discount.amount)
    if name == "discount.max_amount":
        discount = promotion.discount
        return discount.max_amount if isinstance(discount, Percent) else None
    if name == "extensions":
        return promotion.extensions.get(plugin, {})
    value = getattr(promotion, name)
    if isinstance(value, datetime):
        utc = codec.as_utc(value)
        assert utc is not None
        return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    if isinstance(value, CardScope):
        return ("card", tuple(sorted(value.bins)), tuple(sorted(value.banks)))
    if isinstance(value, EwalletScope):
        return ("ewallet", tuple(sorted(value.wallets)))
    if isinstance(value, VirtualAccountScope):
        return ("virtual_account", tuple(sorted(value.banks)))
    if isinstance(value, tuple):
        return tuple(sorted(map(str, value)))
    return value


def differing_fields(
    sent: Promotion, got: Promotion, names: Sequence[str], plugin: str
) -> list[str]:
    """``"field: sent != got"`` for every field of ``names`` that did not survive."""
    return [
        f"{name}: sent {_comparable(sent, name, plugin)!r}, got {_comparable(got, name, plugin)!r}"
        for name in names
        if _comparable(sent, name, plugin) != _comparable(got, name, plugin)
    ]


async def call(
    target: Client | Provider,
    operation: str,
    *,
    promotion: Promotion,
    promotion_id: str = MISSING_ID,
    code: str = MISSING_CODE,
    checkout: Checkout | None = None,
) -> Any:
    """Run ``operation`` on a client (its default alias) or directly on a provider."""
    cart = checkout or Checkout(amount=100_000)
    if operation == "create":
        return await target.create(promotion)
    if operation == "get":
        return await target.get(promotion_id)
    if operation == "list":
        return [item async for item in target.list()]
    if operation == "validate":
        return await target.validate(code, cart)
    if operation == "usage":
        return await target.usage(code)
    if operation == "update":
        return await target.update(promotion_id, promotion)
    if operation == "delete":
        return await target.delete(promotion_id)
    if operation == "find" and isinstance(target, Provider):
        return await target.find(promotion)
    raise ValueError(f"unknown operation {operation!r}")


def reference_reason(promotion: Promotion, checkout: Checkout, now: datetime) -> str:
    """Why the reference evaluator refuses ``checkout`` (for failure messages)."""
    verdict = evaluate(promotion, checkout, now=now)
    return f"{verdict.reason}: {verdict.message}" if not verdict.valid else "accepted"
