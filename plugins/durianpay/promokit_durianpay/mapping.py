"""The one place where neutral promotions and Durianpay's wire promos are converted."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec

from promokit.sdk import (
    AppliesTo,
    Budget,
    CardScope,
    Coupon,
    EwalletScope,
    Fixed,
    InvalidPromotion,
    Limit,
    PaymentScope,
    Percent,
    Problem,
    Promotion,
    Quota,
    ResponseValidationError,
    Reward,
    Status,
    VirtualAccountScope,
    as_utc,
    encode,
    field_error,
    iso_millis,
    to_decimal,
    to_int,
    trusted,
)
from promokit_durianpay import NAME
from promokit_durianpay.vocabulary import (
    APPLIES_TO_DEDUCTION,
    BUDGET,
    CARD,
    DEDUCTION_TO_APPLIES_TO,
    EWALLET,
    FLAT,
    PERCENTAGE,
    QUOTA,
    REWARD_TO_SUB_TYPE,
    STATUSES,
    SUB_TYPE_TO_REWARD,
    VA,
)
from promokit_durianpay.wire import DETAIL_KEYS, Promo, PromoDetails, PromoPayload

# -- neutral -> wire ----------------------------------------------------------


def decimal_text(value: Decimal) -> str:
    """``Decimal('12.50')`` -> ``"12.5"``; never an exponent, never a trailing zero."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _details(scope: PaymentScope) -> tuple[str, PromoDetails]:
    if isinstance(scope, CardScope):
        # Durianpay documents BINs as integers; a leading zero is refused by plan_problems.
        bins: list[int | str] = [int(card_bin) for card_bin in scope.bins]
        return CARD, PromoDetails(bin_list=bins, bank_codes=list(scope.banks))
    if isinstance(scope, EwalletScope):
        return EWALLET, PromoDetails(wallet_types=list(scope.wallets))
    return VA, PromoDetails(bank_codes=list(scope.banks))


def _limit_fields(limit: Limit | None) -> tuple[str, str]:
    if isinstance(limit, Budget):
        return BUDGET, str(limit.amount)
    if isinstance(limit, Quota):
        return QUOTA, str(limit.uses)
    # limit_type is mandatory; with no limit we send a quota with an empty value,
    # the same "empty string = none" convention as min_order_amount (assumption).
    return QUOTA, ""


def to_payload(promotion: Promotion) -> PromoPayload:
    """The documented create/update body for ``promotion`` (already planned)."""
    missing = [
        Problem(name, "Durianpay requires it")
        for name in ("starts_at", "ends_at", "payment")
        if getattr(promotion, name) is None
    ]
    if missing:
        raise InvalidPromotion(
            f"promotion {promotion.name!r} cannot be sent to Durianpay", problems=missing
        )
    assert promotion.payment is not None
    assert promotion.starts_at is not None
    assert promotion.ends_at is not None
    promo_type, details = _details(promotion.payment)
    discount = promotion.discount
    if isinstance(discount, Percent):
        discount_type, amount = PERCENTAGE, decimal_text(Decimal(discount.value))
        cap = "" if discount.max_amount is None else str(discount.max_amount)
    else:
        discount_type, amount, cap = FLAT, str(discount.amount), ""
    limit_type, limit_value = _limit_fields(promotion.limit)
    return PromoPayload(
        type=promo_type,
        label=promotion.name,
        currency=promotion.currency,
        promo_details=details,
        discount_type=discount_type,
        discount=amount,
        min_order_amount="" if promotion.min_purchase is None else str(promotion.min_purchase),
        max_discount_amount=cap,
        starts_at=iso_millis(promotion.starts_at),
        ends_at=iso_millis(promotion.ends_at),
        promo_type="",
        description=promotion.description or "",
        sub_type=REWARD_TO_SUB_TYPE[promotion.reward],
        limit_type=limit_type,
        limit_value=limit_value,
        price_deduction_type=APPLIES_TO_DEDUCTION[promotion.applies_to],
        code=promotion.code,
    )


def request_body(promotion: Promotion) -> dict[str, Any]:
    """The JSON object to send, with ``extensions["durianpay"]`` applied last.

    Each extension entry overrides or adds a top-level wire field, except a
    ``promo_details`` dict, which is merged into the computed ``promo_details``
    (so undocumented e-wallet / VA detail keys can be corrected without a release).
    """
    body: dict[str, Any] = msgspec.to_builtins(to_payload(promotion))
    for key, value in promotion.extensions.get(NAME, {}).items():
        if key == "promo_details" and isinstance(value, dict):
            body["promo_details"] = {**body["promo_details"], **value}
        else:
            body[key] = value
    return body


def encode_request(promotion: Promotion) -> bytes:
    """:func:`request_body` as JSON bytes."""
    return encode(request_body(promotion))


# -- wire -> neutral ----------------------------------------------------------

# An absent currency reads as the model's default, whatever that is.
_MODEL_CURRENCY: str = next(
    field.default for field in msgspec.structs.fields(Promotion) if field.name == "currency"
)


# Not frozen: one is built per decoded promo, and a frozen dataclass costs ~3x more
# to build. Treat it as immutable all the same.
@dataclass(slots=True)
class Where:
    """Who is decoding what, and where in the body: for errors that name a JSON path.

    The JSON path of a field is only built when something is wrong with it: a page
    of 100 promos reads ~500 amounts, nearly all of them plain.
    """

    provider: str
    operation: str
    at: str

    def error(self, field: str, reason: str) -> ResponseValidationError:
        """A :class:`~promokit.errors.ResponseValidationError` at ``field``."""
        return field_error(
            f"{self.at}.{field}", reason, provider=self.provider, operation=self.operation
        )

    def integer(self, field: str, value: Any) -> int | None:
        """Read a string-or-number amount.

        An int, or ASCII digits as text (the common amounts), is read without
        :func:`to_int`'s checks; anything else but "absent" goes through them.
        """
        kind = type(value)
        if kind is int:
            return value  # type: ignore[no-any-return]
        if kind is str and value.isascii() and value.isdigit():
            return int(value)
        if value is None or value == "":
            return None
        return to_int(
            value, path=f"{self.at}.{field}", provider=self.provider, operation=self.operation
        )

    def decimal(self, field: str, value: Any) -> Decimal | None:
        """Read a string-or-number percentage; ASCII digits as text are read directly."""
        if type(value) is str and value.isascii() and value.isdigit():
            return Decimal(value)
        return to_decimal(
            value, path=f"{self.at}.{field}", provider=self.provider, operation=self.operation
        )


def _discount(promo: Promo, where: Where, extra: dict[str, Any]) -> Percent | Fixed:
    cap = where.integer("max_discount_amount", promo.max_discount_amount)
    if promo.discount_type == PERCENTAGE:
        value = where.decimal("discount", promo.discount)
        if value is None:
            raise where.error("discount", "a percentage promo has no discount value")
        # "0" as a cap reads as no cap: the neutral cap must be positive.
        return Percent(value=value, max_amount=cap or None)
    if promo.discount_type == FLAT:
        amount = where.integer("discount", promo.discount)
        if amount is None:
            raise where.error("discount", "a flat promo has no discount amount")
        if cap:
            # A cap on a flat discount has no neutral home; keep it for a round trip.
            extra["max_discount_amount"] = str(cap)
        return Fixed(amount=amount)
    raise where.error("discount_type", f"unknown discount type {promo.discount_type!r}")


def _limit(promo: Promo, where: Where) -> Limit | None:
    field = "limit_value"
    raw = promo.limit_value
    if raw is None or raw == "":
        # Older examples send "limit" (a number) instead of "limit_value".
        field, raw = "limit", promo.limit
    value = where.integer(field, raw)
    if promo.limit_type not in (QUOTA, BUDGET):
        if promo.limit_type == "" and value is None:
            return None
        raise where.error("limit_type", f"unknown limit type {promo.limit_type!r}")
    if not value:
        return None
    return Quota(uses=value) if promo.limit_type == QUOTA else Budget(amount=value)


def _details_of(promo: Promo) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """``promo_details`` (kept verbatim) and the keys of it promokit does not read."""
    raw = promo.promo_details
    if raw is None or DETAIL_KEYS.issuperset(raw):
        return raw, {}
    return raw, {key: value for key, value in raw.items() if key not in DETAIL_KEYS}


_TEXT: frozenset[type] = frozenset({str})
_TEXT_OR_NUMBER: frozenset[type] = frozenset({str, int})  # bool is not int here


def _texts(
    details: dict[str, Any], key: str, where: Where, *, numbers: bool = False
) -> tuple[str, ...] | None:
    """A list of strings (or, for BINs, integers) at ``promo_details.key``; ``None`` if absent."""
    value = details.get(key)
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and (_TEXT_OR_NUMBER if numbers else _TEXT).issuperset(
        map(type, value)
    ):
        return tuple(map(str, value))
    kind = "numbers or strings" if numbers else "strings"
    raise where.error(f"promo_details.{key}", f"must be a list of {kind}")


def _payment(promo: Promo, where: Where) -> tuple[PaymentScope, bool, dict[str, Any]]:
    """The scope, whether Durianpay's answer says it in full, and the keys not understood.

    Never wider than the answer: a scope whose list is missing (an e-wallet promo
    without ``wallet_types``, a card promo with neither BINs nor banks) or whose
    ``promo_details`` holds keys promokit does not know (they may narrow it) is
    *unknown*, not "every wallet". The unknown keys are returned for
    ``extensions["durianpay"]["promo_details"]``, verbatim.
    """
    details, extra = _details_of(promo)
    known = details is not None and not extra
    details = details or {}
    if promo.type == CARD:
        bins = _texts(details, "bin_list", where, numbers=True) or ()
        banks = _texts(details, "bank_codes", where) or ()
        return CardScope(bins=bins, banks=banks), known and bool(bins or banks), extra
    if promo.type == EWALLET:
        wallets = _texts(details, "wallet_types", where)
        return EwalletScope(wallets=wallets or ()), known and wallets is not None, extra
    if promo.type == VA:
        va_banks = _texts(details, "bank_codes", where)
        return VirtualAccountScope(banks=va_banks or ()), known and va_banks is not None, extra
    raise where.error("type", f"unknown promo type {promo.type!r}")


def _reward(promo: Promo, where: Where) -> Reward:
    if promo.sub_type == "":
        return "discount"
    try:
        return SUB_TYPE_TO_REWARD[promo.sub_type]
    except KeyError:
        raise where.error("sub_type", f"unknown sub type {promo.sub_type!r}") from None


def _applies_to(promo: Promo, where: Where) -> AppliesTo:
    if promo.price_deduction_type == "":
        return "order"
    try:
        return DEDUCTION_TO_APPLIES_TO[promo.price_deduction_type]
    except KeyError:
        raise where.error(
            "price_deduction_type", f"unknown price deduction type {promo.price_deduction_type!r}"
        ) from None


def status_of(promo: Promo) -> Status:
    """The neutral status; a status Durianpay adds later reads as ``"unknown"``."""
    return STATUSES.get(promo.status, "unknown")


def used_of(promo: Promo, where: Where) -> int:
    """``promo_usage`` as an int (``""`` = never used), in ``limit_value``'s unit."""
    return where.integer("promo_usage", promo.promo_usage) or 0


# ``Promotion.unknown`` by (code unknown, payment unknown).
_UNKNOWN: dict[tuple[bool, bool], tuple[str, ...]] = {
    (False, False): (),
    (True, False): ("code",),
    (False, True): ("payment",),
    (True, True): ("code", "payment"),
}


def to_promotion(
    promo: Promo,
    *,
    provider: str,
    operation: str,
    at: str = "$.data",
    code: str | None = None,
    extensions: dict[str, dict[str, Any]] | None = None,
) -> Promotion:
    """The neutral promotion for ``promo``, raising at the JSON path of what is wrong.

    ``code`` is used when the response does not echo one (Durianpay's create and
    fetch examples omit it); ``extensions`` are the caller's own, kept on
    create/update. An unknown enum value raises ResponseValidationError at its
    JSON path rather than being guessed.
    """
    with trusted():  # built from a wire Struct msgspec has checked
        return _promotion(promo, provider, operation, at, code, extensions)


def _promotion(
    promo: Promo,
    provider: str,
    operation: str,
    at: str,
    code: str | None,
    extensions: dict[str, dict[str, Any]] | None,
) -> Promotion:
    where = Where(provider, operation, at)
    extra: dict[str, Any] = {}
    discount = _discount(promo, where, extra)
    limit = _limit(promo, where)
    status = status_of(promo)
    ends_at = as_utc(promo.ends_at)
    created_at = as_utc(promo.created_at)
    known_code = promo.code or code or None
    coupons: tuple[Coupon, ...] = ()
    if known_code is not None:
        used = used_of(promo, where)
        coupons = (
            Coupon(
                code=known_code,
                active=status == "active",
                limit=limit.uses if isinstance(limit, Quota) else None,
                used=used if not isinstance(limit, Budget) else None,
                expires_at=ends_at,
                created_at=created_at,
            ),
        )
    payment, payment_known, unread = _payment(promo, where)
    if unread:
        extra["promo_details"] = unread
    merged = {name: dict(fields) for name, fields in extensions.items()} if extensions else {}
    if extra:
        merged[NAME] = {**extra, **merged.get(NAME, {})}
    return Promotion(
        name=promo.label,
        discount=discount,
        description=promo.description or None,
        code=known_code,
        min_purchase=where.integer("min_order_amount", promo.min_order_amount),
        limit=limit,
        starts_at=as_utc(promo.starts_at),
        ends_at=ends_at,
        payment=payment,
        reward=_reward(promo, where),
        applies_to=_applies_to(promo, where),
        extensions=merged,
        id=promo.id,
        provider=provider,
        status=status,
        coupons=coupons,
        created_at=created_at,
        updated_at=as_utc(promo.updated_at),
        # Durianpay does not echo codes: one neither it nor the ledger knows is
        # unknown, never None (an export then update would send ``code: null``).
        unknown=_UNKNOWN[known_code is None, not payment_known],
        currency=promo.currency or _MODEL_CURRENCY,
    )


def to_promotions(
    page: Iterable[tuple[int, Promo]],
    *,
    provider: str,
    operation: str,
    code_for: Callable[[str], str | None] | None = None,
) -> list[Promotion]:
    """The neutral promotions of one fetch-all page, given as ``(index, promo)`` pairs.

    ``index`` is the promo's place in ``data`` (errors name ``$.data[index]``);
    ``code_for`` supplies the code of a promo whose response omits it.
    """
    with trusted():  # built from wire Structs msgspec has checked
        return [
            _promotion(
                promo,
                provider,
                operation,
                f"$.data[{index}]",
                None if promo.code or code_for is None else code_for(promo.id),
                None,
            )
            for index, promo in page
        ]
