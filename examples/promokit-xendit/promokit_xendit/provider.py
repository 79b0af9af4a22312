"""XenditProvider: Xendit card promotions behind promokit's neutral operations."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec

import promokit
from promokit import FieldSupport, Limits, Manifest, Problem
from promokit.codec import as_utc, decode, encode, field_error, iso_millis
from promokit.evaluate import evaluate
from promokit.model import Status
from promokit.transport import ErrorInfo, ProviderHttp, Response, decode_json_error
from promokit_xendit import wire

# -- what Xendit can express -------------------------------------------------------------

MANIFEST = Manifest(
    fields={
        "name": FieldSupport(note="sent as reference_id, which Xendit keeps unique"),
        "description": FieldSupport(required=True, note="Xendit requires a description"),
        "code": FieldSupport(note="sent as promo_code"),
        "coupon_type": FieldSupport(values=("reusable",), note="one reusable promo code"),
        "discount": FieldSupport(
            values=("percent", "fixed"), note="discount_percent or discount_amount"
        ),
        "discount.max_amount": FieldSupport(note="sent as max_discount_amount"),
        "currency": FieldSupport(note="IDR or PHP"),
        "min_purchase": FieldSupport(note="sent as min_original_amount"),
        "starts_at": FieldSupport(required=True, note="start_time is mandatory"),
        "ends_at": FieldSupport(required=True, note="end_time is mandatory"),
        "customers": FieldSupport(values=("all",), note="no customer targeting"),
        "payment": FieldSupport(
            values=("card",), note="card promotions only: bin_list and one channel_code (bank)"
        ),
        "reward": FieldSupport(values=("discount",), note="the charge amount is discounted"),
        "applies_to": FieldSupport(values=("order",), note="applies to the whole charge"),
        "extensions": FieldSupport(note="extensions['xendit'] keys are added to the body"),
    },
    operations={
        "create": "native",
        "get": "emulated",
        "list": "native",
        "update": "native",
        "delete": "native",
        "validate": "emulated",
    },
    operation_notes={
        "get": "Xendit documents no fetch-one endpoint; the promotion is found in the list",
        "validate": "evaluated locally with promokit's reference evaluator (Xendit's "
        "calculation endpoint is for xendit.js in the browser)",
        "usage": "Xendit reports no redemption counts for promotions",
    },
    limits=Limits(currencies=("IDR", "PHP")),
)
"""Xendit's capabilities, declared as data: promokit plans against this with no I/O."""

SANDBOX_PREFIX, LIVE_PREFIX = "xnd_development_", "xnd_production_"


# -- neutral <-> wire: the one place where they meet ---------------------------------------


def to_body(promotion: promokit.Promotion, *, update: bool = False) -> bytes:
    """The JSON body for ``promotion``.

    A create leaves unset fields out. An update sends every field, with ``0``,
    ``""`` or ``[]`` clearing what is unset, but never ``reference_id`` (fixed).
    """
    assert promotion.starts_at is not None, "planned: starts_at is required"
    assert promotion.ends_at is not None, "planned: ends_at is required"
    discount = promotion.discount
    card = promotion.payment if isinstance(promotion.payment, promokit.CardScope) else None
    cap = discount.max_amount if isinstance(discount, promokit.Percent) else None
    no_text, no_number = ("", 0) if update else (None, None)
    body = wire.PromotionBody(
        reference_id=None if update else promotion.name,
        description=promotion.description,
        promo_code=promotion.code or no_text,
        bin_list=list(card.bins) if card and card.bins else ([] if update else None),
        channel_code=card.banks[0] if card and card.banks else no_text,
        discount_percent=(
            discount.value
            if isinstance(discount, promokit.Percent)
            else (Decimal(0) if update else None)
        ),
        discount_amount=discount.amount if isinstance(discount, promokit.Fixed) else no_number,
        currency=promotion.currency,
        start_time=iso_millis(promotion.starts_at),
        end_time=iso_millis(promotion.ends_at),
        min_original_amount=promotion.min_purchase or no_number,
        max_discount_amount=cap or no_number,
    )
    data = msgspec.to_builtins(body, builtin_types=(Decimal,))
    data.update(promotion.extensions.get("xendit", {}))
    return encode(data)


def _whole(value: Decimal | None, path: str, alias: str, operation: str) -> int | None:
    if value is None or value == 0:
        return None
    if value != value.to_integral_value():
        raise field_error(
            path, f"expected whole units, got {value}", provider=alias, operation=operation
        )
    return int(value)


def to_neutral(
    item: wire.Promotion,
    *,
    alias: str,
    operation: str,
    now: datetime,
    extensions: dict[str, dict[str, Any]] | None = None,
) -> promokit.Promotion:
    """The neutral promotion for a Xendit one; the status comes from the time window."""
    discount: promokit.Percent | promokit.Fixed
    cap = _whole(item.max_discount_amount, "$.max_discount_amount", alias, operation)
    if item.discount_percent:
        discount = promokit.Percent(value=item.discount_percent.normalize(), max_amount=cap)
    else:
        amount = _whole(item.discount_amount, "$.discount_amount", alias, operation)
        if amount is None:
            raise field_error(
                "$",
                "neither discount_percent nor discount_amount",
                provider=alias,
                operation=operation,
            )
        discount = promokit.Fixed(amount=amount)
    bins = tuple(item.bin_list or ())
    banks = (item.channel_code,) if item.channel_code else ()
    starts_at, ends_at = as_utc(item.start_time), as_utc(item.end_time)
    assert starts_at is not None
    assert ends_at is not None
    status: Status = "inactive"
    if item.status == "ACTIVE":
        status = "scheduled" if now < starts_at else "expired" if now >= ends_at else "active"
    return promokit.Promotion(
        name=item.reference_id,
        description=item.description or None,
        code=item.promo_code or None,
        discount=discount,
        currency=item.currency or "IDR",
        min_purchase=_whole(item.min_original_amount, "$.min_original_amount", alias, operation),
        starts_at=starts_at,
        ends_at=ends_at,
        payment=promokit.CardScope(bins=bins, banks=banks) if bins or banks else None,
        extensions=extensions or {},
        id=item.id,
        provider=alias,
        status=status,
    )


# -- the provider --------------------------------------------------------------------------


class XenditProvider(promokit.Provider):
    """Xendit card promotions (``/promotions``) as a promokit provider.

    Settings: ``api_key`` (``xnd_development_…`` or ``xnd_production_…``; the
    prefix decides the environment) and ``base_url`` (for the emulator).
    """

    plugin_name = "xendit"
    version = "0.1.0"
    manifest = MANIFEST
    emulator = "promokit_xendit.emulator:create_emulator"
    docs_url = "https://docs.xendit.co/credit-cards/integrations/promotions"

    def __init__(self, settings: promokit.ProviderSettings, http: ProviderHttp | None) -> None:
        super().__init__(settings, http)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- configuration, no I/O -------------------------------------------------------------

    @classmethod
    def check_settings(cls, settings: promokit.ProviderSettings) -> None:
        """Refuse a key of neither environment, or one for the other environment."""
        key = settings.require_key()
        value = key.reveal()
        if value.startswith(SANDBOX_PREFIX):
            environment = "sandbox"
        elif value.startswith(LIVE_PREFIX):
            environment = "production"
        else:
            raise promokit.ConfigurationError(
                f"provider {settings.alias!r}: the Xendit key {key.hint} starts with neither "
                f"{SANDBOX_PREFIX!r} nor {LIVE_PREFIX!r}",
                provider=settings.alias,
            )
        if settings.environment not in (None, environment):
            raise promokit.ConfigurationError(
                f"provider {settings.alias!r} is set to {settings.environment} but its key "
                f"{key.hint} is for {environment}",
                provider=settings.alias,
            )

    @classmethod
    def base_url(cls, settings: promokit.ProviderSettings) -> str:
        """``https://api.xendit.co`` (both environments) unless ``base_url`` is set."""
        return settings.base_url or "https://api.xendit.co"

    @classmethod
    def auth_headers(cls, settings: promokit.ProviderSettings) -> dict[str, str]:
        """HTTP Basic auth: the secret key is the user name, the password is empty."""
        token = base64.b64encode(f"{settings.require_key().reveal()}:".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    @classmethod
    def parse_error(cls, response: Response) -> ErrorInfo | None:
        """Xendit's ``{"error_code", "message"}`` body, or the HTTP status alone."""
        if response.status < 400:
            return None
        parsed = decode_json_error(response.body)
        fields = parsed if isinstance(parsed, dict) else {}
        code, message = fields.get("error_code"), fields.get("message")
        return ErrorInfo(
            status=response.status,
            code=code if isinstance(code, str) and code else None,
            message=message if isinstance(message, str) and message else f"HTTP {response.status}",
        )

    def plan_problems(self, promotion: promokit.Promotion) -> list[Problem]:
        """Xendit rules the manifest cannot state as data."""
        problems = []
        scope = promotion.payment
        if isinstance(scope, promokit.CardScope) and len(scope.banks) > 1:
            problems.append(Problem("payment.banks", "Xendit takes one channel_code (bank)"))
        if scope is None and promotion.code is None:
            problems.append(Problem("payment", "set card BINs, a bank or a code"))
        return problems

    def natural_key(self, promotion: promokit.Promotion) -> str | None:
        """The reference_id (our ``name``), which Xendit keeps unique."""
        return promotion.name

    # -- operations --------------------------------------------------------------------------

    def _neutral(self, item: wire.Promotion, operation: str, **extra: Any) -> promokit.Promotion:
        return to_neutral(item, alias=self.alias, operation=operation, now=self.clock(), **extra)

    async def _all(self, operation: str, **query: str) -> list[wire.Promotion]:
        response = await self.http.request("GET", "/promotions", operation=operation, params=query)
        return decode(response.body, list[wire.Promotion], provider=self.alias, operation=operation)

    async def create(self, promotion: promokit.Promotion) -> promokit.Promotion:
        """``POST /promotions``."""
        response = await self.http.request(
            "POST", "/promotions", operation="create", body=to_body(promotion)
        )
        item = decode(response.body, wire.Promotion, provider=self.alias, operation="create")
        return self._neutral(item, "create", extensions=promotion.extensions)

    async def get(self, promotion_id: str) -> promokit.Promotion:
        """Found in ``GET /promotions`` (Xendit has no fetch-one endpoint)."""
        for item in await self._all("get"):
            if item.id == promotion_id:
                return self._neutral(item, "get")
        raise promokit.NotFound(
            f"no Xendit promotion {promotion_id!r}", provider=self.alias, operation="get"
        )

    async def list(
        self,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
    ) -> AsyncIterator[promokit.Promotion]:
        """``GET /promotions`` (one answer, no pages); filters apply locally."""
        for item in await self._all("list"):
            promotion = self._neutral(item, "list")
            if status is not None and promotion.status != status:
                continue
            if search is not None and search.casefold() not in promotion.name.casefold():
                continue
            if product_id is not None:
                continue  # Xendit promotions are not tied to products
            yield promotion

    async def update(self, promotion_id: str, promotion: promokit.Promotion) -> promokit.Promotion:
        """``PATCH /promotions/{id}``; the name (reference_id) cannot change."""
        current = await self.get(promotion_id)
        if current.name != promotion.name:
            raise promokit.UnsupportedFeature(
                f"Xendit cannot rename promotion {current.name!r}; nothing was sent",
                provider=self.alias,
                operation="update",
                problems=[Problem("name", "reference_id cannot be changed")],
            )
        response = await self.http.request(
            "PATCH",
            self.http.path("promotions", promotion_id),
            operation="update",
            body=to_body(promotion, update=True),
            idempotent=True,  # the whole promotion is sent: repeating it is harmless
        )
        item = decode(response.body, wire.Promotion, provider=self.alias, operation="update")
        return self._neutral(item, "update", extensions=promotion.extensions)

    async def delete(self, promotion_id: str) -> None:
        """``DELETE /promotions/{id}``."""
        response = await self.http.request(
            "DELETE", self.http.path("promotions", promotion_id), operation="delete"
        )
        answer = decode(response.body, wire.Deletion, provider=self.alias, operation="delete")
        if not answer.is_deleted:
            raise promokit.ProviderResponseError(
                f"Xendit did not delete {promotion_id!r}",
                provider=self.alias,
                operation="delete",
                request_id=response.request_id,
            )

    async def validate(self, code: str, checkout: promokit.Checkout) -> promokit.Validation:
        """Find the promotion with ``code`` and evaluate it locally."""
        for item in await self._all("validate"):
            if item.promo_code == code:
                result = evaluate(self._neutral(item, "validate"), checkout, now=self.clock())
                return msgspec.structs.replace(result, provider=self.alias)
        return promokit.Validation(
            valid=False,
            reason=promokit.Rejection.NOT_FOUND,
            message=f"no Xendit promotion has code {code!r}",
            provider=self.alias,
            evaluated_locally=True,
        )

    async def find(self, promotion: promokit.Promotion) -> promokit.Promotion | None:
        """``GET /promotions?reference_id=<name>``: used to reconcile a lost create."""
        found = await self._all("find", reference_id=promotion.name)
        return self._neutral(found[0], "find") if found else None
