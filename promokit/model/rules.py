"""The rules of the neutral model, checked before any request is built."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, get_args

import msgspec

from promokit.errors import Problem
from promokit.model import parts
from promokit.model.parts import (
    Budget,
    CardScope,
    EwalletScope,
    Fixed,
    Percent,
    Quota,
    VirtualAccountScope,
)

if TYPE_CHECKING:
    # Only for annotations: promotion.py imports this module to check itself.
    from promokit.model.promotion import Promotion

_CURRENCY = re.compile(r"[A-Z]{3}")
_CODE = re.compile(r"[^\s]{1,64}")
_BIN = re.compile(r"[0-9]{6,8}")
MAX_CODE_LENGTH = 64


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _money(problems: list[Problem], path: str, value: object, *, allow_zero: bool) -> None:
    if isinstance(value, float):
        problems.append(Problem(path, "money must be an int in currency units, not a float"))
    elif not _is_int(value):
        problems.append(Problem(path, f"must be an int, got {type(value).__name__}"))
    elif allow_zero and value < 0:  # type: ignore[operator]
        problems.append(Problem(path, "must not be negative"))
    elif not allow_zero and value <= 0:  # type: ignore[operator]
        problems.append(Problem(path, "must be greater than 0"))


def _aware(problems: list[Problem], path: str, value: datetime | None) -> bool:
    if value is None:
        return False
    if not isinstance(value, datetime):
        problems.append(Problem(path, "must be a datetime"))
        return False
    if value.tzinfo is None or value.utcoffset() is None:
        problems.append(Problem(path, "must be timezone-aware (naive datetimes are ambiguous)"))
        return False
    return True


def _choice(problems: list[Problem], path: str, value: object, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        options = ", ".join(repr(option) for option in allowed)
        problems.append(Problem(path, f"must be one of {options}, got {value!r}"))


def _discount(problems: list[Problem], promotion: Promotion) -> None:
    discount = promotion.discount
    if isinstance(discount, Percent):
        value = discount.value
        if isinstance(value, float | bool) or not isinstance(value, Decimal | int):
            problems.append(
                Problem("discount.value", "percent must be a Decimal (e.g. Decimal('12.5'))")
            )
        elif not value.is_finite() if isinstance(value, Decimal) else False:
            problems.append(Problem("discount.value", "percent must be a finite number"))
        elif value <= 0 or value > 100:
            problems.append(Problem("discount.value", "percent must be > 0 and <= 100"))
        if discount.max_amount is not None:
            _money(problems, "discount.max_amount", discount.max_amount, allow_zero=False)
    elif isinstance(discount, Fixed):
        _money(problems, "discount.amount", discount.amount, allow_zero=False)
    else:
        problems.append(Problem("discount", "must be Percent(...) or Fixed(...)"))


def _limit(problems: list[Problem], promotion: Promotion) -> None:
    limit = promotion.limit
    if limit is None:
        return
    if isinstance(limit, Quota):
        if not _is_int(limit.uses) or limit.uses < 1:
            problems.append(Problem("limit.uses", "quota must be an int of at least 1"))
    elif isinstance(limit, Budget):
        _money(problems, "limit.amount", limit.amount, allow_zero=False)
    else:
        problems.append(Problem("limit", "must be Quota(...), Budget(...) or None"))


def _payment(problems: list[Problem], promotion: Promotion) -> None:
    scope = promotion.payment
    if scope is None:
        return
    if isinstance(scope, CardScope):
        if not scope.bins and not scope.banks:
            problems.append(Problem("payment", "a card scope needs at least one BIN or bank"))
        for index, card_bin in enumerate(scope.bins):
            if not isinstance(card_bin, str) or not _BIN.fullmatch(card_bin):
                problems.append(Problem(f"payment.bins[{index}]", "a BIN is 6 to 8 digits"))
        _names(problems, "payment.banks", scope.banks)
    elif isinstance(scope, EwalletScope):
        if not scope.wallets:
            problems.append(Problem("payment.wallets", "name at least one e-wallet"))
        _names(problems, "payment.wallets", scope.wallets)
    elif isinstance(scope, VirtualAccountScope):
        if not scope.banks:
            problems.append(Problem("payment.banks", "name at least one bank"))
        _names(problems, "payment.banks", scope.banks)
    else:
        problems.append(
            Problem("payment", "must be a CardScope, EwalletScope or VirtualAccountScope")
        )


def _names(problems: list[Problem], path: str, names: tuple[str, ...]) -> None:
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(f"{path}[{index}]", "must be a non-empty string"))


def _unknown(problems: list[Problem], promotion: Promotion) -> None:
    names = promotion.unknown
    if not isinstance(names, tuple) or not all(isinstance(name, str) for name in names):
        problems.append(Problem("unknown", "must list field names"))
        return
    fields = set(type(promotion).__struct_fields__) - {"unknown", "extensions"}
    for index, name in enumerate(names):
        if name not in fields:
            problems.append(Problem(f"unknown[{index}]", f"{name!r} is not a promotion field"))


# Kept as objects, so a Decimal or datetime where a string belongs is caught.
_KEPT = (datetime, Decimal)


def _datetime_subclass(obj: object) -> object:
    # A wire type (a datetime subclass) kept in ``extensions`` is still a datetime.
    if isinstance(obj, datetime):
        return obj.isoformat()
    raise NotImplementedError(f"cannot check a {type(obj).__name__}")


_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")


def type_problems(value: msgspec.Struct) -> list[Problem]:
    """The first field of ``value`` (a neutral Struct) whose value has the wrong type.

    msgspec Structs do not check types when built in Python; this converts the
    value to plain data and back with msgspec's strict rules, the same ones a
    decoded file or response meets, so a wrong type is named by its field path
    before any rule (or request) trips over it.
    """
    try:
        plain = msgspec.to_builtins(
            value,
            builtin_types=_KEPT,
        )
        msgspec.convert(plain, type(value))
    except msgspec.ValidationError as exc:
        text = str(exc)
        match = _AT.search(text)
        path = match.group("path") if match and match.group("path") else "$"
        path = path.replace("[...]", "")  # msgspec's mark for "some dict value"
        return [Problem(path, _AT.sub("", text))]
    except RecursionError:
        return [Problem("$", "nests values too deep")]
    except (TypeError, ValueError, OverflowError, NotImplementedError) as exc:
        return [Problem(_field_of(value, exc), f"holds a value of the wrong type ({exc})")]
    return []


def _field_of(value: msgspec.Struct, error: BaseException) -> str:
    """The field whose value could not even be turned into plain data."""
    for name in value.__struct_fields__:
        try:
            msgspec.to_builtins(
                getattr(value, name),
                builtin_types=_KEPT,
            )
        except Exception:
            return name
    return "$"


def promotion_problems(promotion: Promotion, *, now: datetime | None = None) -> list[Problem]:
    """Every rule ``promotion`` breaks; with ``now``, also an end already in the past.

    A value of the wrong type is reported alone: the rules assume the types.
    """
    typed = type_problems(promotion)
    if typed:
        return typed
    problems: list[Problem] = []
    if not isinstance(promotion.name, str) or not promotion.name.strip():
        problems.append(Problem("name", "must not be empty"))
    if promotion.description is not None and not isinstance(promotion.description, str):
        problems.append(Problem("description", "must be a string"))
    code = promotion.code
    if code is not None and (not isinstance(code, str) or not _CODE.fullmatch(code)):
        problems.append(
            Problem("code", f"must be 1 to {MAX_CODE_LENGTH} characters with no whitespace")
        )
    _choice(problems, "coupon_type", promotion.coupon_type, get_args(parts.CouponType))
    _discount(problems, promotion)
    if not isinstance(promotion.currency, str) or not _CURRENCY.fullmatch(promotion.currency):
        problems.append(Problem("currency", "must be an ISO 4217 code such as 'IDR'"))
    if promotion.min_purchase is not None:
        _money(problems, "min_purchase", promotion.min_purchase, allow_zero=True)
    _limit(problems, promotion)
    starts = _aware(problems, "starts_at", promotion.starts_at)
    ends = _aware(problems, "ends_at", promotion.ends_at)
    if starts and ends and promotion.ends_at <= promotion.starts_at:  # type: ignore[operator]
        problems.append(Problem("ends_at", "must be later than starts_at"))
    if ends and now is not None and promotion.ends_at <= now:  # type: ignore[operator]
        problems.append(Problem("ends_at", "is already in the past"))
    _choice(problems, "customers", promotion.customers, get_args(parts.Customers))
    _names(problems, "products", promotion.products)
    if len(set(promotion.products)) != len(promotion.products):
        problems.append(Problem("products", "lists the same product twice"))
    _payment(problems, promotion)
    _choice(problems, "reward", promotion.reward, get_args(parts.Reward))
    _choice(problems, "applies_to", promotion.applies_to, get_args(parts.AppliesTo))
    _unknown(problems, promotion)
    if not isinstance(promotion.extensions, dict) or not all(
        isinstance(fields, dict) for fields in promotion.extensions.values()
    ):
        problems.append(Problem("extensions", "must map plugin names to dicts of wire fields"))
    return problems
