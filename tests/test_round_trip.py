"""The honest round trip: applied then diffed, every neutral field shows no change, per provider."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import msgspec
import pytest

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
from promokit.model.capabilities import FIELDS

from .diff_support import END, START, Gateways, gateways

Variant = Callable[[Gateways], Promotion]

MAYAR_BASE = Promotion(
    name="Diskon bolak balik",
    code="BOLAK1",
    discount=Fixed(amount=15_000),
    limit=Quota(uses=30),
    ends_at=END,
)
DURIANPAY_BASE = Promotion(
    name="bolak-balik-label",
    code="BALIK1",
    discount=Percent(value=Decimal("12.5"), max_amount=40_000),
    limit=Quota(uses=30),
    starts_at=START,
    ends_at=END,
    payment=CardScope(bins=("424242",)),
)


def _with(base: Promotion, **changes: object) -> Variant:
    return lambda _: msgspec.structs.replace(base, **changes)


MAYAR: dict[str, Variant] = {
    "name": _with(MAYAR_BASE, name="Nama lain sekali"),
    "code": _with(MAYAR_BASE, code="KODE-LAIN-2"),
    "coupon_type": _with(MAYAR_BASE, coupon_type="single_use", code=None, limit=Quota(uses=5)),
    "discount": _with(MAYAR_BASE, discount=Percent(value=Decimal(15))),
    "currency": _with(MAYAR_BASE, currency="IDR"),
    "min_purchase": _with(MAYAR_BASE, min_purchase=250_000),
    "limit": _with(MAYAR_BASE, limit=Quota(uses=77)),
    "ends_at": _with(MAYAR_BASE, ends_at=END + timedelta(days=3, milliseconds=7)),
    "customers": _with(MAYAR_BASE, customers="new"),
    "products": lambda g: msgspec.structs.replace(
        MAYAR_BASE, products=(g.product, g.other_product)
    ),
    "reward": _with(MAYAR_BASE, reward="discount"),
    "applies_to": _with(MAYAR_BASE, applies_to="order"),
}
"""A promotion that sets each field Mayar can express to a value of its own."""

MAYAR_CANNOT: dict[str, Promotion] = {
    "description": msgspec.structs.replace(MAYAR_BASE, description="teks"),
    "discount.max_amount": msgspec.structs.replace(
        MAYAR_BASE, discount=Percent(value=Decimal(10), max_amount=5_000)
    ),
    "starts_at": msgspec.structs.replace(MAYAR_BASE, starts_at=START),
    "payment": msgspec.structs.replace(MAYAR_BASE, payment=EwalletScope(wallets=("OVO",))),
}

DURIANPAY: dict[str, Variant] = {
    "name": _with(DURIANPAY_BASE, name="label-yang-lain"),
    "description": _with(DURIANPAY_BASE, description="Promo kartu untuk akhir pekan"),
    "code": _with(DURIANPAY_BASE, code="BALIK-DUA"),
    "coupon_type": _with(DURIANPAY_BASE, coupon_type="reusable"),
    "discount": _with(DURIANPAY_BASE, discount=Fixed(amount=20_000)),
    "discount.max_amount": _with(
        DURIANPAY_BASE, discount=Percent(value=Decimal(30), max_amount=75_000)
    ),
    "currency": _with(DURIANPAY_BASE, currency="IDR"),
    "min_purchase": _with(DURIANPAY_BASE, min_purchase=100_000),
    "limit": _with(DURIANPAY_BASE, limit=Budget(amount=5_000_000)),
    "starts_at": _with(DURIANPAY_BASE, starts_at=START + timedelta(hours=5, milliseconds=250)),
    "ends_at": _with(DURIANPAY_BASE, ends_at=END + timedelta(days=9)),
    "payment": _with(DURIANPAY_BASE, payment=VirtualAccountScope(banks=("BCA", "BNI"))),
    "payment.ewallet": _with(DURIANPAY_BASE, payment=EwalletScope(wallets=("OVO", "DANA"))),
    "payment.card_banks": _with(
        DURIANPAY_BASE, payment=CardScope(bins=("411111", "522222"), banks=("BCA",))
    ),
    "reward": _with(DURIANPAY_BASE, reward="cashback"),
    "applies_to": _with(DURIANPAY_BASE, applies_to="shipping"),
}

DURIANPAY_CANNOT: dict[str, Promotion] = {
    "customers": msgspec.structs.replace(DURIANPAY_BASE, customers="returning"),
    "products": msgspec.structs.replace(DURIANPAY_BASE, products=("prod_1",)),
}

CASES = [("mayar", f, v) for f, v in MAYAR.items()] + [
    ("durianpay", f, v) for f, v in DURIANPAY.items()
]


def test_every_field_is_covered() -> None:
    """Each neutral field is round-tripped or refused on each provider (extensions aside)."""
    for covered in (MAYAR.keys() | MAYAR_CANNOT.keys(), DURIANPAY.keys() | DURIANPAY_CANNOT.keys()):
        heads = {
            name.partition(".")[0] if name != "discount.max_amount" else name for name in covered
        }
        assert set(FIELDS) - {"extensions"} <= heads


@pytest.mark.parametrize(
    ("provider", "field", "variant"), CASES, ids=[f"{p}-{f}" for p, f, _ in CASES]
)
async def test_applied_then_diffed_shows_no_change(
    provider: str, field: str, variant: Variant
) -> None:
    async with gateways() as g:
        promotion = variant(g)
        first = await g.client.diff([promotion], provider)
        assert [c.name for c in first.targets[0].create] == [promotion.name]
        report = await g.client.apply(first)
        assert report.ok, report
        after = await g.client.diff([promotion], provider)
        target = after.targets[0]
        assert after.in_sync, msgspec.json.encode(target)
        assert [s.name for s in target.in_sync] == [promotion.name]
        assert target.unmanaged == ()


@pytest.mark.parametrize(
    ("provider", "field", "promotion"),
    [("mayar", f, p) for f, p in MAYAR_CANNOT.items()]
    + [("durianpay", f, p) for f, p in DURIANPAY_CANNOT.items()],
)
async def test_a_field_the_provider_cannot_express_is_a_plan_problem(
    provider: str, field: str, promotion: Promotion
) -> None:
    async with gateways() as g:
        diff = await g.client.diff([promotion], provider)
        target = diff.targets[0]
        assert target.create == ()
        assert target.update == ()
        [cannot] = target.cannot_express
        assert any(p.path.startswith(field.partition(".")[0]) for p in cannot.problems)
        report = await g.client.apply(diff)
        assert [item.action for item in report.targets[0].items] == ["refused"]
        assert g.writes(g.mayar) + g.writes(g.durianpay) == 0
