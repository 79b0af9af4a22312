"""Inputs the conformance suite derives from a manifest: refused promotions and checkouts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec

from promokit.model import (
    Budget,
    CardScope,
    Checkout,
    EwalletScope,
    Fixed,
    Percent,
    Promotion,
    Quota,
    VirtualAccountScope,
)
from promokit.model.capabilities import FIELDS, Manifest

KINDS: dict[str, tuple[str, ...]] = {
    "coupon_type": ("reusable", "single_use"),
    "discount": ("percent", "fixed"),
    "limit": ("quota", "budget"),
    "customers": ("all", "new", "returning"),
    "payment": ("card", "ewallet", "virtual_account"),
    "reward": ("discount", "cashback"),
    "applies_to": ("order", "items", "shipping"),
}
"""Every neutral value (or kind) a ``FieldSupport.values`` restriction may name."""

OPTIONAL_FIELDS = frozenset(
    {
        "description",
        "code",
        "discount.max_amount",
        "min_purchase",
        "limit",
        "starts_at",
        "ends_at",
        "products",
        "payment",
    }
)
"""Fields a promotion may leave unset (so a ``required`` declaration can be tested)."""

NEW_CUSTOMER = "new@conformance.test"
RETURNING_CUSTOMER = "returning@conformance.test"
"""The e-mails generated checkouts use; an emulator should treat the second as returning."""


@dataclass(frozen=True)
class Variant:
    """A promotion the manifest must refuse, and the field paths the refusal may name."""

    field: str
    reason: str
    promotion: Promotion
    paths: frozenset[str]


def _kind_value(field: str, kind: str) -> Any:
    if field == "discount":
        return Percent(value=Decimal(10)) if kind == "percent" else Fixed(amount=1_000)
    if field == "limit":
        return Quota(uses=10) if kind == "quota" else Budget(amount=100_000)
    if field == "payment":
        scopes: dict[str, Any] = {
            "card": CardScope(bins=("424242",)),
            "ewallet": EwalletScope(wallets=("OVO",)),
            "virtual_account": VirtualAccountScope(banks=("BCA",)),
        }
        return scopes[kind]
    return kind


def _set_value(field: str, sample: Promotion) -> Any:
    """A value that makes ``field`` "set" without breaking any neutral model rule."""
    if field == "description":
        return "set by the conformance suite"
    if field == "code":
        return "CONFORMANCE1"
    if field == "currency":
        return "USD" if sample.currency != "USD" else "EUR"
    if field == "min_purchase":
        return 10_000
    if field == "limit":
        return Quota(uses=10)
    if field == "starts_at":
        end = sample.ends_at or datetime(2030, 6, 1, tzinfo=UTC)
        return end - timedelta(days=7)
    if field == "ends_at":
        start = sample.starts_at or datetime(2030, 1, 1, tzinfo=UTC)
        return start + timedelta(days=60)
    if field == "customers":
        return "new"
    if field == "products":
        return ("conformance-product",)
    if field == "payment":
        return CardScope(bins=("424242",))
    if field == "coupon_type":
        return "single_use"
    if field == "reward":
        return "cashback"
    if field == "applies_to":
        return "items"
    raise KeyError(field)


def _with(sample: Promotion, field: str, value: Any) -> Promotion:
    if field == "discount.max_amount":
        discount = sample.discount
        if not isinstance(discount, Percent):
            discount = Percent(value=Decimal(10))
        return msgspec.structs.replace(
            sample, discount=msgspec.structs.replace(discount, max_amount=value)
        )
    return msgspec.structs.replace(sample, **{field: value})


def _max_amount_paths(sample: Promotion) -> frozenset[str]:
    # Turning a fixed discount into a capped percentage changes "discount" too.
    if isinstance(sample.discount, Percent):
        return frozenset({"discount.max_amount"})
    return frozenset({"discount", "discount.max_amount"})


def refused_variants(manifest: Manifest, sample: Promotion) -> list[Variant]:
    """Every promotion derived from ``sample`` that ``manifest`` must refuse before I/O.

    For each neutral field the manifest declares unsupported, a variant sets it;
    for each ``values`` restriction, a variant uses a value outside it; for each
    ``required`` field that may be unset, a variant unsets it; and each documented
    limit (name length, code length, products, percentage, currencies) gets a
    variant just past it. ``sample`` itself must be accepted.
    """
    variants: list[Variant] = []
    for field in FIELDS:
        if field in ("name", "discount") and manifest.field(field).support == "unsupported":
            continue  # every promotion has these: the manifest check reports it instead
        if field == "extensions":
            continue  # plan() passes extensions through by design (foreign keys are ignored)
        support = manifest.field(field)
        if support.support == "unsupported":
            if field == "discount.max_amount":
                promotion = _with(sample, field, 5_000)
                paths = _max_amount_paths(sample)
            else:
                promotion = _with(sample, field, _set_value(field, sample))
                paths = frozenset({field})
            variants.append(Variant(field, "declared unsupported", promotion, paths))
            continue
        if support.values is not None and field in KINDS:
            for kind in KINDS[field]:
                if kind in support.values:
                    continue
                value = _kind_value(field, kind)
                variants.append(
                    Variant(
                        field,
                        f"{kind!r} is outside values={support.values!r}",
                        _with(sample, field, value),
                        frozenset({field}),
                    )
                )
        elif support.values is not None and field == "currency":
            outside = next(c for c in ("USD", "EUR", "SGD", "IDR") if c not in support.values)
            variants.append(
                Variant(
                    field,
                    f"{outside!r} is outside values={support.values!r}",
                    _with(sample, field, outside),
                    frozenset({field}),
                )
            )
        if support.required and field in OPTIONAL_FIELDS:
            unset = _with(sample, field, () if field == "products" else None)
            variants.append(Variant(field, "required but unset", unset, frozenset({field})))
    variants.extend(_limit_variants(manifest, sample))
    return variants


def _limit_variants(manifest: Manifest, sample: Promotion) -> list[Variant]:
    limits = manifest.limits
    found: list[Variant] = []
    if limits.min_name_length is not None and limits.min_name_length > 1:
        name = "x" * (limits.min_name_length - 1)
        found.append(
            Variant(
                "name",
                f"shorter than min_name_length={limits.min_name_length}",
                msgspec.structs.replace(sample, name=name),
                frozenset({"name"}),
            )
        )
    if limits.max_name_length is not None:
        name = "n" * (limits.max_name_length + 1)
        found.append(
            Variant(
                "name",
                f"longer than max_name_length={limits.max_name_length}",
                msgspec.structs.replace(sample, name=name),
                frozenset({"name"}),
            )
        )
    code_supported = manifest.field("code").support != "unsupported"
    if limits.max_code_length is not None and code_supported and limits.max_code_length < 64:
        code = "C" * (limits.max_code_length + 1)
        found.append(
            Variant(
                "code",
                f"longer than max_code_length={limits.max_code_length}",
                msgspec.structs.replace(sample, code=code),
                frozenset({"code"}),
            )
        )
    products_supported = manifest.field("products").support != "unsupported"
    if limits.max_products is not None and products_supported:
        products = tuple(f"conformance-product-{i}" for i in range(limits.max_products + 1))
        found.append(
            Variant(
                "products",
                f"more than max_products={limits.max_products}",
                msgspec.structs.replace(sample, products=products),
                frozenset({"products"}),
            )
        )
    percent_kinds = manifest.field("discount").values
    percent_allowed = percent_kinds is None or "percent" in percent_kinds
    if limits.max_percent is not None and limits.max_percent < 100 and percent_allowed:
        value = min(Decimal(100), limits.max_percent + 1)
        found.append(
            Variant(
                "discount.value",
                f"above max_percent={limits.max_percent}",
                msgspec.structs.replace(sample, discount=Percent(value=value)),
                frozenset({"discount.value"}),
            )
        )
    currency_values = manifest.field("currency").values
    if limits.currencies is not None and currency_values is None:
        outside = next(c for c in ("USD", "EUR", "SGD", "IDR") if c not in limits.currencies)
        found.append(
            Variant(
                "currency",
                f"outside currencies={limits.currencies!r}",
                msgspec.structs.replace(sample, currency=outside),
                frozenset({"currency"}),
            )
        )
    return found


def invalid_promotion(sample: Promotion) -> Promotion:
    """``sample`` broken against the neutral model itself (a 150% discount)."""
    return msgspec.structs.replace(sample, discount=Percent(value=Decimal(150)))


# -- checkouts --------------------------------------------------------------------------


def base_checkout(promotion: Promotion) -> Checkout:
    """A checkout every rule of ``promotion`` accepts (when it is active)."""
    amount = max((promotion.min_purchase or 0) * 2, 200_000)
    fields: dict[str, Any] = {"amount": amount, "currency": promotion.currency}
    if promotion.products:
        fields["product_id"] = promotion.products[0]
    if promotion.customers == "returning":
        fields.update(customer_type="returning", customer_email=RETURNING_CUSTOMER)
    else:
        fields.update(customer_type="new", customer_email=NEW_CUSTOMER)
    scope = promotion.payment
    if isinstance(scope, CardScope):
        fields["payment_method"] = "card"
        if scope.bins:
            fields["card_bin"] = scope.bins[0]
        else:
            fields.update(card_bin="400000", bank=scope.banks[0])
    elif isinstance(scope, EwalletScope):
        fields.update(payment_method="ewallet", wallet=scope.wallets[0])
    elif isinstance(scope, VirtualAccountScope):
        fields.update(payment_method="virtual_account", bank=scope.banks[0])
    if promotion.applies_to == "items":
        fields["items_amount"] = amount * 3 // 4
    elif promotion.applies_to == "shipping":
        fields["shipping_amount"] = 20_000
    return Checkout(**fields)


def generate_checkouts(promotion: Promotion, count: int, *, seed: int = 0) -> list[Checkout]:
    """``count`` checkouts around ``promotion``'s rules, each changing one thing at a time.

    The first is :func:`base_checkout`; then come amounts at and around the minimum
    purchase and the percentage cap, an ineligible product, the other kind of
    customer, ineligible payment details, and seeded random amounts. Changing one
    dimension at a time keeps "the first failing rule" unambiguous.
    """
    rng = random.Random(seed)
    base = base_checkout(promotion)
    found: list[Checkout] = [base]

    def amount(value: int) -> Checkout:
        extra: dict[str, Any] = {"amount": max(value, 1)}
        if base.items_amount is not None:
            extra["items_amount"] = max(value, 1) * 3 // 4
        return msgspec.structs.replace(base, **extra)

    minimum = promotion.min_purchase
    if minimum:
        found += [amount(minimum - 1), amount(minimum), amount(minimum + 1)]
    discount = promotion.discount
    if isinstance(discount, Percent) and discount.max_amount is not None and discount.value:
        at_cap = int(discount.max_amount * 100 / discount.value)
        found += [amount(at_cap - 100), amount(at_cap), amount(at_cap * 3)]
    if isinstance(discount, Fixed):
        found += [amount(max(discount.amount - 1, minimum or 0, 1)), amount(discount.amount * 2)]
    found.append(msgspec.structs.replace(base, product_id="conformance-other-product"))
    if base.customer_type == "new":
        other = {"customer_type": "returning", "customer_email": RETURNING_CUSTOMER}
    else:
        other = {"customer_type": "new", "customer_email": NEW_CUSTOMER}
    found.append(msgspec.structs.replace(base, **other))
    scope = promotion.payment
    if isinstance(scope, CardScope):
        found.append(msgspec.structs.replace(base, card_bin="999999", bank="NOBANK"))
        found.append(
            msgspec.structs.replace(
                base, payment_method="ewallet", card_bin=None, bank=None, wallet="OVO"
            )
        )
    elif isinstance(scope, EwalletScope):
        found.append(msgspec.structs.replace(base, wallet="NOWALLET"))
        found.append(
            msgspec.structs.replace(base, payment_method="card", wallet=None, card_bin="424242")
        )
    elif isinstance(scope, VirtualAccountScope):
        found.append(msgspec.structs.replace(base, bank="NOBANK"))
    top = max(base.amount * 3, (minimum or 0) * 3, 1_000)
    while len(found) < count:
        found.append(amount(rng.randint(1, top)))
    return found[:count] if count >= 1 else []


__all__ = [
    "KINDS",
    "NEW_CUSTOMER",
    "RETURNING_CUSTOMER",
    "Variant",
    "base_checkout",
    "generate_checkouts",
    "invalid_promotion",
    "refused_variants",
]
