"""MayarEmulator: an aiohttp.web app that behaves as Mayar's coupon API v2 is documented to.

Serve it on loopback with ``create_server(emulator)`` (an
``EmulatorServer(emulator, prefix=PATH_PREFIX)``): the routes live under ``/hl/v2``, so
the server's ``url`` is a drop-in ``base_url``. Or run
``python -m promokit_mayar.emulator --port 8080``.

Where the documentation is silent the emulator makes a choice, marked *[I]*:
the free-text new/old customer refusals, the ``productDiscount`` item shape,
the list cursor (the last item's id) and the order in which validate checks run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from aiohttp import web

from promokit.sdk import Emulator, EmulatorServer, Handler, VirtualClock
from promokit_mayar import NAME, messages
from promokit_mayar.emulator import views
from promokit_mayar.emulator.checks import Issues, Number, decode_object, read_create
from promokit_mayar.emulator.store import (
    INELIGIBLE_KINDS,
    Account,
    Product,
    ProductKind,
    StoredCoupon,
    StoredDiscount,
)
from promokit_mayar.manifest import DEFAULT_PAGE_SIZE, MAX_CODE_LENGTH, MAX_PAGE_SIZE
from promokit_mayar.wire import PATH_PREFIX

DOCS_PLACEHOLDER_KEY = "Paste-Your-API-Key-Here"
"""The key the emulator accepts by default: the placeholder of Mayar's own examples."""
CUSTOMER_NEW_ONLY = "Gagal! Kode diskon ini hanya berlaku untuk pelanggan baru."
"""[I] Mayar documents this refusal only as free text; this wording is the emulator's."""
CUSTOMER_OLD_ONLY = "Gagal! Kode diskon ini hanya berlaku untuk pelanggan lama."
"""[I] As :data:`CUSTOMER_NEW_ONLY`, for coupons restricted to returning customers."""
_LIST_STATUSES = ("active", "inactive", "expired", "upcoming")


class MayarEmulator(Emulator):
    """Mayar's coupon API v2 in-process: auth, validation, storage and documented quirks.

    * ``api_key``: the only key accepted (``Authorization: Bearer <key>``), else 401.
    * ``products``: payment-link ids known from the start (owned, discount-eligible).
    * ``failures_as_http_200``: answer failures with HTTP 200, the failure only in the
      body's ``statusCode``, as some Mayar write endpoints do.
    * ``rate_limit``: requests per ``rate_period`` before 429 + ``Retry-After`` (off
      by default; Mayar documents 20 per minute).
    * ``v1_create_answers``: answer create in the V1 docs' shape (epoch-ms dates, no
      ``status``, ``coupons[].isActive``, ``productDiscount``), as V1 clients record it.

    Quirks kept: a percentage above 99 is stored as 99, at most 50 one-time codes per
    create, 409 on a reused reusable code, 500 for the detail of an unknown id.
    Test helpers: :meth:`add_product`, :meth:`redeem`, :meth:`deactivate`,
    :meth:`add_returning_customer`, :meth:`set_starts_at`, :meth:`set_coupon_limit`,
    :meth:`outage`.
    """

    name = NAME

    def __init__(
        self,
        *,
        api_key: str = DOCS_PLACEHOLDER_KEY,
        products: Iterable[str] = (),
        failures_as_http_200: bool = False,
        clock: VirtualClock | None = None,
        rate_limit: int | None = None,
        rate_period: float = 60.0,
        v1_create_answers: bool = False,
    ) -> None:
        super().__init__(clock=clock, rate_limit=rate_limit, rate_period=rate_period)
        self.v1_create_answers = v1_create_answers
        self.api_key = api_key
        """The one key accepted (a test key: ``promokit emulate`` prints it in its snippet)."""
        self._authorization = f"Bearer {api_key}"
        self.failures_as_http_200 = failures_as_http_200
        self.account = Account()
        for product_id in products:
            self.add_product(product_id)

    def __repr__(self) -> str:
        return f"MayarEmulator(discounts={len(self.discounts)})"

    @property
    def discounts(self) -> dict[str, StoredDiscount]:
        """Stored discounts by id (for assertions)."""
        return self.account.discounts

    # -- test helpers -------------------------------------------------------------

    def add_product(
        self,
        product_id: str | None = None,
        *,
        label: str = "Produk Emulator",
        kind: ProductKind = "payment_link",
        owned: bool = True,
    ) -> str:
        """Register a payment link and return its id (a new UUID when not given)."""
        product = Product(product_id or str(uuid.uuid4()), label, kind, owned)
        self.account.products[product.id] = product
        return product.id

    def add_returning_customer(self, email: str) -> None:
        """Make ``email`` an existing ("old") customer of the account."""
        self.account.returning_customers.add(email.strip().casefold())

    def redeem(self, code: str, times: int = 1) -> None:
        """Record that ``code`` was used (Mayar's hosted checkout does this for real)."""
        coupon = self._known(code)
        coupon.used += times
        coupon.updated_at = self.now()

    def deactivate(self, discount_id: str) -> None:
        """Mark a discount and its coupons inactive (Mayar does it in the dashboard)."""
        discount = self.discounts[discount_id]
        discount.active = False
        for coupon in discount.coupons:
            coupon.is_active = False
            coupon.updated_at = self.now()

    def set_starts_at(self, discount_id: str, moment: datetime | None) -> None:
        """Give a discount a start date (settable only in Mayar's dashboard)."""
        self.discounts[discount_id].starts_at = moment

    def set_coupon_limit(self, code: str, limit: int) -> None:
        """Change a coupon's usage limit; 0 means unlimited."""
        self._known(code).limit = limit

    def outage(self, count: int = 1, *, body: bytes | None = None) -> None:
        """Answer the next ``count`` detail requests with an outage's HTTP 500.

        Unlike the unknown-id answer (the documented 500 envelope), the body is an
        HTML error page unless ``body`` is given.
        """
        self.faults.add(
            "garbage" if body is None else "status",
            count=count,
            status=500,
            body=body,
            path=f"{PATH_PREFIX}/coupons/",
            method="GET",
        )

    def now(self) -> datetime:
        """The emulated time, at Mayar's millisecond precision."""
        now = self.clock.now()
        # Dropping sub-millisecond digits keeps the ISO and epoch-ms views equal.
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def _known(self, code: str) -> StoredCoupon:
        coupon = self.account.coupon(code)
        if coupon is None:
            raise LookupError(f"the emulator has no coupon {code!r}")
        return coupon

    # -- machinery ----------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        """Mayar's five coupon routes under :data:`PATH_PREFIX`, each behind the key check."""
        app.router.add_post(f"{PATH_PREFIX}/coupons/create", self._guarded(self._create))
        app.router.add_post(f"{PATH_PREFIX}/coupons/validate", self._guarded(self._validate))
        app.router.add_post(f"{PATH_PREFIX}/coupons/check", self._guarded(self._check))
        app.router.add_get(f"{PATH_PREFIX}/coupons", self._guarded(self._list))
        app.router.add_get(f"{PATH_PREFIX}/coupons/{{uuid}}", self._guarded(self._detail))

    def rate_limited(self, wait: float) -> web.StreamResponse:
        """Mayar's 429: the V2 envelope plus ``Retry-After`` in seconds."""
        assert self.rate is not None
        body = views.envelope(429, messages.TOO_MANY_REQUESTS, None)
        return web.Response(
            status=429,
            body=msgspec.json.encode(body),
            content_type="application/json",
            headers={"Retry-After": self.rate.retry_after(wait)},
        )

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if request.headers.get("Authorization") != self._authorization:
                return self._reply(401, messages.UNAUTHORIZED, None)
            return await handler(request)

        return guarded

    def _reply(
        self, status: int, text: str, data: Any, extra: dict[str, Any] | None = None
    ) -> web.Response:
        body = views.envelope(status, text, data) | (extra or {})
        http_status = 200 if self.failures_as_http_200 else status
        return web.Response(
            status=http_status, body=msgspec.json.encode(body), content_type="application/json"
        )

    def _invalid(self, issues: Issues | None) -> web.Response:
        return self._reply(400, messages.VALIDATION_ERROR, issues.as_data() if issues else None)

    # -- POST /coupons/create -----------------------------------------------------

    async def _create(self, request: web.Request) -> web.StreamResponse:
        issues = Issues()
        spec = read_create(issues, decode_object(await request.read()))
        if spec is None:
            return self._invalid(issues)
        for product_id in spec.product_ids:
            product = self.account.products.get(product_id)
            if product is None:
                return self._reply(404, messages.PRODUCT_NOT_FOUND, None)
            if not product.owned:
                return self._reply(400, messages.PRODUCT_NOT_OWNED, None)
        code = spec.code
        if spec.coupon_type == "reusable" and code and self.account.coupon(code) is not None:
            return self._reply(409, messages.CODE_IN_USE, None)
        now = self.now()
        discount = self.account.create(spec, now)
        if self.v1_create_answers:
            return self._reply(200, "Success", views.created_v1(discount, self.account))
        return self._reply(200, messages.SUCCESS, views.created(discount, now))

    # -- GET /coupons/{uuid} -------------------------------------------------------

    async def _detail(self, request: web.Request) -> web.StreamResponse:
        discount = self.discounts.get(request.match_info["uuid"])
        if discount is None:
            # Documented by Mayar's maintainers: an unknown id answers 500, not 404.
            return self._reply(500, messages.INTERNAL_SERVER_ERROR, None)
        return self._reply(200, messages.SUCCESS, views.detail(discount, self.account))

    # -- POST /coupons/validate ---------------------------------------------------

    async def _validate(self, request: web.Request) -> web.StreamResponse:
        body = decode_object(await request.read())
        issues = Issues()
        code = issues.string(body, "couponCode", "couponCode", min_length=1)
        link_id = issues.string(body, "paymentLinkId", "paymentLinkId", min_length=1)
        amount = issues.number(body, "amount", "amount", required=False) or 0
        email = issues.email(body, "customerEmail", "customerEmail")
        issues.string(body, "membershipTierId", "membershipTierId", required=False)
        issues.string(body, "paymentLinkType", "paymentLinkType", required=False)
        issues.array(body, "tickets", "tickets")
        if issues or code is None or link_id is None:
            return self._invalid(issues)
        coupon = self.account.coupon(code)
        product = self.account.products.get(link_id)
        discount = None if coupon is None else self.account.discount_of(coupon)
        # A code that exists but is not bound to this link reads as "not found" (live finding).
        if (
            coupon is None
            or discount is None
            or product is None
            or (discount.product_ids and link_id not in discount.product_ids)
        ):
            return self._reply(404, messages.COUPON_NOT_FOUND, None)
        refusal = self._refusal(discount, coupon, product, amount, email)
        if refusal is not None:
            return self._reply(400, refusal, None)
        return self._reply(200, messages.SUCCESS, views.validated(discount, coupon))

    def _refusal(
        self,
        discount: StoredDiscount,
        coupon: StoredCoupon,
        product: Product,
        amount: Number,
        email: str | None,
    ) -> str | None:
        """The first refusal that applies, checked in the order the docs list them [I]."""
        now = self.now()
        if not discount.active or not coupon.is_active:
            return messages.COUPON_INACTIVE
        if discount.starts_at is not None and now < discount.starts_at:
            return messages.COUPON_NOT_STARTED
        if discount.expired_at is not None and discount.expired_at <= now:
            return messages.COUPON_EXPIRED
        if product.kind in INELIGIBLE_KINDS:
            return messages.product_not_eligible(product.label)
        minimum = discount.minimum_purchase
        if minimum is not None and amount < minimum:
            return messages.min_purchase_not_met(views.plain(minimum))
        returning = self.account.is_returning(email)
        if discount.eligible_customer_type == "new" and (email is None or returning):
            return CUSTOMER_NEW_ONLY
        if discount.eligible_customer_type == "old" and not returning:
            return CUSTOMER_OLD_ONLY
        if coupon.limit > 0 and coupon.used >= coupon.limit:
            return messages.USAGE_LIMIT_REACHED
        return None

    # -- POST /coupons/check ------------------------------------------------------

    async def _check(self, request: web.Request) -> web.StreamResponse:
        body = decode_object(await request.read())
        issues = Issues()
        code = issues.string(
            body, "couponCode", "couponCode", min_length=1, max_length=MAX_CODE_LENGTH
        )
        if issues or code is None:
            return self._invalid(issues)
        coupon = self.account.coupon(code)
        if coupon is None:
            return self._reply(404, messages.CHECK_NOT_FOUND, None)
        return self._reply(200, messages.SUCCESS, views.usage(coupon))

    # -- GET /coupons -------------------------------------------------------------

    async def _list(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        raw_limit = query.get("limit", str(DEFAULT_PAGE_SIZE))
        status = query.get("status")
        if (
            not raw_limit.isdigit()
            or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE
            or (status is not None and status not in _LIST_STATUSES)
        ):
            # Documented for this endpoint: Validation Error with data null.
            return self._invalid(None)
        now = self.now()
        search = query.get("search", "").casefold()
        product_id = query.get("productId")
        # Newest first; the sequence breaks ties within one millisecond.
        ordered = sorted(self.discounts.values(), key=lambda d: (d.created_at, d.sequence))
        matches = [
            d
            for d in reversed(ordered)
            if (status is None or d.status(now) == status)
            and search in d.name.casefold()
            and (product_id is None or product_id in d.product_ids)
        ]
        cursor = query.get("startingAfter")
        if cursor is not None:
            position = next((i for i, d in enumerate(matches) if d.id == cursor), None)
            if position is None:
                return self._invalid(None)
            matches = matches[position + 1 :]
        size = int(raw_limit)
        page, has_more = matches[:size], len(matches) > size
        return self._reply(
            200,
            messages.SUCCESS,
            {"coupons": [views.summary(d, self.account, now) for d in page]},
            # [I] The cursor is opaque; the emulator uses the last item's id.
            {"hasMore": has_more, "nextStartingAfter": page[-1].id if has_more else None},
        )


# -- running it as a server ---------------------------------------------------------


def create_emulator(**options: Any) -> MayarEmulator:
    """A :class:`MayarEmulator` built from keyword options (see its docstring).

    Serve it with :func:`create_server` (or ``EmulatorServer(emulator,
    prefix=PATH_PREFIX)``); the server's ``url`` then ends in ``/hl/v2`` and is the
    ``base_url`` to configure.
    """
    return MayarEmulator(**options)


def create_server(
    emulator: MayarEmulator | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> EmulatorServer:
    """An :class:`~promokit.sdk.EmulatorServer` for ``emulator`` with the ``/hl/v2`` prefix."""
    return EmulatorServer(emulator or create_emulator(), host=host, port=port, prefix=PATH_PREFIX)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m promokit_mayar.emulator``: serve the emulator until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the Mayar coupon API v2 emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--api-key", default=DOCS_PLACEHOLDER_KEY, help="the key to accept")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per minute")
    parser.add_argument("--product", action="append", default=[], help="a known product id")
    args = parser.parse_args(argv)
    emulator = create_emulator(
        api_key=args.api_key, rate_limit=args.rate_limit, products=args.product
    )
    server = create_server(emulator, host=args.host, port=args.port)
    print(f"Mayar emulator: base_url = http://{args.host}:{args.port}{PATH_PREFIX}")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve_forever())
