"""The reference evaluator: would a promotion apply to a checkout, and for how much."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from promokit.model import (
    Budget,
    CardScope,
    Checkout,
    Coupon,
    Discount,
    EwalletScope,
    Percent,
    Promotion,
    Quota,
    Rejection,
    Validation,
    VirtualAccountScope,
)

_HUNDRED = Decimal(100)


def _refuse(reason: Rejection, message: str, coupon: Coupon | None) -> Validation:
    return Validation(
        valid=False, reason=reason, message=message, coupon=coupon, evaluated_locally=True
    )


_CARD_ONLY = "promotion applies to card payments only"
_EWALLET_ONLY = "promotion applies to e-wallet payments only"
_VA_ONLY = "promotion applies to virtual-account payments only"
_WRONG_METHOD = frozenset({_CARD_ONLY, _EWALLET_ONLY, _VA_ONLY})


def _payment_refusal(promotion: Promotion, checkout: Checkout) -> str | None:
    scope = promotion.payment
    if scope is None:
        return None
    method = checkout.payment_method
    if isinstance(scope, CardScope):
        if method not in (None, "card") or (method is None and checkout.card_bin is None):
            return _CARD_ONLY
        card_bin = checkout.card_bin or ""
        bank = (checkout.bank or "").upper()
        if any(card_bin.startswith(prefix) for prefix in scope.bins):
            return None
        if bank and any(bank == name.upper() for name in scope.banks):
            return None
        return "card BIN or issuing bank is not eligible"
    if isinstance(scope, EwalletScope):
        wallet = (checkout.wallet or "").upper()
        if method not in (None, "ewallet") or not wallet:
            return _EWALLET_ONLY
        if any(wallet == name.upper() for name in scope.wallets):
            return None
        return f"e-wallet {checkout.wallet} is not eligible"
    if isinstance(scope, VirtualAccountScope):
        bank = (checkout.bank or "").upper()
        if method not in (None, "virtual_account") or not bank:
            return _VA_ONLY
        if any(bank == name.upper() for name in scope.banks):
            return None
        return f"virtual-account bank {checkout.bank} is not eligible"
    return "unknown payment scope"


def amount_off(discount: Discount, base: int) -> int:
    """What ``discount`` takes off ``base`` before limits: whole units, rounded down, <= base."""
    if isinstance(discount, Percent):
        amount = int(base * discount.value // _HUNDRED)
        cap = discount.max_amount
        if cap is not None and amount > cap:
            amount = cap
    else:
        amount = discount.amount
    return amount if amount < base else base


def evaluate(
    promotion: Promotion,
    checkout: Checkout,
    *,
    now: datetime,
    used: int = 0,
    given: int = 0,
) -> Validation:
    """Apply every neutral rule of ``promotion`` to ``checkout`` at ``now``.

    ``used`` is the number of redemptions so far and ``given`` the total discount
    already granted (for :class:`Budget` limits).

    Rounding rule: a percentage discount is computed exactly with ``Decimal`` and
    rounded **down** to a whole currency unit; the result is then limited by
    ``max_amount``, by the base amount it applies to (never a discount larger than
    what is paid) and by the remaining budget. The base is the checkout amount,
    or ``items_amount`` / ``shipping_amount`` for promotions that apply to those.
    Checks run in a fixed order and the first failing one is the reason given.
    """
    coupon = promotion.coupons[0] if promotion.coupons else None
    status = promotion.status
    if status == "inactive":
        return _refuse(Rejection.INACTIVE, "promotion is inactive", coupon)
    starts_at = promotion.starts_at
    if status == "scheduled" or (starts_at is not None and now < starts_at):
        return _refuse(Rejection.NOT_STARTED, "promotion has not started yet", coupon)
    ends_at = promotion.ends_at
    if status == "expired" or (ends_at is not None and now >= ends_at):
        return _refuse(Rejection.EXPIRED, "promotion has expired", coupon)
    if checkout.currency != promotion.currency:
        return _refuse(
            Rejection.PAYMENT_METHOD_NOT_ELIGIBLE,
            f"promotion is in {promotion.currency}, checkout in {checkout.currency}",
            coupon,
        )
    limit = promotion.limit
    if isinstance(limit, Quota) and used >= limit.uses:
        return _refuse(Rejection.USAGE_LIMIT_REACHED, "usage limit reached", coupon)
    if isinstance(limit, Budget) and given >= limit.amount:
        return _refuse(Rejection.BUDGET_EXHAUSTED, "promotion budget is used up", coupon)
    customers = promotion.customers
    if customers != "all":
        wanted = "new" if customers == "new" else "returning"
        if checkout.customer_type != wanted:
            return _refuse(
                Rejection.CUSTOMER_NOT_ELIGIBLE, f"promotion is for {wanted} customers only", coupon
            )
    if promotion.products and checkout.product_id not in promotion.products:
        return _refuse(Rejection.PRODUCT_NOT_ELIGIBLE, "product is not eligible", coupon)
    if promotion.payment is not None:
        refusal = _payment_refusal(promotion, checkout)
        if refusal not in (None, *_WRONG_METHOD) and not promotion.known("payment"):
            # The method fits but the scope's list was unreadable: neither yes nor no.
            return _refuse(
                Rejection.UNKNOWN,
                "the provider did not report which payments this promotion accepts",
                coupon,
            )
        if refusal is not None:
            return _refuse(Rejection.PAYMENT_METHOD_NOT_ELIGIBLE, refusal, coupon)
    minimum = promotion.min_purchase
    if minimum is not None and checkout.amount < minimum:
        return _refuse(
            Rejection.MIN_PURCHASE_NOT_MET,
            f"minimum purchase is {minimum} {promotion.currency}",
            coupon,
        )
    applies_to = promotion.applies_to
    if applies_to == "order":
        base = checkout.amount
    elif applies_to == "items":
        base = checkout.amount if checkout.items_amount is None else checkout.items_amount
    else:
        base = checkout.shipping_amount or 0
    amount = amount_off(promotion.discount, base if base > 0 else 0)
    if isinstance(limit, Budget) and amount > limit.amount - given:
        amount = limit.amount - given
    return Validation(valid=True, discount_amount=amount, coupon=coupon, evaluated_locally=True)


class Offer(NamedTuple):
    """A promotion and the :class:`Validation` that makes it the best one."""

    promotion: Promotion
    validation: Validation


def best_offer(
    promotions: Iterable[Promotion], checkout: Checkout, *, now: datetime
) -> Offer | None:
    """The promotion that gives ``checkout`` the largest discount at ``now``.

    Each promotion is checked with :func:`evaluate` (no redemptions counted, so
    ``used=0`` and ``given=0``: pass promotions whose limits you have already
    checked). Refused promotions and valid ones worth nothing (for example a
    shipping promotion on a checkout without shipping) are skipped. On a tie the
    earliest promotion in ``promotions`` wins, so the answer is deterministic.
    Returns ``None`` when no promotion gives a discount.
    """
    best: Offer | None = None
    top = 0
    for promotion in promotions:
        validation = evaluate(promotion, checkout, now=now)
        if validation.valid and validation.discount_amount > top:
            top = validation.discount_amount
            best = Offer(promotion, validation)
    return best
