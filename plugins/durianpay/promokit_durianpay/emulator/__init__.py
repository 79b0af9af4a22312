"""DurianpayEmulator: an aiohttp.web app behaving as Durianpay's promos API is documented."""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from aiohttp import web

from promokit.sdk import ConfigurationError, Emulator, Fault, VirtualClock
from promokit_durianpay import NAME, wire
from promokit_durianpay.auth import LIVE_PREFIX
from promokit_durianpay.emulator import checks
from promokit_durianpay.errors import INTERNAL_ERROR, INVALID_REQUEST, UNAUTHORIZED
from promokit_durianpay.wire import PATH_PREFIX

DEFAULT_KEY = "dp_test_XXXXXXXXX"
"""The obviously fake sandbox key the emulator accepts unless told otherwise."""

PROMOS = PATH_PREFIX + wire.PROMOS

UNAUTHORIZED_BODY = {
    "error": "invalid Authorization header in request",
    "error_code": UNAUTHORIZED,
}
READ_ERROR_BODY = {"error": "error reading request body", "error_code": INTERNAL_ERROR}
NOT_FOUND_BODY = {"error": "promo does not exists", "error_code": "DPAY_PROMO_NOT_FOUND"}
"""Undocumented for promos: modelled on the orders API's 404 (``DPAY_ORDER_NOT_FOUND``)."""

SERVER_ERROR_BODIES: dict[str, tuple[str, dict[str, str]]] = {
    # create's documented 500 has no error_code; the others do.
    "create": ("POST", {"error": "error creating promo"}),
    "list": ("GET", {"error": "error getting promos", "error_code": INTERNAL_ERROR}),
    "get": ("GET", {"error": "error getting promos", "error_code": INTERNAL_ERROR}),
    "update": ("PATCH", {"error": "error updating promo", "error_code": INTERNAL_ERROR}),
    "delete": ("DELETE", {"error": "error deleting promo", "error_code": INTERNAL_ERROR}),
}
"""The documented 500 bodies per operation (update's text is not documented)."""

Paging = Literal["honours", "ignores", "caps", "ignores_skip"]
PAGING_MODES: tuple[Paging, ...] = get_args(Paging)
"""What fetch-all may do with ``skip``/``limit`` (undocumented for promos), one mode each:
``honours`` both; ``ignores`` both (every promo, every time); ``caps`` the page at
``page_cap`` while honouring ``skip``; ``ignores_skip`` (always from the first promo)."""


def _stamp_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp_micros(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class StoredPromo:
    """One promo in the emulator: the accepted wire fields plus server-side state."""

    id: str
    fields: dict[str, Any]
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    updated_at: datetime
    is_live: bool
    state: str = "inactive"
    uses: int = 0
    given: int = 0

    @property
    def limit(self) -> int | None:
        """``limit_value`` as a number; ``""`` means no limit."""
        value = self.fields.get("limit_value") or ""
        return int(Decimal(value)) if value else None

    @property
    def usage(self) -> int:
        """``promo_usage``: redemptions for a quota, rupiah given for a budget."""
        return self.given if self.fields.get("limit_type") == "budget" else self.uses

    def status(self, now: datetime) -> str:
        """``expired`` past ``ends_at`` or once the limit is used up, else the stored state."""
        limit = self.limit
        if now >= self.ends_at or (limit is not None and self.usage >= limit):
            return "expired"
        return self.state


class DurianpayEmulator(Emulator):
    """Durianpay's ``/v1/merchants/promos`` on loopback, for tests and ``promokit emulate``.

    ``keys`` are the secret keys it accepts (``dp_live_`` ones create ``is_live``
    promos). ``echo_code=False`` follows the create/fetch examples, which do not
    return ``code`` (update's example does, and so does update here);
    ``wrap_fetch_one=False`` answers fetch-one unwrapped like its docs example.
    ``paging`` chooses what fetch-all does with ``skip``/``limit``, which Durianpay
    does not document for promos (see :data:`PAGING_MODES`); ``page_cap`` is the
    largest page of the ``"caps"`` mode. ``wallet_key`` names the key e-wallet
    promos' wallets come back under (promokit assumes ``wallet_types``; Durianpay
    documents none), to play a server whose key differs from the assumption.
    ``auto_activate=True`` makes new promos ``active`` at once (Durianpay activates
    them from its dashboard). Test hooks: :meth:`activate`, :meth:`redeem`,
    :meth:`fail_next`.
    """

    name = NAME

    def __init__(
        self,
        *,
        keys: Iterable[str] = (DEFAULT_KEY,),
        echo_code: bool = False,
        auto_activate: bool = False,
        wrap_fetch_one: bool = True,
        seed: int | None = None,
        clock: VirtualClock | None = None,
        rate_limit: int | None = None,
        rate_period: float = 60.0,
        paging: Paging = "honours",
        page_cap: int = 10,
        wallet_key: str = "wallet_types",
    ) -> None:
        super().__init__(clock=clock, rate_limit=rate_limit, rate_period=rate_period)
        if paging not in PAGING_MODES:
            raise ConfigurationError(
                f"paging must be one of {', '.join(PAGING_MODES)}, got {paging!r}"
            )
        if isinstance(page_cap, bool) or not isinstance(page_cap, int) or page_cap < 1:
            raise ConfigurationError(f"page_cap must be a positive integer, got {page_cap!r}")
        self.paging: Paging = paging
        self.page_cap = page_cap
        self.wallet_key = wallet_key
        self._keys = {key: key.startswith(LIVE_PREFIX) for key in keys}
        self.echo_code = echo_code
        self.auto_activate = auto_activate
        """New promos start ``active``, as if activated in the dashboard at once."""
        self.wrap_fetch_one = wrap_fetch_one
        self.promos: dict[str, StoredPromo] = {}
        self._random = random.Random(seed)

    def __repr__(self) -> str:
        return f"DurianpayEmulator(keys={len(self._keys)}, promos={len(self.promos)})"

    # -- ids and bodies -------------------------------------------------------------

    def _token(self, prefix: str) -> str:
        letters = "".join(self._random.choices(string.ascii_letters, k=10))
        digits = "".join(self._random.choices(string.digits, k=4))
        return f"{prefix}{letters}{digits}"

    def _error(self, status: int, body: dict[str, Any]) -> web.Response:
        return web.json_response({**body, "request_id": self._token("dp_")}, status=status)

    def _invalid(self, errors: list[dict[str, str]]) -> web.Response:
        # Durianpay's validation shape: errors[] and error_code, without an "error" key.
        return self._error(400, {"error_code": INVALID_REQUEST, "errors": errors})

    def render(self, promo: StoredPromo, *, usage: str | None = None, code: bool) -> dict[str, Any]:
        """The promo as Durianpay's JSON, in the order of its documented examples."""
        fields = promo.fields
        details = {
            "promo_id": promo.id,
            **{k: v for k, v in (fields.get("promo_details") or {}).items() if k != "promo_id"},
        }
        if fields["type"] == "ewallet_promos" and "wallet_types" in details:
            details[self.wallet_key] = details.pop("wallet_types")
        body: dict[str, Any] = {
            "currency": fields["currency"],
            "label": fields["label"],
            "description": fields.get("description") or "",
        }
        if code and fields.get("code"):
            body["code"] = fields["code"]
        body.update(
            {
                "min_order_amount": fields["min_order_amount"],
                "max_discount_amount": fields["max_discount_amount"],
                "starts_at": _stamp_seconds(promo.starts_at),
                "ends_at": _stamp_seconds(promo.ends_at),
                "discount": fields["discount"],
                "discount_type": fields["discount_type"],
                "type": fields["type"],
                "promo_details": details,
                "sub_type": fields["sub_type"],
                "limit_type": fields["limit_type"],
                "limit_value": fields.get("limit_value") or "",
                "price_deduction_type": fields["price_deduction_type"],
                "status": promo.status(self.clock.now()),
                "created_at": _stamp_micros(promo.created_at),
                "updated_at": _stamp_micros(promo.updated_at),
                "is_live": promo.is_live,
                "promo_usage": str(promo.usage) if usage is None else usage,
                "id": promo.id,
            }
        )
        return body

    # -- authentication -------------------------------------------------------------

    @property
    def api_key(self) -> str:
        """The first accepted key (what ``promokit emulate`` prints in its config snippet)."""
        return next(iter(self._keys))

    def accepts(self, key: str) -> bool:
        """Whether requests authenticated with ``key`` are let in."""
        return key in self._keys

    def _key_of(self, request: web.Request) -> str | None:
        """The configured key in a ``Basic base64("<key>:")`` header, else ``None``."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic" or not token:
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, colon, password = decoded.partition(":")
        if not colon or password or user not in self._keys:
            return None
        return user

    # -- routes ---------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        """``/v1/merchants/promos`` and ``/v1/merchants/promos/{id}``."""
        app.router.add_post(PROMOS, self._create)
        app.router.add_get(PROMOS, self._list)
        app.router.add_get(PROMOS + "/{promo_id}", self._get)
        app.router.add_patch(PROMOS + "/{promo_id}", self._update)
        app.router.add_delete(PROMOS + "/{promo_id}", self._delete)

    async def _accepted(
        self, request: web.Request, promo_id: str | None
    ) -> tuple[dict[str, Any], checks.Window] | web.Response:
        try:
            data = checks.read_body(await request.read())
        except checks.Unreadable:
            return self._error(400, READ_ERROR_BODY)
        errors, window = checks.check(data)
        if errors or window is None:
            return self._invalid(errors)
        label = data["label"]
        if any(p.fields["label"] == label and p.id != promo_id for p in self.promos.values()):
            return self._error(
                409,
                {
                    "error": f"promo with label {label} already exists",
                    "error_code": INVALID_REQUEST,
                },
            )
        return data, window

    async def _create(self, request: web.Request) -> web.StreamResponse:
        key = self._key_of(request)
        if key is None:
            return self._error(401, UNAUTHORIZED_BODY)
        accepted = await self._accepted(request, None)
        if isinstance(accepted, web.Response):
            return accepted
        data, window = accepted
        now = self.clock.now()
        promo = StoredPromo(
            id=self._token("prm_"),
            fields=data,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            created_at=now,
            updated_at=now,
            is_live=self._keys[key],
            state="active" if self.auto_activate else "inactive",
        )
        self.promos[promo.id] = promo
        return web.json_response({"data": self.render(promo, usage="", code=self.echo_code)})

    async def _list(self, request: web.Request) -> web.StreamResponse:
        if self._key_of(request) is None:
            return self._error(401, UNAUTHORIZED_BODY)
        try:
            skip = int(request.query.get("skip", "0"))
            limit = int(request.query.get("limit", str(max(len(self.promos), 1))))
        except ValueError:
            skip, limit = -1, -1
        if skip < 0 or limit < 1:
            return self._error(
                400,
                {"error": "invalid skip and limit parameter", "error_code": INVALID_REQUEST},
            )
        promos = list(self.promos.values())
        if self.paging == "ignores":
            page = promos
        elif self.paging == "ignores_skip":
            page = promos[:limit]
        else:
            if self.paging == "caps":
                limit = min(limit, self.page_cap)
            page = promos[skip : skip + limit]
        return web.json_response({"data": [self.render(p, code=self.echo_code) for p in page]})

    def _find(self, request: web.Request) -> StoredPromo | web.Response:
        if self._key_of(request) is None:
            return self._error(401, UNAUTHORIZED_BODY)
        promo = self.promos.get(request.match_info["promo_id"])
        return self._error(404, NOT_FOUND_BODY) if promo is None else promo

    async def _get(self, request: web.Request) -> web.StreamResponse:
        found = self._find(request)
        if isinstance(found, web.Response):
            return found
        body = self.render(found, code=self.echo_code)
        return web.json_response({"data": body} if self.wrap_fetch_one else body)

    async def _update(self, request: web.Request) -> web.StreamResponse:
        found = self._find(request)
        if isinstance(found, web.Response):
            return found
        accepted = await self._accepted(request, found.id)
        if isinstance(accepted, web.Response):
            return accepted
        data, window = accepted
        if not data.get("code") and found.fields.get("code"):
            data = {**data, "code": found.fields["code"]}
        found.fields = data
        found.starts_at, found.ends_at = window.starts_at, window.ends_at
        found.updated_at = self.clock.now()
        return web.json_response({"data": self.render(found, usage="", code=True)})

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        found = self._find(request)
        if isinstance(found, web.Response):
            return found
        del self.promos[found.id]
        return web.json_response({"message": "Promo deleted successfully"})

    # -- test hooks -----------------------------------------------------------------

    def _lookup(self, promo_id_or_code: str) -> StoredPromo:
        promo = self.promos.get(promo_id_or_code)
        if promo is None:
            promo = next(
                (p for p in self.promos.values() if p.fields.get("code") == promo_id_or_code),
                None,
            )
        if promo is None:
            raise KeyError(f"no emulated promo with id or code {promo_id_or_code!r}")
        return promo

    def activate(self, promo_id: str) -> None:
        """Make a promo ``active`` (Durianpay documents no API for it: the dashboard does)."""
        self._lookup(promo_id).state = "active"

    def deactivate(self, promo_id: str) -> None:
        """Put a promo back to ``inactive``."""
        self._lookup(promo_id).state = "inactive"

    def redeem(self, promo_id_or_code: str, discount_amount: int = 0) -> int:
        """Record one payment that used the promo; returns the new ``promo_usage``."""
        promo = self._lookup(promo_id_or_code)
        promo.uses += 1
        promo.given += discount_amount
        return promo.usage

    def fail_next(self, operation: str, *, count: int = 1) -> Fault:
        """Answer the next ``count`` requests of ``operation`` with its documented 500.

        A ``list`` fault also matches fetch-one (both are GETs under the same path).
        """
        method, body = SERVER_ERROR_BODIES[operation]
        path = PROMOS + "/" if operation in ("get", "update", "delete") else PROMOS
        payload = json.dumps({**body, "request_id": self._token("dp_")}).encode()
        return self.faults.add(
            "status", status=500, body=payload, method=method, path=path, count=count
        )


def create_emulator(**options: Any) -> DurianpayEmulator:
    """Build a :class:`DurianpayEmulator` from CLI-style options.

    ``keys`` (or ``api_key`` / ``key``, as ``promokit emulate --key`` passes it) may
    be one key or a comma-separated string; the other options are those of the
    constructor.
    """
    keys = options.pop("keys", None)
    for alias in ("api_key", "key"):
        value = options.pop(alias, None)
        if keys is None and value is not None:
            keys = value
    if isinstance(keys, str):
        keys = [part.strip() for part in keys.split(",") if part.strip()]
    if keys is not None:
        options["keys"] = tuple(keys)
    return DurianpayEmulator(**options)
