"""Checkouts to Mayar's validate body, and its validate and check answers to neutral results."""

from __future__ import annotations

from msgspec import UNSET

from promokit.sdk import (
    BadRequest,
    Checkout,
    Coupon,
    NotFound,
    Problem,
    ProviderError,
    Rejection,
    Usage,
    Validation,
    amount_off,
)
from promokit_mayar import NAME, messages, wire
from promokit_mayar.mapping import wire_discount

_REFUSALS: dict[str, Rejection] = {
    messages.COUPON_NOT_FOUND: Rejection.NOT_FOUND,
    messages.COUPON_INACTIVE: Rejection.INACTIVE,
    messages.COUPON_NOT_STARTED: Rejection.NOT_STARTED,
    messages.COUPON_EXPIRED: Rejection.EXPIRED,
    messages.USAGE_LIMIT_REACHED: Rejection.USAGE_LIMIT_REACHED,
}
_REFUSAL_PREFIXES: tuple[tuple[str, Rejection], ...] = (
    (messages.PRODUCT_NOT_ELIGIBLE_PREFIX, Rejection.PRODUCT_NOT_ELIGIBLE),
    (messages.MIN_PURCHASE_PREFIX, Rejection.MIN_PURCHASE_NOT_MET),
)

CHECKOUT_EXTENSIONS = ("membershipTierId", "paymentLinkType", "tickets")
"""The Mayar-only validate fields a ``Checkout`` carries in ``extensions["mayar"]``."""


def checkout_problems(checkout: Checkout) -> list[Problem]:
    """What is wrong with ``checkout.extensions["mayar"]`` (documented shapes only)."""
    extra = checkout.extensions.get(NAME)
    if not extra:
        return []  # the common checkout: nothing Mayar-only to check
    where = f"extensions.{NAME}"
    problems = [
        Problem(f"{where}.{key}", f"not a Mayar validate field ({', '.join(CHECKOUT_EXTENSIONS)})")
        for key in extra
        if key not in CHECKOUT_EXTENSIONS
    ]
    for key in ("membershipTierId", "paymentLinkType"):
        value = extra.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            problems.append(Problem(f"{where}.{key}", "must be non-empty text"))
    tickets = extra.get("tickets")
    if tickets is not None and (
        not isinstance(tickets, list) or not all(isinstance(t, dict) for t in tickets)
    ):
        problems.append(Problem(f"{where}.tickets", "must be a list of ticket objects"))
    if extra.get("membershipTierId") is not None and extra.get("paymentLinkType") is None:
        problems.append(
            Problem(
                f"{where}.paymentLinkType",
                'goes with membershipTierId (documented: "membership_payment")',
            )
        )
    return problems


def validate_request(code: str, checkout: Checkout, product_id: str) -> wire.ValidateRequest:
    """The validate body; Mayar works out new/old customers itself from the e-mail.

    Membership and event checkouts add ``extensions["mayar"]`` fields (checked by
    :func:`checkout_problems`): ``membershipTierId`` with ``paymentLinkType``
    (e.g. ``membership_payment``), and ``tickets``, sent as given (their item shape
    is undocumented).
    """
    extra = checkout.extensions.get(NAME, {})
    tier = extra.get("membershipTierId")
    link_type = extra.get("paymentLinkType")
    tickets = extra.get("tickets")
    return wire.ValidateRequest(
        coupon_code=code,
        payment_link_id=product_id,
        amount=checkout.amount,
        customer_email=UNSET if checkout.customer_email is None else checkout.customer_email,
        membership_tier_id=UNSET if tier is None else tier,
        payment_link_type=UNSET if link_type is None else link_type,
        tickets=UNSET if tickets is None else tickets,
    )


def validation_from_result(
    result: wire.ValidateResult, checkout: Checkout, *, alias: str, message: str | None
) -> Validation:
    """A successful validate answer; the amount comes from promokit's reference evaluator."""
    coupon = result.coupon
    if not result.valid or coupon is None:
        # Undocumented (every documented refusal is an HTTP error); kept as a result.
        return Validation(valid=False, reason=Rejection.UNKNOWN, message=message, provider=alias)
    discount = wire_discount(
        coupon.discount_type,
        coupon.discount_value,
        "$.data.coupon.discountValue",
        alias,
        "validate",
    )
    return Validation(
        valid=True,
        discount_amount=amount_off(discount, max(checkout.amount, 0)),
        coupon=Coupon(code=coupon.code, id=coupon.id),
        provider=alias,
    )


def refusal_from_error(error: ProviderError, *, alias: str) -> Validation | None:
    """The neutral refusal a validate error stands for, or ``None`` when it is a real error.

    Validator failures (``Validation Error``, field issues, ``failed``) are errors in
    the request, not answers about the code; a 404 counts only with Mayar's own
    not-found wording, so a wrong base URL is never reported as "no such code".
    """
    text = error.message
    if error.fields or text in (messages.VALIDATION_ERROR, messages.FAILED):
        return None
    if isinstance(error, NotFound):
        reason = rejection_for(text)
        if reason is Rejection.UNKNOWN and "tidak ditemukan" not in text.casefold():
            return None
        reason = Rejection.NOT_FOUND if reason is Rejection.UNKNOWN else reason
    elif isinstance(error, BadRequest):
        reason = rejection_for(text)
    else:
        return None
    return Validation(valid=False, reason=reason, message=text, provider=alias)


def rejection_for(message: str) -> Rejection:
    """The neutral reason for one of Mayar's documented validate messages."""
    text = message.strip()
    exact = _REFUSALS.get(text)
    if exact is not None:
        return exact
    for prefix, reason in _REFUSAL_PREFIXES:
        if text.startswith(prefix):
            return reason
    # The new/old-customer refusal is free text; the docs give no exact string.
    lowered = text.casefold()
    if "pelanggan" in lowered or "customer" in lowered:
        return Rejection.CUSTOMER_NOT_ELIGIBLE
    return Rejection.UNKNOWN


def usage_from_wire(data: wire.CouponUsage) -> Usage:
    """The check answer; Mayar's ``limit`` 0 means unlimited."""
    unlimited = data.limit == 0
    return Usage(
        code=data.coupon_code,
        used=data.total_used,
        limit=None if unlimited else data.limit,
        remaining=None if unlimited else data.remaining,
        exhausted=data.is_used,
    )
