"""XenditProvider: Xendit card promotions behind promokit's neutral operations."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from promokit import sdk
from promokit.sdk import ErrorInfo, Problem, ProviderHttp, Response, decode, evaluate
from promokit_xendit import NAME, __version__, wire
from promokit_xendit.errors import error_info
from promokit_xendit.manifest import MANIFEST, plan_problems
from promokit_xendit.mapping import to_body, to_neutral

SANDBOX_PREFIX, LIVE_PREFIX = "xnd_development_", "xnd_production_"


class XenditProvider(sdk.Provider):
    """Xendit card promotions (``/promotions``) as a promokit provider.

    Settings: ``api_key`` (``xnd_development_…`` or ``xnd_production_…``; the
    prefix decides the environment) and ``base_url`` (for the emulator).
    """

    plugin_name = NAME
    version = __version__
    manifest = MANIFEST
    emulator = "promokit_xendit.emulator:create_emulator"
    docs_url = "https://docs.xendit.co/credit-cards/integrations/promotions"
    known_options = frozenset[str]()  # Xendit needs none: any option is a typo

    def __init__(self, settings: sdk.ProviderSettings, http: ProviderHttp | None) -> None:
        super().__init__(settings, http)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- configuration, no I/O -------------------------------------------------------------

    @classmethod
    def check_settings(cls, settings: sdk.ProviderSettings) -> None:
        """Refuse options, a key of neither environment, or one for the other environment."""
        super().check_settings(settings)
        key = settings.require_key()
        value = key.reveal()
        if value.startswith(SANDBOX_PREFIX):
            environment = "sandbox"
        elif value.startswith(LIVE_PREFIX):
            environment = "production"
        else:
            raise sdk.ConfigurationError(
                f"provider {settings.alias!r}: the Xendit key {key.hint} starts with neither "
                f"{SANDBOX_PREFIX!r} nor {LIVE_PREFIX!r}",
                provider=settings.alias,
            )
        if settings.environment not in (None, environment):
            raise sdk.ConfigurationError(
                f"provider {settings.alias!r} is set to {settings.environment} but its key "
                f"{key.hint} is for {environment}",
                provider=settings.alias,
            )

    @classmethod
    def base_url(cls, settings: sdk.ProviderSettings) -> str:
        """``https://api.xendit.co`` (both environments) unless ``base_url`` is set."""
        return settings.base_url or "https://api.xendit.co"

    @classmethod
    def auth_headers(cls, settings: sdk.ProviderSettings) -> dict[str, str]:
        """HTTP Basic auth: the secret key is the user name, the password is empty."""
        token = base64.b64encode(f"{settings.require_key().reveal()}:".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    @classmethod
    def parse_error(cls, response: Response) -> ErrorInfo | None:
        """Xendit's error body; see :func:`promokit_xendit.errors.error_info`."""
        return error_info(response)

    def plan_problems(self, promotion: sdk.Promotion) -> list[Problem]:
        """Xendit rules the manifest cannot state as data."""
        return plan_problems(promotion)

    def natural_key(self, promotion: sdk.Promotion) -> str | None:
        """The reference_id (our ``name``), which Xendit keeps unique."""
        return promotion.name

    # -- operations --------------------------------------------------------------------------

    def _neutral(self, item: wire.Promotion, operation: str, **extra: Any) -> sdk.Promotion:
        return to_neutral(item, alias=self.alias, operation=operation, now=self.clock(), **extra)

    async def _all(self, operation: str, **query: str) -> list[wire.Promotion]:
        response = await self.http.request("GET", "/promotions", operation=operation, params=query)
        return decode(response.body, list[wire.Promotion], provider=self.alias, operation=operation)

    async def create(self, promotion: sdk.Promotion) -> sdk.Promotion:
        """``POST /promotions``."""
        response = await self.http.request(
            "POST", "/promotions", operation="create", body=to_body(promotion)
        )
        item = decode(response.body, wire.Promotion, provider=self.alias, operation="create")
        return self._neutral(item, "create", extensions=promotion.extensions)

    async def get(self, promotion_id: str) -> sdk.Promotion:
        """Found in ``GET /promotions`` (Xendit has no fetch-one endpoint)."""
        for item in await self._all("get"):
            if item.id == promotion_id:
                return self._neutral(item, "get")
        raise sdk.NotFound(
            f"no Xendit promotion {promotion_id!r}", provider=self.alias, operation="get"
        )

    async def list(
        self,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
    ) -> AsyncIterator[sdk.Promotion]:
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

    async def update(self, promotion_id: str, promotion: sdk.Promotion) -> sdk.Promotion:
        """``PATCH /promotions/{id}``; the name (reference_id) cannot change."""
        current = await self.get(promotion_id)
        if current.name != promotion.name:
            raise sdk.UnsupportedFeature(
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
            raise sdk.ProviderResponseError(
                f"Xendit did not delete {promotion_id!r}",
                provider=self.alias,
                operation="delete",
                request_id=response.request_id,
            )

    async def validate(self, code: str, checkout: sdk.Checkout) -> sdk.Validation:
        """Find the promotion with ``code`` and evaluate it locally."""
        for item in await self._all("validate"):
            if item.promo_code == code:
                result = evaluate(self._neutral(item, "validate"), checkout, now=self.clock())
                return msgspec.structs.replace(result, provider=self.alias)
        return sdk.Validation(
            valid=False,
            reason=sdk.Rejection.NOT_FOUND,
            message=f"no Xendit promotion has code {code!r}",
            provider=self.alias,
            evaluated_locally=True,
        )

    async def find(self, promotion: sdk.Promotion) -> sdk.Promotion | None:
        """``GET /promotions?reference_id=<name>``: used to reconcile a lost create."""
        found = await self._all("find", reference_id=promotion.name)
        return self._neutral(found[0], "find") if found else None
