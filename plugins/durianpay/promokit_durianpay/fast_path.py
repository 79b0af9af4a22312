"""The fast path of every promo read: a natively decoded promo in its common form, mapped flat."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from msgspec.structs import force_setattr

from promokit.sdk import (
    AppliesTo,
    Budget,
    CardScope,
    Coupon,
    EwalletScope,
    Fixed,
    Limit,
    PaymentScope,
    Percent,
    Promotion,
    Quota,
    Reward,
    Status,
    VirtualAccountScope,
)
from promokit_durianpay.vocabulary import (
    BUDGET,
    CARD,
    DEDUCTION_TO_APPLIES_TO,
    EWALLET,
    FLAT,
    PERCENTAGE,
    QUOTA,
    STATUSES,
    SUB_TYPE_TO_REWARD,
    VA,
)
from promokit_durianpay.wire import NativePromo

# What the fast path reads each enumeration value of the native twin as.
REWARD_OF: Final[dict[str, Reward]] = {"": "discount", **SUB_TYPE_TO_REWARD}
APPLIES_TO_OF: Final[dict[str, AppliesTo]] = {"": "order", **DEDUCTION_TO_APPLIES_TO}
STATUS_OF: Final[dict[str, Status]] = {"": "unknown", **STATUSES}
# A value the fast path leaves to the checked path.
_NOT_PLAIN: Final = object()
_WHOLE_PERCENTS: Final = tuple(Decimal(value) for value in range(101))


def plain_promotion(promo: NativePromo, provider: str, code: str | None) -> Promotion | None:
    """The promotion of a natively decoded promo in its common form, else ``None``.

    The fast path of every read: amounts are already ints (lax decoding), enums
    are known, timestamps are UTC. It gives exactly what the checked path of
    :func:`promokit_durianpay.mapping.to_promotion` gives for such a promo
    (``plugins/durianpay/tests/test_mapping_fast_path.py`` holds them equal);
    anything else (a non-finite or fractional amount, an unknown enum, another
    zone, a flat promo's cap, a scope whose list is missing) returns ``None`` and
    is read by the checked path, which names the JSON path of an error.
    """
    # Written flat on purpose: one call per promo rather than one per field.
    cap = promo.max_discount_amount or None  # "" and 0 mean no cap
    value = promo.discount
    discount_type = promo.discount_type
    discount: Percent | Fixed
    if type(value) is int:  # a whole number, the common case: no Decimal was built
        if discount_type == FLAT and cap is None:
            discount = Fixed(amount=value)
        elif discount_type == PERCENTAGE and value:  # lax reads "-0" as 0: let it pass
            # Whole percentages are almost always 1..100: Decimals are immutable, so
            # one shared instance per value saves building one per promo.
            percent = _WHOLE_PERCENTS[value] if 0 < value <= 100 else Decimal(value)
            discount = Percent(value=percent, max_amount=cap)
        else:
            return None
    elif type(value) is Decimal and value.is_finite():
        if discount_type == PERCENTAGE:
            discount = Percent(value=value, max_amount=cap)
        elif discount_type == FLAT and cap is None:
            amount = int(value)
            if amount != value:
                return None
            discount = Fixed(amount=amount)
        else:
            return None
    else:
        return None  # no discount, NaN, an unknown type: the checked path says

    limit_type = promo.limit_type
    limit_value = promo.limit_value
    if limit_value is None or limit_value == "":
        limit_value = promo.limit
    limit: Limit | None = None
    if limit_type == QUOTA:
        if limit_value:
            limit = Quota(uses=limit_value)
    elif limit_type == BUDGET:
        if limit_value:
            limit = Budget(amount=limit_value)
    elif limit_type != "" or (limit_value is not None and limit_value != ""):
        return None

    details = promo.promo_details
    if details is None:
        return None  # no scope at all: the checked path marks it unknown
    promo_type = promo.type
    payment: PaymentScope
    # The native details hold tuples already (never copied here). A scope whose list
    # is missing is unknown, never "all": the checked path says so.
    if promo_type == CARD:
        bins = details.bin_list
        banks = details.bank_codes
        if not bins and not banks:
            return None
        # A plain loop: cheaper than map(str, ...) or a comprehension (which builds a
        # function per call on CPython 3.11) for a list of two or three.
        bin_texts: list[str] = []
        if bins:
            for bin_ in bins:
                bin_texts.append(str(bin_))
        payment = CardScope(bins=tuple(bin_texts), banks=banks or ())
    elif promo_type == EWALLET:
        if details.wallet_types is None:
            return None
        payment = EwalletScope(wallets=details.wallet_types)
    elif promo_type == VA:
        if details.bank_codes is None:
            return None
        payment = VirtualAccountScope(banks=details.bank_codes)
    else:
        return None

    # The native twin decodes no other values of these (wire's Literals; a test
    # holds the keys equal), so a plain lookup cannot miss.
    reward = REWARD_OF[promo.sub_type]
    applies_to = APPLIES_TO_OF[promo.price_deduction_type]

    # msgspec reads "...Z" as the UTC singleton: the common case is four of them,
    # checked at once. None, text without a zone (UTC too), another zone or epoch
    # milliseconds (no ``tzinfo``) are sorted out one by one below; typed Any
    # because each is a UTC datetime or None only once those checks have passed.
    starts_at: Any = promo.starts_at
    ends_at: Any = promo.ends_at
    created_at: Any = promo.created_at
    updated_at: Any = promo.updated_at
    try:
        all_utc = (
            starts_at.tzinfo is UTC
            and ends_at.tzinfo is UTC
            and created_at.tzinfo is UTC
            and updated_at.tzinfo is UTC
        )
    except AttributeError:  # None or an int: no tzinfo
        all_utc = False
    if not all_utc:
        starts_at = _utc_or_none(starts_at)
        ends_at = _utc_or_none(ends_at)
        created_at = _utc_or_none(created_at)
        updated_at = _utc_or_none(updated_at)
        if _NOT_PLAIN in (starts_at, ends_at, created_at, updated_at):
            return None

    status = STATUS_OF[promo.status]
    known_code = promo.code or code or None
    coupons: tuple[Coupon, ...] = ()
    if known_code is not None:
        coupons = (
            Coupon(
                code=known_code,
                active=status == "active",
                limit=limit.uses if type(limit) is Quota else None,
                used=None if type(limit) is Budget else (promo.promo_usage or 0),
                expires_at=ends_at,
                created_at=created_at,
            ),
        )
    min_purchase = promo.min_order_amount
    promotion = Promotion(
        name=promo.label,
        discount=discount,
        code=known_code,
        min_purchase=None if min_purchase == "" else min_purchase,
        limit=limit,
        starts_at=starts_at,
        ends_at=ends_at,
        payment=payment,
        reward=reward,
        applies_to=applies_to,
        id=promo.id,
        provider=provider,
        status=status,
        coupons=coupons,
        created_at=created_at,
    )
    # CPython passes 16 or more keyword arguments through a dict, several times
    # slower, so the rest are set here, on an object nobody else has seen yet.
    force_setattr(promotion, "updated_at", updated_at)
    if known_code is None:
        force_setattr(promotion, "unknown", ("code",))  # not echoed, not in the ledger
    if promo.description:
        force_setattr(promotion, "description", promo.description)
    if promo.currency and promo.currency != "IDR":
        force_setattr(promotion, "currency", promo.currency)
    return promotion


def _utc_or_none(moment: datetime | int | None) -> Any:
    """``moment`` as a UTC datetime (zone-less means UTC) or ``None``; else ``_NOT_PLAIN``."""
    if moment is None:
        return None
    if type(moment) is datetime:
        zone = moment.tzinfo
        if zone is UTC:
            return moment
        if zone is None:
            return moment.replace(tzinfo=UTC)
    return _NOT_PLAIN  # another zone or epoch milliseconds: the checked path converts
