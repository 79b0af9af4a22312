"""The types of a promotion's fields, checked when one is built (isinstance, no conversion)."""

from __future__ import annotations

import math
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, get_args

from promokit.errors import Problem
from promokit.model.parts import (
    AppliesTo,
    Budget,
    CardScope,
    Coupon,
    CouponType,
    Customers,
    EwalletScope,
    Fixed,
    Percent,
    Quota,
    Reward,
    Status,
    VirtualAccountScope,
)

if TYPE_CHECKING:
    from promokit.model.promotion import Promotion

_TRUSTED: ContextVar[bool] = ContextVar("promokit_trusted_construction", default=False)


class trusted:  # lower case: it reads as a function, ``with trusted():``
    """Build promotions in this block without the construction-time type check.

    For a provider's mapping of a wire Struct msgspec has already checked: the
    check would repeat msgspec's work on the decode path of every response.
    Everything built here is still checked in full (types and rules) when it is
    handed to an operation. A class, not a generator: it runs once per response.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _TRUSTED.set(True)

    def __exit__(self, *_: object) -> None:
        _TRUSTED.reset(self._token)


def is_trusted() -> bool:
    """Whether construction is inside :func:`trusted` (one context-variable read)."""
    return _TRUSTED.get()


def _kind(value: object) -> str:
    return type(value).__name__


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str(out: list[Problem], path: str, value: object, *, optional: bool = True) -> None:
    if not isinstance(value, str) and not (optional and value is None):
        out.append(Problem(path, f"must be a string, got {_kind(value)}"))


def _int(out: list[Problem], path: str, value: object, *, optional: bool = True) -> None:
    if _is_int(value) or (optional and value is None):
        return
    if isinstance(value, float):
        out.append(Problem(path, f"must be an int in currency units, not a float ({value!r})"))
    else:
        out.append(Problem(path, f"must be an int, got {_kind(value)}"))


def _bool(out: list[Problem], path: str, value: object, *, optional: bool = False) -> None:
    if not isinstance(value, bool) and not (optional and value is None):
        out.append(Problem(path, f"must be True or False, got {_kind(value)}"))


def _when(out: list[Problem], path: str, value: object) -> None:
    if value is not None and not isinstance(value, datetime):
        out.append(Problem(path, f"must be a datetime, got {_kind(value)}"))


def _choice(
    out: list[Problem], path: str, value: object, allowed: tuple[str, ...], *, optional: bool
) -> None:
    if optional and value is None:
        return
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(option) for option in allowed)
        shown = repr(value) if isinstance(value, str) else f"a {_kind(value)}"
        out.append(Problem(path, f"must be one of {options}, got {shown}"))


def _strings(out: list[Problem], path: str, value: object) -> None:
    if not isinstance(value, tuple):
        out.append(Problem(path, f"must be a tuple of strings, got {_kind(value)}"))
        return
    for index, item in enumerate(value):
        if not isinstance(item, str):
            out.append(Problem(f"{path}[{index}]", f"must be a string, got {_kind(item)}"))


def _discount(out: list[Problem], value: object) -> None:
    if isinstance(value, Percent):
        percent = value.value
        if isinstance(percent, bool) or not isinstance(percent, Decimal | int):
            out.append(
                Problem(
                    "discount.value",
                    f"must be a Decimal (e.g. Decimal('12.5')), got {_kind(percent)}",
                )
            )
        elif isinstance(percent, Decimal) and not percent.is_finite():
            out.append(Problem("discount.value", f"must be a finite number, got {percent}"))
        _int(out, "discount.max_amount", value.max_amount)
    elif isinstance(value, Fixed):
        _int(out, "discount.amount", value.amount, optional=False)
    else:
        out.append(Problem("discount", f"must be Percent(...) or Fixed(...), got {_kind(value)}"))


def _limit(out: list[Problem], value: object) -> None:
    if isinstance(value, Quota):
        _int(out, "limit.uses", value.uses, optional=False)
    elif isinstance(value, Budget):
        _int(out, "limit.amount", value.amount, optional=False)
    elif value is not None:
        out.append(Problem("limit", f"must be Quota(...), Budget(...) or None, got {_kind(value)}"))


def _payment(out: list[Problem], value: object) -> None:
    if isinstance(value, CardScope):
        _strings(out, "payment.bins", value.bins)
        _strings(out, "payment.banks", value.banks)
    elif isinstance(value, EwalletScope):
        _strings(out, "payment.wallets", value.wallets)
    elif isinstance(value, VirtualAccountScope):
        _strings(out, "payment.banks", value.banks)
    elif value is not None:
        out.append(
            Problem(
                "payment",
                "must be CardScope(...), EwalletScope(...), VirtualAccountScope(...) or None,"
                f" got {_kind(value)}",
            )
        )


def _coupons(out: list[Problem], value: object) -> None:
    if not isinstance(value, tuple):
        out.append(Problem("coupons", f"must be a tuple of Coupon, got {_kind(value)}"))
        return
    for index, coupon in enumerate(value):
        path = f"coupons[{index}]"
        if not isinstance(coupon, Coupon):
            out.append(Problem(path, f"must be a Coupon, got {_kind(coupon)}"))
            continue
        _str(out, f"{path}.code", coupon.code, optional=False)
        _str(out, f"{path}.id", coupon.id)
        _choice(out, f"{path}.coupon_type", coupon.coupon_type, _COUPON_TYPES, optional=False)
        _bool(out, f"{path}.active", coupon.active, optional=True)
        _int(out, f"{path}.limit", coupon.limit)
        _int(out, f"{path}.used", coupon.used)
        _when(out, f"{path}.expires_at", coupon.expires_at)
        _when(out, f"{path}.created_at", coupon.created_at)


def _extensions(out: list[Problem], value: object) -> None:
    if not isinstance(value, dict):
        out.append(
            Problem("extensions", f"must be a dict of plugin name to dict, got {_kind(value)}")
        )
        return
    for plugin, fields in value.items():
        if not isinstance(plugin, str):
            out.append(Problem("extensions", f"plugin names must be strings, got {_kind(plugin)}"))
            continue
        path = f"extensions.{plugin}"
        if not isinstance(fields, dict):
            out.append(Problem(path, f"must be a dict of wire fields, got {_kind(fields)}"))
            continue
        for name, field in fields.items():
            if not isinstance(name, str):
                out.append(Problem(path, f"wire field names must be strings, got {_kind(name)}"))
            elif isinstance(field, float) and not math.isfinite(field):
                # JSON has no NaN or infinity: it would go on the wire as null.
                out.append(Problem(f"{path}.{name}", f"must be a finite number, got {field!r}"))


_COUPON_TYPES: tuple[str, ...] = get_args(CouponType)
_CUSTOMERS: tuple[str, ...] = get_args(Customers)
_REWARDS: tuple[str, ...] = get_args(Reward)
_APPLIES_TO: tuple[str, ...] = get_args(AppliesTo)
_STATUSES: tuple[str, ...] = get_args(Status)


def construction_problems(promotion: Promotion) -> list[Problem]:
    """Every field of ``promotion`` whose value has the wrong type, by field path.

    The types are the annotations (``bool`` is not an ``int``, a ``float`` is never
    money, a percent is a finite ``Decimal``). The rules that need types to hold
    first (non-empty names, ranges, dates in order) stay in :mod:`promokit.model.rules`.
    """
    out: list[Problem] = []
    _str(out, "name", promotion.name, optional=False)
    _discount(out, promotion.discount)
    _str(out, "description", promotion.description)
    _str(out, "code", promotion.code)
    _choice(out, "coupon_type", promotion.coupon_type, _COUPON_TYPES, optional=False)
    _str(out, "currency", promotion.currency, optional=False)
    _int(out, "min_purchase", promotion.min_purchase)
    _limit(out, promotion.limit)
    _when(out, "starts_at", promotion.starts_at)
    _when(out, "ends_at", promotion.ends_at)
    _choice(out, "customers", promotion.customers, _CUSTOMERS, optional=False)
    _strings(out, "products", promotion.products)
    _payment(out, promotion.payment)
    _choice(out, "reward", promotion.reward, _REWARDS, optional=False)
    _choice(out, "applies_to", promotion.applies_to, _APPLIES_TO, optional=False)
    _extensions(out, promotion.extensions)
    _str(out, "id", promotion.id)
    _str(out, "provider", promotion.provider)
    _choice(out, "status", promotion.status, _STATUSES, optional=True)
    _coupons(out, promotion.coupons)
    _when(out, "created_at", promotion.created_at)
    _when(out, "updated_at", promotion.updated_at)
    _bool(out, "reconciled", promotion.reconciled)
    _strings(out, "unknown", promotion.unknown)
    _bool(out, "already_created", promotion.already_created)
    return out
