"""The built-in ``memory`` provider: every capability native, state kept in-process."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import msgspec

from promokit.errors import Conflict, NotFound
from promokit.http.transport import ProviderHttp
from promokit.model import Budget, Checkout, Coupon, Promotion, Quota, Rejection, Usage, Validation
from promokit.model.capabilities import FIELDS, OPERATIONS, FieldSupport, Manifest
from promokit.model.evaluate import evaluate
from promokit.plugins import ProviderRegistry
from promokit.plugins.hookspecs import hookimpl
from promokit.plugins.provider import Provider, ProviderSettings


class _Store:
    """Promotions and redemptions of one memory provider instance."""

    def __init__(self) -> None:
        self.promotions: dict[str, Promotion] = {}
        self.used: dict[str, int] = {}
        self.given: dict[str, int] = {}
        self.ids = itertools.count(1)


class MemoryProvider(Provider):
    """An in-process provider for demos and for unit tests of your own code.

    It supports every neutral field and operation natively, validates with the
    reference evaluator, and counts redemptions recorded through :meth:`redeem`.
    ``options.clock`` is not configurable from TOML; tests pass ``now=`` to
    :meth:`redeem` or rely on the real clock.
    """

    plugin_name = "memory"
    version = "builtin"
    uses_http = False
    manifest = Manifest(
        fields={field: FieldSupport() for field in FIELDS},
        operations=dict.fromkeys(OPERATIONS, "native"),
    )

    def __init__(self, settings: ProviderSettings, http: ProviderHttp | None = None) -> None:
        super().__init__(settings, http)
        self._store = _Store()
        self._lock = asyncio.Lock()

    def natural_key(self, promotion: Promotion) -> str | None:
        return promotion.code

    def _by_code(self, code: str) -> Promotion | None:
        for promotion in self._store.promotions.values():
            if promotion.code == code or any(c.code == code for c in promotion.coupons):
                return promotion
        return None

    def _status(self, promotion: Promotion, now: datetime) -> str:
        if promotion.starts_at is not None and now < promotion.starts_at:
            return "scheduled"
        if promotion.ends_at is not None and now >= promotion.ends_at:
            return "expired"
        return "active"

    def _view(self, promotion: Promotion) -> Promotion:
        status = self._status(promotion, datetime.now(UTC))
        return msgspec.structs.replace(promotion, status=status)

    async def create(self, promotion: Promotion) -> Promotion:
        async with self._lock:
            if promotion.code is not None and self._by_code(promotion.code) is not None:
                raise Conflict(
                    f"code {promotion.code!r} is already in use",
                    provider=self.alias,
                    operation="create",
                    status=409,
                )
            promotion_id = f"mem_{next(self._store.ids)}"
            now = datetime.now(UTC)
            coupons = self._coupons(promotion, now)
            stored = msgspec.structs.replace(
                promotion.draft(),
                id=promotion_id,
                provider=self.alias,
                coupons=coupons,
                created_at=now,
                updated_at=now,
            )
            self._store.promotions[promotion_id] = stored
            return self._view(stored)

    def _coupons(self, promotion: Promotion, now: datetime) -> tuple[Coupon, ...]:
        uses = promotion.limit.uses if isinstance(promotion.limit, Quota) else None
        if promotion.coupon_type == "single_use":
            count = uses or 1
            return tuple(
                Coupon(
                    code=secrets.token_hex(4).upper(),
                    coupon_type="single_use",
                    limit=1,
                    expires_at=promotion.ends_at,
                    created_at=now,
                    active=True,
                )
                for _ in range(count)
            )
        code = promotion.code or secrets.token_hex(4).upper()
        return (
            Coupon(
                code=code, limit=uses, expires_at=promotion.ends_at, created_at=now, active=True
            ),
        )

    async def get(self, promotion_id: str) -> Promotion:
        try:
            return self._view(self._store.promotions[promotion_id])
        except KeyError:
            raise NotFound(
                f"no promotion {promotion_id!r}", provider=self.alias, operation="get", status=404
            ) from None

    async def list(
        self,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
    ) -> AsyncIterator[Promotion]:
        for promotion in list(self._store.promotions.values()):
            view = self._view(promotion)
            if status is not None and view.status != status:
                continue
            if search is not None and search.lower() not in view.name.lower():
                continue
            if product_id is not None and product_id not in view.products:
                continue
            yield view

    async def find(self, promotion: Promotion) -> Promotion | None:
        code = promotion.code
        found = self._by_code(code) if code is not None else None
        return None if found is None else self._view(found)

    async def validate(self, code: str, checkout: Checkout) -> Validation:
        promotion = self._by_code(code)
        if promotion is None:
            return Validation(
                valid=False,
                reason=Rejection.NOT_FOUND,
                provider=self.alias,
                message=f"code {code!r} does not exist",
                evaluated_locally=True,
            )
        key = promotion.id or ""
        coupon = next((c for c in promotion.coupons if c.code == code), None)
        if promotion.coupon_type == "single_use":
            if self._store.used.get(f"{promotion.id}:{code}", 0):
                return Validation(
                    valid=False,
                    reason=Rejection.USAGE_LIMIT_REACHED,
                    message="single-use code already used",
                    coupon=coupon,
                    provider=self.alias,
                    evaluated_locally=True,
                )
            used = 0
        else:
            used = self._store.used.get(key, 0)
        result = evaluate(
            self._view(promotion),
            checkout,
            now=datetime.now(UTC),
            used=used,
            given=self._store.given.get(key, 0),
        )
        return msgspec.structs.replace(result, provider=self.alias, coupon=coupon)

    async def usage(self, code: str) -> Usage:
        promotion = self._by_code(code)
        if promotion is None:
            raise NotFound(
                f"no coupon {code!r}", provider=self.alias, operation="usage", status=404
            )
        if promotion.coupon_type == "single_use":
            used = self._store.used.get(f"{promotion.id}:{code}", 0)
            limit: int | None = 1
        else:
            used = self._store.used.get(promotion.id or "", 0)
            limit = promotion.limit.uses if isinstance(promotion.limit, Quota) else None
        remaining = None if limit is None else max(limit - used, 0)
        return Usage(
            code=code, used=used, limit=limit, remaining=remaining, exhausted=remaining == 0
        )

    async def update(self, promotion_id: str, promotion: Promotion) -> Promotion:
        current = await self.get(promotion_id)
        stored = msgspec.structs.replace(
            promotion.draft(),
            id=promotion_id,
            provider=self.alias,
            coupons=current.coupons,
            created_at=current.created_at,
            updated_at=datetime.now(UTC),
        )
        self._store.promotions[promotion_id] = stored
        return self._view(stored)

    async def delete(self, promotion_id: str) -> None:
        if self._store.promotions.pop(promotion_id, None) is None:
            raise NotFound(
                f"no promotion {promotion_id!r}",
                provider=self.alias,
                operation="delete",
                status=404,
            )

    def redeem(self, code: str, discount_amount: int = 0) -> None:
        """Record that ``code`` was used once (and gave ``discount_amount``), for tests."""
        promotion = self._by_code(code)
        if promotion is None:
            raise NotFound(f"no coupon {code!r}", provider=self.alias, operation="redeem")
        key = (
            f"{promotion.id}:{code}"
            if promotion.coupon_type == "single_use"
            else promotion.id or ""
        )
        self._store.used[key] = self._store.used.get(key, 0) + 1
        if isinstance(promotion.limit, Budget):
            pid = promotion.id or ""
            self._store.given[pid] = self._store.given.get(pid, 0) + discount_amount


@hookimpl
def promokit_register_providers(registry: ProviderRegistry) -> None:
    """Register the built-in memory provider."""
    registry.add(MemoryProvider)
