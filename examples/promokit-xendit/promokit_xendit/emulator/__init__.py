"""XenditEmulator: Xendit's ``/promotions`` on loopback, for tests and ``promokit emulate``.

Where the sources are silent the emulator makes a choice, marked *[I]* (see the
README): the 404 and 409 error codes, and ``status`` always being ``ACTIVE``.
"""

from __future__ import annotations

import base64
import itertools
from datetime import datetime
from typing import Any

import msgspec
from aiohttp import web

from promokit.sdk import Emulator, Handler, VirtualClock, iso_millis
from promokit_xendit import NAME

DEFAULT_KEY = "xnd_development_EMULATOR0000000000"
"""The obviously fake sandbox key the emulator accepts unless told otherwise."""

TEXT = ("reference_id", "description", "promo_code", "channel_code", "currency")
NUMBERS = ("discount_percent", "discount_amount", "min_original_amount", "max_discount_amount")
REQUIRED = ("reference_id", "description", "currency", "start_time", "end_time")
CURRENCIES = ("IDR", "PHP")


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def problems_of(data: dict[str, Any], *, creating: bool) -> list[str]:
    """Every reason Xendit would answer ``API_VALIDATION_ERROR`` to this body."""
    found = [f"{key} is required" for key in REQUIRED if creating and not data.get(key)]
    found += [f"{k} must be a string" for k in TEXT if k in data and not isinstance(data[k], str)]
    for key in NUMBERS:
        value = data.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            found.append(f"{key} must be a non-negative number")
    for key in ("min_original_amount", "max_discount_amount", "discount_amount"):
        value = data.get(key, 0)
        if isinstance(value, int | float) and value != int(value):
            found.append(f"{key} must be a whole amount")
    percent, amount = data.get("discount_percent") or 0, data.get("discount_amount") or 0
    if bool(percent) == bool(amount):
        found.append("set exactly one of discount_percent and discount_amount")
    if isinstance(percent, int | float) and percent > 100:
        found.append("discount_percent must be at most 100")
    if data.get("currency") and data["currency"] not in CURRENCIES:
        found.append(f"currency must be one of {', '.join(CURRENCIES)}")
    bins = data.get("bin_list") or []
    if not isinstance(bins, list) or not all(
        isinstance(b, str) and b.isdigit() and 6 <= len(b) <= 8 for b in bins
    ):
        found.append("bin_list must hold 6 to 8 digit strings")
    if not (data.get("promo_code") or bins or data.get("channel_code")):
        found.append("set promo_code, bin_list or channel_code")
    start, end = _instant(data.get("start_time")), _instant(data.get("end_time"))
    if (data.get("start_time") and start is None) or (data.get("end_time") and end is None):
        found.append("start_time and end_time must be ISO 8601 with a zone")
    elif start is not None and end is not None and end <= start:
        found.append("end_time must be after start_time")
    return found


class XenditEmulator(Emulator):
    """Create, list, update and delete card promotions, with Basic-auth checks.

    ``promotions`` holds the stored objects by id (for assertions).
    """

    name = NAME

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_KEY,
        clock: VirtualClock | None = None,
        rate_limit: int | None = None,
        rate_period: float = 60.0,
    ) -> None:
        super().__init__(clock=clock, rate_limit=rate_limit, rate_period=rate_period)
        self.api_key = api_key
        self._expected = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()
        self.promotions: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        """``/promotions`` and ``/promotions/{id}``."""
        app.router.add_post("/promotions", self._guard(self._create))
        app.router.add_get("/promotions", self._guard(self._list))
        app.router.add_patch("/promotions/{id}", self._guard(self._update))
        app.router.add_delete("/promotions/{id}", self._guard(self._delete))

    # -- helpers --------------------------------------------------------------------------

    def _guard(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if request.headers.get("Authorization") != self._expected:
                return error(401, "INVALID_API_KEY", "API key is invalid")
            return await handler(request)

        return guarded

    async def _body(self, request: web.Request) -> dict[str, Any] | web.Response:
        try:
            data = msgspec.json.decode(await request.read())
        except msgspec.DecodeError:
            return error(400, "API_VALIDATION_ERROR", "the body is not JSON")
        if not isinstance(data, dict):
            return error(400, "API_VALIDATION_ERROR", "the body must be a JSON object")
        return data

    def _clash(self, data: dict[str, Any], own_id: str | None) -> web.Response | None:
        for other in self.promotions.values():
            if other["id"] == own_id:
                continue
            if other["reference_id"] == data.get("reference_id"):
                return error(409, "REFERENCE_IN_USE", "reference_id is already used")
            if data.get("promo_code") and other["promo_code"] == data["promo_code"]:
                return error(409, "PROMO_CODE_IN_USE", "promo_code is already used")
        return None

    def render(self, stored: dict[str, Any]) -> dict[str, Any]:
        """A stored promotion as Xendit answers it (absent numbers are 0, texts "")."""
        shown = {
            "id": stored["id"],
            "business_id": "5f27a14a9bf05c73dd040bc8",
            "status": "ACTIVE",  # [I] the only status the sources show
            "reference_id": stored["reference_id"],
            "description": stored.get("description", ""),
            "promo_code": stored.get("promo_code", ""),
            "bin_list": stored.get("bin_list", []),
            "channel_code": stored.get("channel_code", ""),
            "currency": stored["currency"],
            "start_time": iso_millis(datetime.fromisoformat(stored["start_time"])),
            "end_time": iso_millis(datetime.fromisoformat(stored["end_time"])),
        }
        for key in NUMBERS:
            shown[key] = stored.get(key, 0)
        return shown

    # -- routes -----------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.StreamResponse:
        data = await self._body(request)
        if isinstance(data, web.Response):
            return data
        problems = problems_of(data, creating=True)
        if problems:
            return error(400, "API_VALIDATION_ERROR", "; ".join(problems))
        clash = self._clash(data, None)
        if clash is not None:
            return clash
        stored = {**data, "id": f"promo_{next(self._ids):06d}"}
        self.promotions[stored["id"]] = stored
        return web.json_response(self.render(stored))

    async def _list(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        found = [
            self.render(stored)
            for stored in self.promotions.values()
            if query.get("reference_id") in (None, stored["reference_id"])
            and query.get("channel_code") in (None, stored.get("channel_code"))
            and query.get("currency") in (None, stored["currency"])
            and query.get("status") in (None, "ACTIVE")
            and ("bin" not in query or query["bin"] in stored.get("bin_list", []))
        ]
        return web.json_response(found)

    async def _update(self, request: web.Request) -> web.StreamResponse:
        stored = self.promotions.get(request.match_info["id"])
        if stored is None:
            return error(404, "PROMOTION_NOT_FOUND_ERROR", "promotion not found")  # [I]
        data = await self._body(request)
        if isinstance(data, web.Response):
            return data
        if "reference_id" in data:
            return error(400, "API_VALIDATION_ERROR", "reference_id cannot be updated")
        merged = {**stored, **data}
        problems = problems_of(merged, creating=True)
        if problems:
            return error(400, "API_VALIDATION_ERROR", "; ".join(problems))
        clash = self._clash(merged, stored["id"])
        if clash is not None:
            return clash
        self.promotions[stored["id"]] = merged
        return web.json_response(self.render(merged))

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        promotion_id = request.match_info["id"]
        if self.promotions.pop(promotion_id, None) is None:
            return error(404, "PROMOTION_NOT_FOUND_ERROR", "promotion not found")  # [I]
        return web.json_response({"id": promotion_id, "is_deleted": True})


def error(status: int, code: str, message: str) -> web.Response:
    """Xendit's error body."""
    return web.json_response({"error_code": code, "message": message}, status=status)


def create_emulator(**options: Any) -> XenditEmulator:
    """Build the emulator from ``promokit emulate``-style options (``api_key``, ``clock``...)."""
    return XenditEmulator(**options)


__all__ = ["DEFAULT_KEY", "XenditEmulator", "create_emulator", "problems_of"]
