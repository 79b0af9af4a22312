"""The neutral model's rules: every problem reported at once, with field paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest

from promokit import (
    Budget,
    CardScope,
    EwalletScope,
    Fixed,
    InvalidPromotion,
    Percent,
    Problem,
    Promotion,
    Quota,
    VirtualAccountScope,
)

START = datetime(2030, 1, 1, tzinfo=UTC)


def good(**changes: object) -> Promotion:
    base = Promotion(
        name="Diskon Murmer",
        discount=Percent(value=Decimal("10"), max_amount=50000),
        code="HARIBAIK",
        limit=Quota(uses=100),
        starts_at=START,
        ends_at=START + timedelta(days=30),
    )
    return msgspec.structs.replace(base, **changes)


def paths(promotion: Promotion) -> list[str]:
    return [problem.path for problem in promotion.problems()]


def test_a_valid_promotion_has_no_problems() -> None:
    assert good().problems() == []
    assert good().check() == good()


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"discount": Percent(value=Decimal(0))}, "discount.value"),
        ({"discount": Percent(value=Decimal("100.01"))}, "discount.value"),
        ({"discount": Percent(value=Decimal("-5"))}, "discount.value"),
        ({"discount": Percent(value=Decimal(10), max_amount=0)}, "discount.max_amount"),
        ({"discount": Fixed(amount=0)}, "discount.amount"),
        ({"discount": Fixed(amount=-1)}, "discount.amount"),
        ({"min_purchase": -1}, "min_purchase"),
        ({"limit": Quota(uses=0)}, "limit.uses"),
        ({"limit": Budget(amount=0)}, "limit.amount"),
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START - timedelta(seconds=1)}, "ends_at"),
        ({"starts_at": datetime(2030, 1, 1)}, "starts_at"),
        ({"ends_at": datetime(2031, 1, 1)}, "ends_at"),
        ({"code": "HARI BAIK"}, "code"),
        ({"code": "x" * 65}, "code"),
        ({"code": ""}, "code"),
        ({"currency": "idr"}, "currency"),
        ({"products": ("a", "a")}, "products"),
        ({"products": ("",)}, "products[0]"),
        ({"payment": CardScope()}, "payment"),
        ({"payment": CardScope(bins=("4242",))}, "payment.bins[0]"),
        ({"payment": EwalletScope()}, "payment.wallets"),
        ({"payment": VirtualAccountScope()}, "payment.banks"),
    ],
)
def test_each_rule_names_its_field(changes: dict[str, object], path: str) -> None:
    assert path in paths(good(**changes))


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"discount": Percent(value=12.5)}, "discount.value"),
        ({"discount": Percent(value=Decimal("NaN"))}, "discount.value"),
        ({"discount": Fixed(amount=1000.5)}, "discount.amount"),
        ({"discount": Fixed(amount=True)}, "discount.amount"),
        ({"min_purchase": 10.0}, "min_purchase"),
        ({"customers": "vip"}, "customers"),
        ({"coupon_type": "onetime"}, "coupon_type"),
        ({"reward": "points"}, "reward"),
        ({"applies_to": "tax"}, "applies_to"),
        ({"extensions": {"mayar": "x"}}, "extensions.mayar"),
        ({"discount": Percent(value=Decimal("Infinity"))}, "discount.value"),
        ({"products": ["a"]}, "products"),
        ({"payment": CardScope(bins=(424242,))}, "payment.bins[0]"),
        ({"extensions": {"mayar": {"rate": float("nan")}}}, "extensions.mayar.rate"),
        ({"reconciled": 1}, "reconciled"),
    ],
)
def test_a_wrong_type_is_refused_when_built_naming_its_field(
    changes: dict[str, object], path: str
) -> None:
    with pytest.raises(InvalidPromotion) as refused:
        good(**changes)
    assert [problem.path for problem in refused.value.problems] == [path]
    assert "of the wrong type; nothing was sent" in str(refused.value)


def test_all_problems_are_reported_at_once() -> None:
    bad = good(
        name="",
        discount=Percent(value=Decimal(150)),
        code="has space",
        limit=Quota(uses=0),
        ends_at=START,
        min_purchase=-5,
    )
    with pytest.raises(InvalidPromotion) as caught:
        bad.check()
    found = {problem.path for problem in caught.value.problems}
    assert found == {"name", "discount.value", "code", "limit.uses", "ends_at", "min_purchase"}
    text = str(caught.value)
    for path in found:
        assert f"  - {path}:" in text


def test_expiry_in_the_past_is_a_problem_only_when_now_is_given() -> None:
    promotion = good()
    later = START + timedelta(days=31)
    assert promotion.problems() == []
    assert Problem("ends_at", "is already in the past") in promotion.problems(now=later)


def test_models_are_frozen_and_keyword_only() -> None:
    promotion = good()
    with pytest.raises(AttributeError):
        promotion.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Fixed(1000)  # type: ignore[misc]


def test_draft_strips_read_only_fields() -> None:
    stored = good(id="x", provider="shop", status="active", reconciled=True)
    assert stored.draft() == good()


def test_json_round_trip_keeps_every_field() -> None:
    promotion = good(
        payment=CardScope(bins=("424242",), banks=("BCA",)),
        extensions={"durianpay": {"promo_type": ""}},
    )
    data = msgspec.json.encode(promotion)
    assert msgspec.json.decode(data, type=Promotion) == promotion
    assert b'"discount":{"type":"percent"' in data
