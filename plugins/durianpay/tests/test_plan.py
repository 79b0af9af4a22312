"""The manifest as plans see it: each thing Durianpay cannot express is its own problem."""

from __future__ import annotations

from datetime import datetime

import msgspec
import pytest
from promokit_durianpay.emulator import DurianpayEmulator
from promokit_durianpay.manifest import MANIFEST

import promokit


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customers": "new"}, "customers"),
        ({"customers": "returning"}, "customers"),
        ({"products": ("prod_1",)}, "products"),
        ({"coupon_type": "single_use"}, "coupon_type"),
        ({"currency": "USD"}, "currency"),
        ({"payment": None}, "payment"),
        ({"starts_at": None}, "starts_at"),
        ({"ends_at": None}, "ends_at"),
        ({"payment": promokit.CardScope(bins=("012345",))}, "payment.bins[0]"),
    ],
)
async def test_each_unsupported_field_is_its_own_problem_and_nothing_is_sent(
    client: promokit.Client,
    emulator: DurianpayEmulator,
    promotion: promokit.Promotion,
    changes: dict[str, object],
    field: str,
) -> None:
    refused = msgspec.structs.replace(promotion, **changes)

    with pytest.raises(promokit.UnsupportedFeature) as caught:
        await client.create(refused)
    with pytest.raises(promokit.UnsupportedFeature):
        await client.update("prm_any", refused)

    assert [problem.path for problem in caught.value.problems] == [field]
    assert emulator.requests == []


async def test_all_problems_are_reported_at_once(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    refused = msgspec.structs.replace(
        promotion,
        customers="new",
        products=("prod_1",),
        coupon_type="single_use",
        payment=None,
        starts_at=None,
    )

    plan = client.plan(refused)

    assert {problem.path for problem in plan.problems} == {
        "customers",
        "products",
        "coupon_type",
        "payment",
        "starts_at",
    }
    lines = {line.field: line for line in plan.lines}
    assert lines["customers"].action == "unsupported"
    assert lines["products"].action == "unsupported"
    assert lines["coupon_type"].action == "unsupported"
    assert lines["payment"].detail == "required"
    assert "new or returning" in lines["customers"].detail
    assert emulator.requests == []


def test_a_supported_promotion_plans_cleanly(
    client: promokit.Client, promotion: promokit.Promotion
) -> None:
    plan = client.plan(promotion)

    assert plan.ok
    actions = {line.field: line.action for line in plan.lines}
    assert actions["name"] == "native"
    assert actions["payment"] == "native"
    assert actions["discount.max_amount"] == "native"


def test_the_drop_policy_removes_only_optional_fields(
    client: promokit.Client, promotion: promokit.Promotion
) -> None:
    plan = client.plan(
        msgspec.structs.replace(promotion, customers="new", products=("p",)), policy="drop"
    )

    assert plan.ok
    assert set(plan.dropped) == {"customers", "products"}
    assert plan.promotion.customers == "all"
    assert plan.promotion.products == ()


def test_validate_is_declared_emulated_with_a_note() -> None:
    assert MANIFEST.operations["validate"] == "emulated"
    assert "evaluat" in MANIFEST.operation_notes["validate"]
    assert MANIFEST.supports("validate")
    assert all(MANIFEST.supports(op) for op in ("create", "get", "list", "update", "delete"))
    assert MANIFEST.rate_limit_per_minute is None
    assert MANIFEST.limits.currencies == ("IDR",)


def test_required_fields_match_the_docs() -> None:
    required = {name for name, support in MANIFEST.fields.items() if support.required}

    assert required == {"starts_at", "ends_at", "payment"}


async def test_a_naive_datetime_is_refused_before_io(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    naive = msgspec.structs.replace(promotion, ends_at=datetime(2030, 2, 1))

    with pytest.raises(promokit.UnsupportedFeature) as caught:
        await client.create(naive)

    assert [problem.path for problem in caught.value.problems] == ["ends_at"]
    assert emulator.requests == []
