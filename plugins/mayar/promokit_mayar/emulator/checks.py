"""Request checks for the emulator, producing Mayar's validator issue objects.

Mayar's validator issues look like fastest-validator's (``type``, ``message``,
``field``, ``expected``, ``actual``; e.g. ``The 'products[0]' must be an Object.``),
so the messages below are fastest-validator's default wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from msgspec import UNSET

from promokit_mayar.wire import ValidationIssue

_MESSAGES = {
    "required": "The '{field}' field is required.",
    "string": "The '{field}' field must be a string.",
    "stringMin": (
        "The '{field}' field length must be greater than or equal to {expected} characters long."
    ),
    "stringMax": (
        "The '{field}' field length must be less than or equal to {expected} characters long."
    ),
    "stringEnum": "The '{field}' field does not match any of the allowed values.",
    "number": "The '{field}' field must be a number.",
    "numberPositive": "The '{field}' field must be a positive number.",
    "numberMin": "The '{field}' field must be greater than or equal to {expected}.",
    "numberInteger": "The '{field}' field must be an integer.",
    "object": "The '{field}' must be an Object.",
    "array": "The '{field}' field must be an array.",
    "arrayMax": "The '{field}' field must contain less than or equal to {expected} items.",
    "date": "The '{field}' field must be a Date.",
    "email": "The '{field}' field must be a valid e-mail.",
}

Number = int | float


class Issues:
    """Collects every issue of one request body, in field order, like the real validator."""

    def __init__(self) -> None:
        self.items: list[ValidationIssue] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, kind: str, field: str, *, expected: Any = UNSET, actual: Any = UNSET) -> None:
        """Record one issue of type ``kind`` at ``field``."""
        shown = "" if expected is UNSET else expected
        message = _MESSAGES[kind].format(field=field, expected=shown)
        self.items.append(
            ValidationIssue(
                type=kind, message=message, field=field, expected=expected, actual=actual
            )
        )

    def as_data(self) -> list[Any]:
        """The issue array as it goes into ``data``."""
        built: list[Any] = msgspec.to_builtins(self.items)
        return built

    # -- field checks: each returns the value when it is usable, else None --------

    def string(
        self,
        body: dict[str, Any],
        key: str,
        field: str,
        *,
        required: bool = True,
        min_length: int | None = None,
        max_length: int | None = None,
    ) -> str | None:
        """A string field, optionally bounded in length."""
        value = body.get(key)
        if value is None:
            if required:
                self.add("required", field)
            return None
        if not isinstance(value, str):
            self.add("string", field, actual=value)
            return None
        if min_length is not None and len(value) < min_length:
            self.add("stringMin", field, expected=min_length, actual=len(value))
            return None
        if max_length is not None and len(value) > max_length:
            self.add("stringMax", field, expected=max_length, actual=len(value))
            return None
        return value

    def choice(
        self, body: dict[str, Any], key: str, field: str, allowed: Sequence[str]
    ) -> str | None:
        """A required string out of ``allowed``."""
        value = self.string(body, key, field)
        if value is not None and value not in allowed:
            self.add("stringEnum", field, expected=", ".join(allowed), actual=value)
            return None
        return value

    def number(
        self,
        body: dict[str, Any],
        key: str,
        field: str,
        *,
        required: bool = True,
        positive: bool = False,
        integer: bool = False,
    ) -> Number | None:
        """A JSON number (booleans are not numbers)."""
        value = body.get(key)
        if value is None:
            if required:
                self.add("required", field)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add("number", field, actual=value)
            return None
        if positive and value <= 0:
            self.add("numberPositive", field, actual=value)
            return None
        if not positive and value < 0:
            self.add("numberMin", field, expected=0, actual=value)
            return None
        if integer and value != int(value):
            self.add("numberInteger", field, actual=value)
            return None
        return value

    def mapping(self, body: dict[str, Any], key: str, field: str) -> dict[str, Any] | None:
        """A required JSON object."""
        value = body.get(key)
        if value is None:
            self.add("required", field)
            return None
        if not isinstance(value, dict):
            self.add("object", field, actual=value)
            return None
        return value

    def array(
        self, body: dict[str, Any], key: str, field: str, *, max_items: int | None = None
    ) -> list[Any] | None:
        """An optional JSON array, optionally bounded in length."""
        value = body.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.add("array", field, actual=value)
            return None
        if max_items is not None and len(value) > max_items:
            self.add("arrayMax", field, expected=max_items, actual=len(value))
            return None
        return value

    def date(self, body: dict[str, Any], key: str, field: str) -> datetime | None:
        """An optional ISO 8601 date (``null`` counts as absent)."""
        value = body.get(key)
        if value is None:
            return None
        moment = parse_date(value)
        if moment is None:
            self.add("date", field, actual=value)
        return moment

    def email(self, body: dict[str, Any], key: str, field: str) -> str | None:
        """An optional e-mail address."""
        value = self.string(body, key, field, required=False)
        if value is not None and ("@" not in value or value.startswith("@")):
            self.add("email", field, actual=value)
            return None
        return value


def parse_date(value: object) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text, or ``None`` if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_DISCOUNT_TYPES = ("monetary", "percentage")
_CUSTOMER_TYPES = ("all", "new", "old")
_COUPON_TYPES = ("reusable", "onetime")


@dataclass(frozen=True)
class CreateSpec:
    """A create body that passed the validator."""

    name: str
    expired_at: datetime | None
    discount_type: str
    customers: str
    minimum_purchase: Number | None
    value: Number
    total_coupons: int
    code: str | None
    coupon_type: str
    product_ids: list[str]


def read_create(issues: Issues, body: dict[str, Any]) -> CreateSpec | None:
    """Check a create body field by field; ``None`` when ``issues`` holds any problem."""
    name = issues.string(body, "name", "name", min_length=5)
    expired_at = issues.date(body, "expiredAt", "expiredAt")
    kind = customers = code = coupon_type = None
    minimum = value = total = None
    spec = issues.mapping(body, "discount", "discount")
    if spec is not None:
        kind = issues.choice(spec, "discountType", "discount.discountType", _DISCOUNT_TYPES)
        customers = issues.choice(
            spec, "eligibleCustomerType", "discount.eligibleCustomerType", _CUSTOMER_TYPES
        )
        minimum = issues.number(spec, "minimumPurchase", "discount.minimumPurchase", required=False)
        value = issues.number(spec, "value", "discount.value", positive=True)
        total = issues.number(
            spec, "totalCoupons", "discount.totalCoupons", positive=True, integer=True
        )
    coupon = issues.mapping(body, "coupon", "coupon")
    if coupon is not None:
        code = issues.string(coupon, "code", "coupon.code", required=False, min_length=1)
        coupon_type = issues.choice(coupon, "type", "coupon.type", _COUPON_TYPES)
    links = product_ids(issues, body)
    if (
        issues
        or name is None
        or kind is None
        or customers is None
        or value is None
        or total is None
        or coupon_type is None
    ):
        return None
    return CreateSpec(
        name=name,
        expired_at=expired_at,
        discount_type=kind,
        customers=customers,
        minimum_purchase=minimum,
        value=value,
        total_coupons=int(total),
        code=code,
        coupon_type=coupon_type,
        product_ids=links,
    )


def product_ids(issues: Issues, body: dict[str, Any]) -> list[str]:
    """The ``products`` array: at most 2 objects, each with a string ``id``."""
    items = issues.array(body, "products", "products", max_items=2) or []
    ids: list[str] = []
    for index, item in enumerate(items):
        field_name = f"products[{index}]"
        if not isinstance(item, dict):
            # Live finding: a bare id string fails with type "object".
            issues.add("object", field_name, actual=item)
            continue
        product_id = issues.string(item, "id", f"{field_name}.id")
        if product_id is not None:
            ids.append(product_id)
    return ids


def decode_object(body: bytes) -> dict[str, Any]:
    """A JSON request body as an object; anything else is checked as an empty object."""
    try:
        parsed = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
