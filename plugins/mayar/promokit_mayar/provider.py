"""MayarProvider: Mayar's coupon API v2 behind promokit's neutral operations."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from datetime import UTC, datetime
from typing import ClassVar, TypeVar

from promokit.sdk import (
    BadRequest,
    Checkout,
    ConfigurationError,
    ErrorInfo,
    InvalidCheckout,
    InvalidInput,
    NotFound,
    Problem,
    Promotion,
    Provider,
    ProviderHttp,
    ProviderSettings,
    Response,
    UnsupportedFeature,
    Usage,
    Validation,
    decode,
    encode,
    field_error,
    path_segment,
    plan,
    require_operation,
)
from promokit_mayar import NAME, __version__, mapping, validating, wire
from promokit_mayar.errors import error_info
from promokit_mayar.manifest import (
    DEFAULT_PAGE_SIZE,
    MANIFEST,
    MAX_CODE_LENGTH,
    MAX_PAGE_SIZE,
    extra_problems,
)
from promokit_mayar.wire import PATH_PREFIX

T = TypeVar("T")

PRODUCTION_URL = f"https://api.mayar.id{PATH_PREFIX}"
SANDBOX_HOSTS = ("api.mayar.club", "api.mayar.io")
"""The two documented sandbox hosts: aliases of one environment (the first is the default)."""
_LIST_STATUSES = ("active", "inactive", "expired", "scheduled")


class MayarProvider(Provider):
    """Mayar (https://mayar.id) coupon API v2: create, get, list, validate and usage.

    Settings: ``api_key`` (sent as ``Authorization: Bearer <key>``) and
    ``environment`` (``production`` or ``sandbox``; Mayar keys carry no prefix, so it
    must be set unless ``base_url`` points at an emulator). ``options``:

    * ``sandbox_host`` — ``api.mayar.club`` (default) or its alias ``api.mayar.io``;
    * ``page_size`` — list page size, 1 to 50 (default 10, the documented default;
      50 is the documented maximum of V2 lists);
    * ``list_detail`` — when true, ``list`` fetches each discount's detail (exact
      promotions with codes, one extra request per item; default false).

    Mayar offers no update or delete; both are refused before any I/O.
    """

    plugin_name: ClassVar[str] = NAME
    manifest = MANIFEST
    version: ClassVar[str] = __version__
    emulator: ClassVar[str | None] = "promokit_mayar.emulator:create_emulator"
    emulator_prefix: ClassVar[str] = PATH_PREFIX
    docs_url: ClassVar[str] = "https://docs.mayar.id/api-reference-v2/discount"

    known_options: ClassVar[frozenset[str] | None] = frozenset(
        {"sandbox_host", "page_size", "list_detail"}
    )

    def __init__(self, settings: ProviderSettings, http: ProviderHttp | None) -> None:
        super().__init__(settings, http)
        options = settings.options
        self.page_size: int = options.get("page_size", DEFAULT_PAGE_SIZE)
        self.list_detail: bool = options.get("list_detail", False)
        # A partial, not a function: the clock is read on every detail, and this is C.
        self.now: Callable[[], datetime] = functools.partial(datetime.now, UTC)
        """The clock used to derive ``expired`` from a detail response (tests replace it)."""

    # -- configuration (no I/O) -----------------------------------------------

    @classmethod
    def check_settings(cls, settings: ProviderSettings) -> None:
        """Refuse settings that cannot work: no key, unknown options, no environment."""
        settings.require_key()
        super().check_settings(settings)
        where = f"[providers.{settings.alias}]"
        page_size = settings.options.get("page_size", DEFAULT_PAGE_SIZE)
        if (
            not isinstance(page_size, int)
            or isinstance(page_size, bool)
            or not (1 <= page_size <= MAX_PAGE_SIZE)
        ):
            raise ConfigurationError(
                f"{where}: options.page_size must be an integer from 1 to {MAX_PAGE_SIZE}",
                provider=settings.alias,
            )
        if not isinstance(settings.options.get("list_detail", False), bool):
            raise ConfigurationError(
                f"{where}: options.list_detail must be true or false", provider=settings.alias
            )
        cls.base_url(settings)

    @classmethod
    def base_url(cls, settings: ProviderSettings) -> str:
        """``base_url`` if set, else the production or sandbox API root for ``environment``."""
        if settings.base_url is not None:
            return settings.base_url.rstrip("/")
        where = f"[providers.{settings.alias}]"
        if settings.environment == "production":
            return PRODUCTION_URL
        if settings.environment == "sandbox":
            host = settings.options.get("sandbox_host", SANDBOX_HOSTS[0])
            if host not in SANDBOX_HOSTS:
                raise ConfigurationError(
                    f"{where}: options.sandbox_host must be one of {', '.join(SANDBOX_HOSTS)} "
                    f"(got {host!r}); use base_url for anything else",
                    provider=settings.alias,
                )
            return f"https://{host}{PATH_PREFIX}"
        raise ConfigurationError(
            f'{where}: set environment = "production" or "sandbox" — Mayar API keys carry '
            "no prefix, so promokit cannot tell which environment a key belongs to "
            "(or set base_url to use an emulator)",
            provider=settings.alias,
        )

    @classmethod
    def auth_headers(cls, settings: ProviderSettings) -> dict[str, str]:
        """``Authorization: Bearer <key>`` plus the JSON headers Mayar's own CLI sends."""
        return {
            "Authorization": f"Bearer {settings.require_key().reveal()}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    @classmethod
    def parse_error(cls, response: Response) -> ErrorInfo | None:
        """Mayar's failures, including HTTP 200 bodies whose ``statusCode`` says otherwise."""
        return error_info(response)

    def plan_problems(self, promotion: Promotion) -> list[Problem]:
        """The 50-code limit of one-time coupons, ignored codes, ``extensions`` clashes."""
        return extra_problems(promotion)

    def natural_key(self, promotion: Promotion) -> str | None:
        """What identifies ``promotion`` on Mayar when a create's answer is lost.

        A reusable coupon's caller-chosen code (Mayar answers 409 on its reuse); for
        one-time coupons, whose codes Mayar generates, the discount's name — unique
        when callers keep it so, as ``Client.create_bulk`` does for every batch.
        """
        if promotion.coupon_type == "reusable":
            return promotion.code
        return f"name:{promotion.name}"

    def natural_key_unique(self, promotion: Promotion) -> bool:
        """Only a reusable code: Mayar answers 409 on its reuse but repeats names freely,
        and a retried one-time create stores a second discount (providers.md §A.9)."""
        return promotion.coupon_type == "reusable"

    # -- operations -------------------------------------------------------------

    async def create(self, promotion: Promotion) -> Promotion:
        """``POST /coupons/create``; the plan is re-checked so a direct call sends nothing bad."""
        plan(
            promotion,
            self.manifest,
            provider=self.alias,
            plugin=self.plugin_name,
            extra_problems=self.plan_problems(promotion),
        ).raise_for_problems()
        response = await self.http.request(
            "POST", "/coupons/create", operation="create", body=mapping.encode_create(promotion)
        )
        created = self._decode(response, wire.CreateResponse, "create")
        return mapping.promotion_from_created(created.data, alias=self.alias, now=self.now())

    async def get(self, promotion_id: str) -> Promotion:
        """``GET /coupons/{id}``; Mayar's 500 for an unknown id arrives as :class:`NotFound`."""
        if not promotion_id.strip():
            raise InvalidInput(
                "a Mayar discount id is needed",
                problems=[Problem("promotion_id", "must not be empty")],
                provider=self.alias,
                operation="get",
            )
        response = await self.http.request(
            "GET", "/coupons/" + path_segment(promotion_id), operation="get"
        )
        detail = self._decode(response, wire.DetailResponse, "get")
        return mapping.promotion_from_detail(detail.data, alias=self.alias, now=self.now())

    async def list(
        self,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
        detail: bool | None = None,
    ) -> AsyncIterator[Promotion]:
        """Every discount campaign, one page (``page_size``) fetched at a time as you iterate.

        ``status`` is ``active``, ``inactive``, ``expired`` or ``scheduled`` (Mayar's
        ``upcoming``); ``search`` matches the name; ``product_id`` the payment link.
        List entries lack codes, discount type, minimum purchase, customer scope and
        quota (see :func:`promokit_mayar.mapping.promotion_from_summary`); pass
        ``detail=True`` (or set ``options.list_detail``) to fetch each one exactly.
        """
        if status is not None and status not in _LIST_STATUSES:
            raise InvalidInput(
                "unknown status filter",
                problems=[Problem("status", f"must be one of {', '.join(_LIST_STATUSES)}")],
                provider=self.alias,
                operation="list",
            )
        exact = self.list_detail if detail is None else detail
        async with aclosing(self._summaries(status, search, product_id)) as summaries:
            async for index, summary in summaries:
                if exact:
                    yield await self.get(summary.id)
                else:
                    yield mapping.promotion_from_summary(summary, alias=self.alias, index=index)

    async def _summaries(
        self, status: str | None, search: str | None, product_id: str | None
    ) -> AsyncGenerator[tuple[int, wire.DiscountSummary], None]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            params = mapping.list_query(
                page_size=self.page_size,
                cursor=cursor,
                status=status,
                search=search,
                product_id=product_id,
            )
            response = await self.http.request("GET", "/coupons", operation="list", params=params)
            page = self._decode(response, wire.ListResponse, "list")
            for index, summary in enumerate(page.data.coupons):
                yield index, summary
            cursor = page.next_starting_after
            if not page.has_more or cursor is None:
                return
            if cursor in seen:
                raise field_error(
                    "$.nextStartingAfter",
                    f"the cursor {cursor[:40]!r} came back twice; stopping to avoid a loop",
                    provider=self.alias,
                    operation="list",
                )
            seen.add(cursor)

    async def validate(self, code: str, checkout: Checkout) -> Validation:
        """``POST /coupons/validate``; each documented refusal is a neutral result.

        Mayar validates against a payment link, so ``checkout.product_id`` is required.
        The discount amount is computed with promokit's reference evaluator from the
        coupon Mayar returns (Mayar itself never applies a coupon).
        """
        problems: list[Problem] = []
        if not code.strip():
            problems.append(Problem("code", "must not be empty"))
        if not checkout.product_id:
            problems.append(
                Problem(
                    "product_id",
                    "Mayar validates a code against a payment link: set Checkout.product_id "
                    "(sent as paymentLinkId)",
                )
            )
        if checkout.currency != "IDR":
            problems.append(Problem("currency", "Mayar only handles IDR"))
        problems.extend(validating.checkout_problems(checkout))
        if problems or checkout.product_id is None:
            raise InvalidCheckout(
                "this checkout cannot be validated on Mayar; nothing was sent",
                problems=problems,
                provider=self.alias,
                operation="validate",
            )
        body = encode(validating.validate_request(code, checkout, checkout.product_id))
        try:
            response = await self.http.request(
                "POST", "/coupons/validate", operation="validate", body=body, idempotent=True
            )
        except (BadRequest, NotFound) as error:
            refusal = validating.refusal_from_error(error, alias=self.alias)
            if refusal is None:
                raise
            return refusal
        result = self._decode(response, wire.ValidateResponse, "validate")
        message = result.messages or result.message
        return validating.validation_from_result(
            result.data,
            checkout,
            alias=self.alias,
            message=None if message is None else self.http.scrub(message),
        )

    async def usage(self, code: str) -> Usage:
        """``POST /coupons/check`` (read-only, keyed by code); an unknown code is NotFound."""
        if not 1 <= len(code) <= MAX_CODE_LENGTH:
            raise InvalidInput(
                f"Mayar checks codes of 1 to {MAX_CODE_LENGTH} characters; nothing was sent",
                problems=[Problem("code", f"must be 1 to {MAX_CODE_LENGTH} characters")],
                provider=self.alias,
                operation="usage",
            )
        body = encode(wire.CheckRequest(coupon_code=code))
        response = await self.http.request(
            "POST", "/coupons/check", operation="usage", body=body, idempotent=True
        )
        checked = self._decode(response, wire.CheckResponse, "usage")
        return validating.usage_from_wire(checked.data)

    async def update(self, promotion_id: str, promotion: Promotion) -> Promotion:
        """Refused before any I/O: Mayar has no update endpoint."""
        raise self._not_offered("update")

    async def delete(self, promotion_id: str) -> None:
        """Refused before any I/O: Mayar has no delete endpoint."""
        raise self._not_offered("delete")

    async def find(self, promotion: Promotion) -> Promotion | None:
        """The stored promotion with ``promotion``'s reusable code, or ``None``.

        Searches the list by name, then reads the detail of each campaign with
        exactly that name until one holds the code (codes compare case-insensitively).
        """
        key = self.natural_key(promotion)
        if key is None:
            raise UnsupportedFeature(
                f"{self.alias} ({self.plugin_name}) can look a promotion up by a reusable "
                "coupon code chosen by the caller, or by the name of a one-time coupon "
                "discount; a generated reusable code cannot be found again",
                provider=self.alias,
                operation="find",
            )
        name = promotion.name.strip().casefold()
        by_name = key.startswith("name:")
        wanted = key.casefold()
        async with aclosing(self._summaries(None, promotion.name, None)) as summaries:
            async for _, summary in summaries:
                if summary.name.strip().casefold() != name:
                    continue
                candidate = await self.get(summary.id)
                if by_name and candidate.coupon_type == "single_use":
                    return candidate
                if any(coupon.code.casefold() == wanted for coupon in candidate.coupons):
                    return candidate
        return None

    # -- helpers ------------------------------------------------------------------

    def _decode(self, response: Response, tp: type[T], operation: str) -> T:
        return decode(
            response.body,
            tp,
            provider=self.alias,
            operation=operation,
            request_id=response.request_id,
        )

    def _not_offered(self, operation: str) -> UnsupportedFeature:
        try:
            require_operation(
                self.manifest, operation, provider=self.alias, plugin=self.plugin_name
            )
        except UnsupportedFeature as refused:
            return refused
        return self._unsupported(operation)


__all__ = ["PRODUCTION_URL", "SANDBOX_HOSTS", "MayarProvider"]
