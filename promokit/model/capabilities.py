"""Capability manifests providers declare as data, and the no-I/O plan built from them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import msgspec

from promokit.errors import Problem, UnknownFields, UnsupportedFeature, plural
from promokit.model import (
    Budget,
    CardScope,
    EwalletScope,
    Fixed,
    Percent,
    Promotion,
    Quota,
    VirtualAccountScope,
)
from promokit.model.rules import type_problems

Support = Literal["native", "emulated", "unsupported"]
Policy = Literal["strict", "drop"]
Operation = Literal["create", "get", "list", "validate", "usage", "update", "delete"]
OPERATIONS: tuple[Operation, ...] = (
    "create",
    "get",
    "list",
    "validate",
    "usage",
    "update",
    "delete",
)
FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "code",
    "coupon_type",
    "discount",
    "discount.max_amount",
    "currency",
    "min_purchase",
    "limit",
    "starts_at",
    "ends_at",
    "customers",
    "products",
    "payment",
    "reward",
    "applies_to",
    "extensions",
)
"""Every neutral field a manifest speaks about, in display order."""

_DROP_TO: dict[str, Callable[[Promotion], Promotion]] = {
    "description": lambda p: msgspec.structs.replace(p, description=None),
    "extensions": lambda p: msgspec.structs.replace(p, extensions={}),
    "code": lambda p: msgspec.structs.replace(p, code=None),
    "discount.max_amount": lambda p: msgspec.structs.replace(
        p, discount=msgspec.structs.replace(p.discount, max_amount=None)
    ),
    "min_purchase": lambda p: msgspec.structs.replace(p, min_purchase=None),
    "limit": lambda p: msgspec.structs.replace(p, limit=None),
    "starts_at": lambda p: msgspec.structs.replace(p, starts_at=None),
    "ends_at": lambda p: msgspec.structs.replace(p, ends_at=None),
    "customers": lambda p: msgspec.structs.replace(p, customers="all"),
    "products": lambda p: msgspec.structs.replace(p, products=()),
    "payment": lambda p: msgspec.structs.replace(p, payment=None),
}
"""How the ``drop`` policy removes an optional field; fields absent here never drop."""


class FieldSupport(msgspec.Struct, frozen=True, kw_only=True):
    """How a provider handles one neutral field.

    ``values`` lists the neutral values (or kinds, such as ``"percent"``) it can
    express; ``None`` means any. ``note`` says why, for plans and docs.
    """

    support: Support = "native"
    values: tuple[str, ...] | None = None
    required: bool = False
    note: str = ""


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Numeric constraints a provider documents; ``None`` means no documented limit."""

    min_name_length: int | None = None
    max_name_length: int | None = None
    max_code_length: int | None = None
    max_products: int | None = None
    max_percent: Decimal | None = None
    max_percent_note: str = ""
    currencies: tuple[str, ...] | None = None
    max_codes_per_request: int | None = None


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a provider can and cannot do, declared as data (no I/O to read it).

    A field missing from ``fields`` is unsupported; an operation missing from
    ``operations`` is unsupported. ``operation_notes`` explain unsupported or
    emulated operations in the words the error will use.
    """

    fields: dict[str, FieldSupport]
    operations: dict[str, Support]
    limits: Limits = Limits()
    operation_notes: dict[str, str] = msgspec.field(default_factory=dict)
    rate_limit_per_minute: float | None = None
    rate_limit_scope: Literal["account", "host"] = "account"
    """What the gateway counts its limit against: each API key (``account``), or each
    client IP (``host``: every key sending from this host shares one window)."""
    page_size: int | None = None

    def field(self, name: str) -> FieldSupport:
        """The support declared for ``name`` (unsupported when not declared)."""
        return self.fields.get(name, _UNDECLARED)

    def supports(self, operation: str) -> bool:
        """Whether ``operation`` is native or emulated."""
        return self.operations.get(operation, "unsupported") != "unsupported"


_UNDECLARED = FieldSupport(support="unsupported", note="not declared by the provider")

PlanAction = Literal["native", "emulated", "dropped", "unsupported", "not_set", "unknown"]


class PlanLine(msgspec.Struct, frozen=True, kw_only=True):
    """What will happen to one field when the promotion goes to the provider."""

    field: str
    action: PlanAction
    value: str = ""
    detail: str = ""


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """The field-by-field outcome of sending a promotion to a provider, built with no I/O.

    ``promotion`` is what will actually be sent (after any ``drop``); ``problems``
    is empty when the plan can be carried out. ``unknown`` names the fields refused
    because the source did not report them (see :attr:`Promotion.unknown`).
    """

    provider: str
    plugin: str
    policy: Policy
    lines: tuple[PlanLine, ...]
    problems: tuple[Problem, ...]
    promotion: Promotion
    unknown: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing stops the promotion from being sent."""
        return not self.problems

    @property
    def dropped(self) -> tuple[str, ...]:
        """Fields the ``drop`` policy removed."""
        return tuple(line.field for line in self.lines if line.action == "dropped")

    def raise_for_problems(self) -> None:
        """Raise listing every problem, if there are any.

        :class:`UnknownFields` when a field the source did not report stands in the
        way (fix those first: they are the caller's to set), else
        :class:`UnsupportedFeature`.
        """
        if self.unknown:
            raise UnknownFields(
                f"{self.promotion.name!r} has {plural(len(self.unknown), 'field')} its source "
                f"did not report ({', '.join(self.unknown)}): set them and remove them from "
                f"unknown, or allow unknown fields; nothing was sent "
                f"({plural(len(self.problems), 'problem')})",
                provider=self.provider,
                operation="create",
                problems=self.problems,
            )
        if self.problems:
            raise UnsupportedFeature(
                f"{self.provider} ({self.plugin}) cannot express this promotion "
                f"({plural(len(self.problems), 'problem')}); nothing was sent",
                provider=self.provider,
                operation="create",
                problems=self.problems,
            )


def value_kind(promotion: Promotion, field: str) -> str | None:
    """The neutral value or kind of ``field`` compared with ``FieldSupport.values``.

    ``None`` means the field is not set.
    """
    value: Any
    if field == "discount":
        return "percent" if isinstance(promotion.discount, Percent) else "fixed"
    if field == "discount.max_amount":
        discount = promotion.discount
        if isinstance(discount, Percent) and discount.max_amount is not None:
            return str(discount.max_amount)
        return None
    if field == "limit":
        limit = promotion.limit
        if limit is None:
            return None
        return "quota" if isinstance(limit, Quota) else "budget"
    if field == "payment":
        kinds = {CardScope: "card", EwalletScope: "ewallet", VirtualAccountScope: "virtual_account"}
        return None if promotion.payment is None else kinds[type(promotion.payment)]
    value = getattr(promotion, field)
    if value is None or value == () or value == {}:
        return None
    return value if isinstance(value, str) else "set"


def describe(promotion: Promotion, field: str) -> str:
    """A short human rendering of a field's value, for plan tables."""
    if field == "discount":
        discount = promotion.discount
        if isinstance(discount, Percent):
            return f"{discount.value}%"
        return f"{discount.amount} {promotion.currency}" if isinstance(discount, Fixed) else "?"
    if field == "limit":
        limit = promotion.limit
        if isinstance(limit, Quota):
            return f"{limit.uses} use" + ("" if limit.uses == 1 else "s")
        if isinstance(limit, Budget):
            return f"budget {limit.amount} {promotion.currency}"
        return ""
    if field == "discount.max_amount":
        return value_kind(promotion, field) or ""
    if field == "payment":
        return describe_scope(promotion.payment)
    value = getattr(promotion, field)
    if value is None or value == () or value == {}:
        return ""
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def when(moment: datetime | None) -> str:
    """The one date format promokit shows people: ``2030-01-01 09:06:14 UTC``."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def describe_scope(scope: CardScope | EwalletScope | VirtualAccountScope | None) -> str:
    """A payment scope in words: ``cards with BIN 424242 or from BCA``."""
    if scope is None:
        return ""
    if isinstance(scope, CardScope):
        parts = []
        if scope.bins:
            parts.append(f"BIN {' or '.join(scope.bins)}")
        if scope.banks:
            parts.append(f"from {' or '.join(scope.banks)}")
        return "cards" + (" with " + " or ".join(parts) if parts else "")
    if isinstance(scope, EwalletScope):
        return "e-wallets" + (f": {', '.join(scope.wallets)}" if scope.wallets else "")
    return "virtual accounts" + (f" at {', '.join(scope.banks)}" if scope.banks else "")


def _constraint_problems(manifest: Manifest, promotion: Promotion, who: str) -> list[Problem]:
    limits = manifest.limits
    problems: list[Problem] = []
    name_length = len(promotion.name)
    if limits.min_name_length is not None and name_length < limits.min_name_length:
        problems.append(
            Problem("name", f"{who} needs at least {plural(limits.min_name_length, 'character')}")
        )
    if limits.max_name_length is not None and name_length > limits.max_name_length:
        problems.append(
            Problem("name", f"{who} allows at most {plural(limits.max_name_length, 'character')}")
        )
    code = promotion.code
    if (
        code is not None
        and limits.max_code_length is not None
        and len(code) > limits.max_code_length
    ):
        problems.append(
            Problem("code", f"{who} allows at most {plural(limits.max_code_length, 'character')}")
        )
    if limits.max_products is not None and len(promotion.products) > limits.max_products:
        problems.append(
            Problem("products", f"{who} accepts at most {plural(limits.max_products, 'product')}")
        )
    discount = promotion.discount
    if (
        limits.max_percent is not None
        and isinstance(discount, Percent)
        and discount.value > limits.max_percent
    ):
        note = f" ({limits.max_percent_note})" if limits.max_percent_note else ""
        problems.append(
            Problem("discount.value", f"{who} accepts at most {limits.max_percent}%{note}")
        )
    if limits.currencies is not None and promotion.currency not in limits.currencies:
        problems.append(Problem("currency", f"{who} only supports {', '.join(limits.currencies)}"))
    return problems


def plan(
    promotion: Promotion,
    manifest: Manifest,
    *,
    provider: str,
    plugin: str,
    policy: Policy = "strict",
    extra_problems: Iterable[Problem] = (),
    allow_unknown: bool = False,
) -> Plan:
    """Check every field of ``promotion`` against ``manifest``; no I/O.

    Model rule violations, unsupported fields and values, missing required fields
    and documented limits all become problems, every one of them, at once. A field
    in ``promotion.unknown`` is one problem of its own (its placeholder value is
    not checked further) unless ``allow_unknown``, which sends the placeholder and
    clears ``unknown`` in :attr:`Plan.promotion`.
    """
    who = f"{provider} ({plugin})" if provider != plugin else provider
    typed = type_problems(promotion)
    if typed:
        # The checks below assume the model's types: a wrong one is the only problem.
        return Plan(
            provider=provider,
            plugin=plugin,
            policy=policy,
            lines=(),
            problems=tuple(typed),
            promotion=promotion,
        )
    unknown = {name.partition(".")[0] for name in promotion.unknown}
    refused_unknown: list[str] = []
    problems = [
        problem
        for problem in promotion.problems()
        if allow_unknown or _head(problem.path) not in unknown
    ]
    lines: list[PlanLine] = []
    sent = msgspec.structs.replace(promotion, unknown=()) if allow_unknown else promotion
    for field in FIELDS:
        support = manifest.field(field)
        kind = value_kind(promotion, field)
        shown = describe(promotion, field)
        head = field.partition(".")[0]
        if head in unknown and not allow_unknown:
            if field == head:
                refused_unknown.append(field)
                source = promotion.provider or "its source"
                problems.append(
                    Problem(
                        field,
                        f"not reported by {source}: the value here is a placeholder; set it "
                        f"and remove {field!r} from unknown, or allow unknown fields",
                    )
                )
            lines.append(PlanLine(field=field, action="unknown", value=shown, detail="unknown"))
            continue
        if kind is None:
            if support.required:
                problems.append(Problem(field, f"{who} requires it{_why(support)}"))
                lines.append(PlanLine(field=field, action="unsupported", detail="required"))
            else:
                lines.append(PlanLine(field=field, action="not_set"))
            continue
        if field == "extensions" and plugin not in promotion.extensions:
            # Other plugins' entries are meant for other providers: not this one's loss.
            detail = f"only for {', '.join(sorted(promotion.extensions))}; ignored here"
            lines.append(PlanLine(field=field, action="not_set", value=shown, detail=detail))
            continue
        refused = support.support == "unsupported" or (
            support.values is not None and kind not in support.values
        )
        if not refused:
            lines.append(
                PlanLine(field=field, action=support.support, value=shown, detail=support.note)
            )
            continue
        if support.support == "unsupported":
            reason = f"{who} cannot express it{_why(support)}"
        else:
            allowed = ", ".join(support.values or ())
            reason = f"{who} cannot express {kind!r} (only {allowed}){_why(support)}"
        if policy == "drop" and field in _DROP_TO and not support.required:
            sent = _DROP_TO[field](sent)
            lines.append(PlanLine(field=field, action="dropped", value=shown, detail=reason))
        else:
            problems.append(Problem(field, reason))
            lines.append(PlanLine(field=field, action="unsupported", value=shown, detail=reason))
    later = [*_constraint_problems(manifest, sent, who), *extra_problems]
    problems.extend(p for p in later if allow_unknown or _head(p.path) not in unknown)
    return Plan(
        provider=provider,
        plugin=plugin,
        policy=policy,
        lines=tuple(lines),
        problems=tuple(dict.fromkeys(problems)),
        promotion=sent,
        unknown=tuple(refused_unknown),
    )


def _head(path: str) -> str:
    """The neutral field a problem path is about: ``payment.wallets[0]`` -> ``payment``."""
    return path.partition(".")[0].partition("[")[0]


def _why(support: FieldSupport) -> str:
    return f": {support.note}" if support.note else ""


def require_operation(manifest: Manifest, operation: str, *, provider: str, plugin: str) -> None:
    """Raise :class:`UnsupportedFeature` before any I/O when ``operation`` is not offered."""
    if manifest.supports(operation):
        return
    note = manifest.operation_notes.get(operation, "")
    raise UnsupportedFeature(
        f"{provider} ({plugin}) does not offer {operation}" + (f": {note}" if note else ""),
        provider=provider,
        operation=operation,
    )
