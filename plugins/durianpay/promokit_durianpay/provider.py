"""DurianpayProvider: Durianpay's promo endpoints behind promokit's neutral operations."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

import msgspec

from promokit.sdk import (
    Budget,
    Checkout,
    ConfigurationError,
    ErrorInfo,
    NotFound,
    Problem,
    PromokitError,
    Promotion,
    Provider,
    ProviderHttp,
    ProviderSettings,
    Quota,
    Rejection,
    Response,
    Usage,
    Validation,
    decode,
    evaluate,
)
from promokit_durianpay import NAME, __version__, auth, mapping
from promokit_durianpay.errors import error_info
from promokit_durianpay.manifest import MANIFEST, PAGE_SIZE, plan_problems
from promokit_durianpay.wire import (
    PATH_PREFIX,
    PROMOS,
    DeleteResponse,
    Promo,
    decode_one,
    decode_page,
)

log = logging.getLogger("promokit.durianpay")

DEFAULT_BASE_URL = f"https://api.durianpay.id{PATH_PREFIX}"
"""Sandbox and production share this host; the key decides the environment."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _page_size(settings: ProviderSettings) -> int:
    value = settings.options.get("page_size", PAGE_SIZE)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"provider {settings.alias!r}: options.page_size must be a positive integer, "
            f"got {value!r}",
            provider=settings.alias,
        )
    return value


class DurianpayProvider(Provider):
    """Durianpay promos (``/v1/merchants/promos``) as a promokit provider.

    Settings: ``api_key`` (``dp_test_…`` for sandbox, ``dp_live_…`` for
    production), optional ``environment`` (checked against the key), optional
    ``base_url`` (emulators), and ``options.page_size`` (promos per list request,
    default 25). ``clock`` is the "now" used for local validation; tests may
    point it at an emulator's virtual clock.
    """

    plugin_name = NAME
    version = __version__
    manifest = MANIFEST
    emulator = "promokit_durianpay.emulator:create_emulator"
    emulator_prefix = PATH_PREFIX
    known_options = frozenset({"page_size"})
    docs_url = "https://durianpay.id/docs/api/promos/overview/"

    def __init__(self, settings: ProviderSettings, http: ProviderHttp | None) -> None:
        super().__init__(settings, http)
        self.page_size = _page_size(settings)
        self.clock: Callable[[], datetime] = _utc_now

    # -- configuration (no I/O) -------------------------------------------------

    @classmethod
    def check_settings(cls, settings: ProviderSettings) -> None:
        """Refuse unknown options, a key/environment mismatch or a key of neither environment."""
        super().check_settings(settings)
        auth.check_settings(settings)
        _page_size(settings)

    @classmethod
    def base_url(cls, settings: ProviderSettings) -> str:
        """``https://api.durianpay.id/v1`` unless ``base_url`` overrides it."""
        return settings.base_url or DEFAULT_BASE_URL

    @classmethod
    def auth_headers(cls, settings: ProviderSettings) -> dict[str, str]:
        """``Authorization: Basic base64("<key>:")``."""
        return {"Authorization": auth.basic_authorization(settings.require_key())}

    @classmethod
    def parse_error(cls, response: Response) -> ErrorInfo | None:
        """Durianpay's error bodies, every shape; see :mod:`promokit_durianpay.errors`."""
        return error_info(response)

    def plan_problems(self, promotion: Promotion) -> list[Problem]:
        """Rules beyond the manifest (BINs travel as integers)."""
        return plan_problems(promotion)

    def natural_key(self, promotion: Promotion) -> str | None:
        """The label, which Durianpay keeps unique."""
        return promotion.name

    # -- decoding -----------------------------------------------------------------

    def _decode_one(self, response: Response, operation: str) -> tuple[Promo, str]:
        """The promo in ``response``, wrapped in ``data`` (create, SDKs) or not (some docs)."""
        promo, wrapped = decode_one(
            response.body, provider=self.alias, operation=operation, request_id=response.request_id
        )
        return promo, "$.data" if wrapped else "$"

    def _neutral(
        self,
        promo: Promo,
        operation: str,
        at: str,
        *,
        code: str | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> Promotion:
        return mapping.to_promotion(
            promo,
            provider=self.alias,
            operation=operation,
            at=at,
            code=code or self.codes.code_for(promo.id),
            extensions=extensions,
        )

    # -- operations ---------------------------------------------------------------

    async def create(self, promotion: Promotion) -> Promotion:
        """``POST /merchants/promos``; the code we sent is kept if not echoed."""
        response = await self.http.request(
            "POST", PROMOS, operation="create", body=mapping.encode_request(promotion)
        )
        promo, at = self._decode_one(response, "create")
        await self.codes.remember(promo.code or promotion.code, promo.id)
        return self._neutral(
            promo, "create", at, code=promotion.code, extensions=promotion.extensions
        )

    async def _fetch(self, promotion_id: str, operation: str) -> tuple[Promo, str]:
        response = await self.http.request(
            "GET", self.http.path("merchants", "promos", promotion_id), operation=operation
        )
        return self._decode_one(response, operation)

    async def get(self, promotion_id: str) -> Promotion:
        """``GET /merchants/promos/{id}``."""
        await self.codes.ready_for(promotion_id)
        promo, at = await self._fetch(promotion_id, "get")
        return self._neutral(promo, "get", at)

    async def _pages(self, operation: str) -> AsyncGenerator[list[tuple[int, Promo]], None]:
        """Every promo, one ``skip``/``limit`` page at a time, fetched as consumed.

        Each page comes as ``(index in data, promo)`` pairs of promos not seen before,
        so no promo is yielded twice. Pagination is undocumented for promos, so the
        listing is complete whatever the server does with ``skip`` and ``limit``:

        * it honours both, or caps the page size: ``skip`` advances by what came back,
          and a short page never ends the listing, only an empty one does;
        * it ignores both (every promo each time): the second page brings nothing
          new, which ends the listing;
        * it ignores ``skip`` (the first promos again): a full page with nothing new
          switches to asking from the start for a growing ``limit`` until a page
          brings nothing new or is shorter than asked (everything was sent).

        Every request either brings a promo not seen before or ends the listing
        (the switch above excepted, once), so a listing always terminates.
        """
        seen: set[str] = set()
        skip, limit = 0, self.page_size
        from_start = False  # the server ignores skip: ask from the start for more
        unbounded = False  # a page longer than asked: the server ignores limit
        while True:
            params = {"skip": str(skip), "limit": str(limit)}
            response = await self.http.request("GET", PROMOS, operation=operation, params=params)
            promos = decode_page(
                response.body,
                provider=self.alias,
                operation=operation,
                request_id=response.request_id,
            )
            if not promos:
                return
            fresh = []
            for index, promo in enumerate(promos):
                if promo.id not in seen:
                    seen.add(promo.id)
                    fresh.append((index, promo))
            if fresh:
                yield fresh
            unbounded = unbounded or len(promos) > limit
            if from_start:
                if not fresh or len(promos) < limit:
                    return
                limit = 2 * len(seen)
                continue
            if not fresh:
                if unbounded or len(promos) < limit:
                    return  # the same promos again: that was all of them
                log.info(
                    "provider=%s operation=%s Durianpay repeated a full page (skip ignored?); "
                    "asking from the start for more after %d promos",
                    self.alias,
                    operation,
                    len(seen),
                )
                from_start = True
                skip, limit = 0, 2 * len(seen)
                continue
            skip += len(promos)

    async def list(
        self,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
    ) -> AsyncIterator[Promotion]:
        """``GET /merchants/promos`` page by page; filters apply locally.

        Durianpay documents no filters. ``search`` matches label or code
        (case-insensitive); ``product_id`` matches nothing, since Durianpay promos
        are not tied to products.
        """
        needle = None if search is None else search.lower()
        await self.codes.ready()
        async with aclosing(self._pages("list")) as pages:
            async for page in pages:
                for promotion in mapping.to_promotions(
                    page, provider=self.alias, operation="list", code_for=self.codes.code_for
                ):
                    if status is not None and promotion.status != status:
                        continue
                    if needle is not None and not (
                        needle in promotion.name.lower() or needle in (promotion.code or "").lower()
                    ):
                        continue
                    if product_id is not None and product_id not in promotion.products:
                        continue
                    yield promotion

    async def update(self, promotion_id: str, promotion: Promotion) -> Promotion:
        """``PATCH /merchants/promos/{id}`` with the full payload, as the SDKs do."""
        response = await self.http.request(
            "PATCH",
            self.http.path("merchants", "promos", promotion_id),
            operation="update",
            body=mapping.encode_request(promotion),
            # The full object is sent every time, so repeating it is harmless.
            idempotent=True,
        )
        promo, at = self._decode_one(response, "update")
        await self.codes.remember(promo.code or promotion.code, promo.id)
        return self._neutral(
            promo, "update", at, code=promotion.code, extensions=promotion.extensions
        )

    async def delete(self, promotion_id: str) -> None:
        """``DELETE /merchants/promos/{id}`` (answers ``{"message": ...}``)."""
        response = await self.http.request(
            "DELETE",
            self.http.path("merchants", "promos", promotion_id),
            operation="delete",
            expect_json=False,  # an empty 200 is a plain "deleted"
        )
        if response.body.strip():
            decode(
                response.body,
                DeleteResponse,
                provider=self.alias,
                operation="delete",
                request_id=response.request_id,
            )
        await self.codes.forget(promotion_id)

    async def _by_code(self, code: str, operation: str) -> tuple[Promo, Promotion] | None:
        """The promo carrying ``code``: first through the code book, then by listing."""
        promo_id = await self.codes.id_for(code)
        if promo_id is not None:
            try:
                promo, at = await self._fetch(promo_id, operation)
            except NotFound:
                # Tidying a stale entry: a ledger that cannot is no reason to fail a read.
                with contextlib.suppress(PromokitError):
                    await self.codes.forget(promo_id)
            else:
                if promo.code in (None, "", code):
                    return promo, self._neutral(promo, operation, at, code=code)
        async with aclosing(self._pages(operation)) as pages:
            async for page in pages:
                for index, promo in page:
                    if promo.code == code:
                        # Durianpay said which promo carries the code: the next
                        # validate reads that one promo by id, not every page (a
                        # ledger that cannot keep it is no reason to fail a read).
                        with contextlib.suppress(PromokitError):
                            await self.codes.remember(code, promo.id)
                        return promo, self._neutral(promo, operation, f"$.data[{index}]")
        return None

    async def validate(self, code: str, checkout: Checkout) -> Validation:
        """Evaluate ``code`` locally: Durianpay offers no validation endpoint."""
        found = await self._by_code(code, "validate")
        if found is None:
            return Validation(
                valid=False,
                reason=Rejection.NOT_FOUND,
                message=_unknown_code(code, self.alias),
                provider=self.alias,
                evaluated_locally=True,
            )
        promo, promotion = found
        used = mapping.used_of(promo, mapping.Where(self.alias, "validate", "$"))
        budget = isinstance(promotion.limit, Budget)
        result = evaluate(
            promotion,
            checkout,
            now=self.clock(),
            used=0 if budget else used,
            given=used if budget else 0,
        )
        return msgspec.structs.replace(result, provider=self.alias, evaluated_locally=True)

    async def usage(self, code: str) -> Usage:
        """``promo_usage`` against ``limit_value`` (both in the limit's unit)."""
        found = await self._by_code(code, "usage")
        if found is None:
            raise NotFound(_unknown_code(code, self.alias), provider=self.alias, operation="usage")
        promo, promotion = found
        used = mapping.used_of(promo, mapping.Where(self.alias, "usage", "$"))
        limit = promotion.limit
        cap = (
            limit.uses
            if isinstance(limit, Quota)
            else limit.amount
            if isinstance(limit, Budget)
            else None
        )
        remaining = None if cap is None else max(cap - used, 0)
        return Usage(code=code, used=used, limit=cap, remaining=remaining, exhausted=remaining == 0)

    async def find(self, promotion: Promotion) -> Promotion | None:
        """The promo whose label is ``promotion.name`` (labels are unique), or ``None``."""
        async with aclosing(self._pages("find")) as pages:
            async for page in pages:
                for index, promo in page:
                    if promo.label == promotion.name:
                        return self._neutral(promo, "find", f"$.data[{index}]")
        return None


def _unknown_code(code: str, alias: str) -> str:
    """Why a code was not found, and how to make it known: Durianpay never returns codes."""
    return (
        f"code {code!r} is not in promokit's ledger for {alias}, and Durianpay does not "
        "return codes, so it cannot be looked up there. If the promo was made elsewhere "
        f"(the dashboard), register its code: promokit codes add {code} PROMO_ID -p {alias} "
        "(or client.register_code(code, promo_id))"
    )
