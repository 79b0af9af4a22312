"""The neutral promotion and checkout: provider-free, frozen msgspec Structs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

import msgspec

from promokit.errors import InvalidCheckout, InvalidPromotion, Problem, plural
from promokit.model.parts import (
    READ_ONLY,
    AppliesTo,
    Coupon,
    CouponType,
    Customers,
    Discount,
    Limit,
    PaymentMethod,
    PaymentScope,
    Reward,
    Status,
    _Neutral,
)
from promokit.model.rules import promotion_problems
from promokit.model.typecheck import construction_problems, is_trusted


class Promotion(_Neutral, frozen=True, kw_only=True):
    """A promotion described once, in promokit's language, for any provider.

    Amounts are ``int`` in the currency's unit (IDR: whole rupiah); percentages are
    ``Decimal``; datetimes are timezone-aware. ``extensions`` carries
    provider-specific wire fields verbatim as ``{plugin_name: {field: value}}``.
    The fields after ``extensions`` are read-only: providers fill them in.

    ``unknown`` names the fields a provider did not report when this promotion was
    read (a Mayar list entry has no code; a Durianpay e-wallet promo's wallets may
    be unreadable): their values here are placeholders, not facts. It survives
    :meth:`draft`, so creating a copy elsewhere is refused (:class:`UnknownFields`)
    until each is set and removed from ``unknown``, or the caller passes
    ``allow_unknown=True`` to send the placeholders as they are.
    """

    name: str
    discount: Discount
    description: str | None = None
    code: str | None = None
    coupon_type: CouponType = "reusable"
    currency: str = "IDR"
    min_purchase: int | None = None
    limit: Limit | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    customers: Customers = "all"
    products: tuple[str, ...] = ()
    payment: PaymentScope | None = None
    reward: Reward = "discount"
    applies_to: AppliesTo = "order"
    extensions: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    id: str | None = None
    provider: str | None = None
    status: Status | None = None
    coupons: tuple[Coupon, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reconciled: bool = False
    unknown: tuple[str, ...] = ()
    already_created: bool = False

    def __post_init__(self) -> None:
        # Refused when built, so a wrong type never travels to an operation. A
        # provider maps already-checked wire Structs inside trusted(): the check
        # would repeat msgspec's work on every response.
        if is_trusted():
            return
        problems = construction_problems(self)
        if problems:
            raise InvalidPromotion(
                f"{_label(self.name)} has {plural(len(problems), 'value')} of the wrong type;"
                " nothing was sent",
                problems=problems,
            )

    def problems(self, *, now: datetime | None = None) -> list[Problem]:
        """Every rule of the neutral model this promotion breaks, with field paths.

        With ``now``, an ``ends_at`` already in the past is a problem too.
        """
        return promotion_problems(self, now=now)

    def check(self, *, now: datetime | None = None) -> Promotion:
        """Raise :class:`InvalidPromotion` listing every problem, or return ``self``."""
        found = self.problems(now=now)
        if found:
            raise InvalidPromotion(
                f"{_label(self.name)} is invalid ({plural(len(found), 'problem')})", problems=found
            )
        return self

    def draft(self) -> Promotion:
        """This promotion without its read-only fields, ready to create elsewhere.

        ``unknown`` is kept (less the read-only names): a field the source did not
        report stays unknown in the copy, so it is never sent as a fact by accident.
        """
        return msgspec.structs.replace(
            self,
            id=None,
            provider=None,
            status=None,
            coupons=(),
            created_at=None,
            updated_at=None,
            reconciled=False,
            unknown=tuple(name for name in self.unknown if name not in READ_ONLY),
            already_created=False,
        )

    def known(self, field: str) -> bool:
        """Whether the provider reported ``field`` (a dotted path counts by its head)."""
        return field.partition(".")[0] not in self.unknown


def _label(name: object) -> str:
    return f"promotion {name!r}" if isinstance(name, str) else "the promotion"


class Checkout(_Neutral, frozen=True, kw_only=True):
    """What the customer is about to pay, used to validate a code.

    ``customer_type`` tells the evaluator whether the customer is new or returning
    (providers that know their customers decide this themselves from the e-mail).
    ``items_amount`` and ``shipping_amount`` matter for promotions that apply only
    to items or shipping; when absent, ``amount`` is used. ``extensions`` carries
    provider-only checkout fields as ``{plugin_name: {wire_field: value}}`` (Mayar:
    ``membershipTierId``, ``paymentLinkType``, ``tickets``).
    """

    amount: int
    currency: str = "IDR"
    product_id: str | None = None
    customer_email: str | None = None
    customer_type: Literal["new", "returning"] | None = None
    payment_method: PaymentMethod | None = None
    card_bin: str | None = None
    bank: str | None = None
    wallet: str | None = None
    items_amount: int | None = None
    shipping_amount: int | None = None
    extensions: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        # Refused when built, not at the first request: a Checkout is built per
        # call by callers (never in bulk by a decoder), so the check costs little.
        problems = _checkout_type_problems(self)
        if problems:
            raise InvalidCheckout(
                "the checkout has a value of the wrong type; nothing was sent",
                problems=problems,
            )


def _checkout_type_problems(checkout: Checkout) -> list[Problem]:
    """Each field of ``checkout`` holding a value of the wrong type, by name."""
    problems = []
    for name in ("amount", "items_amount", "shipping_amount"):
        value = getattr(checkout, name)
        if (value is not None or name == "amount") and (
            not isinstance(value, int) or isinstance(value, bool)
        ):
            problems.append(Problem(name, f"must be an int, got {type(value).__name__}"))
    for name in ("currency", "product_id", "customer_email", "card_bin", "bank", "wallet"):
        value = getattr(checkout, name)
        if (value is not None or name == "currency") and not isinstance(value, str):
            problems.append(Problem(name, f"must be a string, got {type(value).__name__}"))
    for name, allowed in (
        ("customer_type", ("new", "returning")),
        ("payment_method", ("card", "ewallet", "virtual_account", "other")),
    ):
        value = getattr(checkout, name)
        if value is not None and value not in allowed:
            problems.append(Problem(name, f"must be one of {', '.join(allowed)}, got {value!r}"))
    problems.extend(extension_problems(checkout.extensions))
    return problems


def extension_problems(extensions: object) -> list[Problem]:
    """``extensions`` named unless it maps plugin names to dicts keyed by text.

    Checked when a :class:`Checkout` is built and again by each call given one: the
    Checkout is frozen, but these dicts stay mutable after it is built.
    """
    if type(extensions) is dict and not extensions:
        return []  # the common checkout, on every validate: no generator to run
    if isinstance(extensions, dict) and all(
        isinstance(key, str)
        and isinstance(value, dict)
        and all(isinstance(inner, str) for inner in value)
        for key, value in extensions.items()
    ):
        return []
    return [Problem("extensions", "must map plugin names to dicts keyed by text")]


class Rejection(enum.StrEnum):
    """Why a code was refused, in neutral terms."""

    NOT_FOUND = "NOT_FOUND"
    INACTIVE = "INACTIVE"
    NOT_STARTED = "NOT_STARTED"
    EXPIRED = "EXPIRED"
    MIN_PURCHASE_NOT_MET = "MIN_PURCHASE_NOT_MET"
    CUSTOMER_NOT_ELIGIBLE = "CUSTOMER_NOT_ELIGIBLE"
    PRODUCT_NOT_ELIGIBLE = "PRODUCT_NOT_ELIGIBLE"
    PAYMENT_METHOD_NOT_ELIGIBLE = "PAYMENT_METHOD_NOT_ELIGIBLE"
    USAGE_LIMIT_REACHED = "USAGE_LIMIT_REACHED"
    BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"
    UNKNOWN = "UNKNOWN"


class Validation(_Neutral, frozen=True, kw_only=True):
    """The answer to "would this code work for this checkout?".

    An invalid code is a result (``valid=False`` with a ``reason``), not an
    exception. ``message`` is the provider's own text, verbatim, when it gave one.
    ``evaluated_locally`` is true when promokit's reference evaluator decided,
    because the provider has no validation endpoint.
    """

    valid: bool
    reason: Rejection | None = None
    discount_amount: int = 0
    message: str | None = None
    coupon: Coupon | None = None
    provider: str | None = None
    evaluated_locally: bool = False


class Usage(_Neutral, frozen=True, kw_only=True):
    """How much of a code's limit is used; ``limit=None`` means unlimited."""

    code: str
    used: int
    limit: int | None = None
    remaining: int | None = None
    exhausted: bool = False
