"""The manifest and the plan: every unsupported field is its own problem, nothing is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest
from promokit_mayar.emulator import MayarEmulator
from promokit_mayar.manifest import MANIFEST
from promokit_mayar.provider import MayarProvider

from promokit import (
    Budget,
    CardScope,
    Client,
    Percent,
    Problem,
    Quota,
    UnsupportedFeature,
)
from promokit.model.capabilities import FIELDS

from .conftest import seed_promotion


def paths(problems: tuple[Problem, ...]) -> list[str]:
    return [problem.path for problem in problems]


def test_manifest_declares_mayars_documented_limits() -> None:
    assert MayarProvider.manifest is MANIFEST
    assert MANIFEST.rate_limit_per_minute == 20
    assert MANIFEST.page_size == 10
    assert MANIFEST.limits.min_name_length == 5
    assert MANIFEST.limits.max_products == 2
    assert MANIFEST.limits.max_percent == Decimal(99)
    assert "99" in MANIFEST.limits.max_percent_note
    assert MANIFEST.field("limit").required is True
    assert MANIFEST.field("currency").values == ("IDR",)
    assert [op for op in MANIFEST.operations if not MANIFEST.supports(op)] == ["update", "delete"]
    assert set(MANIFEST.operation_notes) == {"update", "delete"}


async def test_every_unsupported_field_is_its_own_problem_and_nothing_is_sent(
    client: Client, emulator: MayarEmulator
) -> None:
    promotion = seed_promotion(
        description="Promo akhir tahun",
        starts_at=datetime(2029, 12, 1, tzinfo=UTC),
        limit=Budget(amount=1_000_000),
        payment=CardScope(bins=("411111",)),
        reward="cashback",
        applies_to="shipping",
        discount=Percent(value=Decimal(10), max_amount=50000),
    )

    plan = client.plan(promotion)
    with pytest.raises(UnsupportedFeature) as caught:
        await client.create(promotion)

    expected = [
        "description",
        "discount.max_amount",
        "limit",
        "starts_at",
        "payment",
        "reward",
        "applies_to",
    ]
    assert paths(plan.problems) == expected
    assert paths(caught.value.problems) == expected
    assert emulator.requests == []
    lines = {line.field: line for line in plan.lines}
    assert [f for f in expected if lines[f].action == "unsupported"] == expected
    assert "no description field" in lines["description"].detail
    assert "no cap" in lines["discount.max_amount"].detail
    assert "budget" in lines["limit"].detail
    assert "start date" in lines["starts_at"].detail
    assert "payment method" in lines["payment"].detail
    assert "cashback" in lines["reward"].detail
    assert "whole transaction" in lines["applies_to"].detail
    assert "nothing was sent" in str(caught.value)


def test_the_plan_has_one_line_per_neutral_field(client: Client) -> None:
    plan = client.plan(seed_promotion())

    assert plan.ok
    assert [line.field for line in plan.lines] == list(FIELDS)
    actions = {line.field: line.action for line in plan.lines}
    assert actions["name"] == actions["discount"] == actions["limit"] == "native"
    assert actions["description"] == actions["starts_at"] == "not_set"


@pytest.mark.parametrize(
    ("changes", "path", "words"),
    [
        ({"name": "Abc"}, "name", "5 characters"),
        ({"name": "Sale"}, "name", "at least 5"),
        ({"products": ("a", "b", "c")}, "products", "at most 2"),
        ({"discount": Percent(value=Decimal(100))}, "discount.value", "silently caps"),
        ({"discount": Percent(value=Decimal("99.5"))}, "discount.value", "at most 99"),
        ({"currency": "USD"}, "currency", "only IDR"),
        ({"limit": None}, "limit", "requires it"),
        ({"code": "x" * 51}, "code", "at most 50"),
    ],
)
async def test_documented_limits_are_plan_problems(
    client: Client, emulator: MayarEmulator, changes: dict[str, object], path: str, words: str
) -> None:
    promotion = seed_promotion(**changes)

    problems = client.plan(promotion).problems
    with pytest.raises(UnsupportedFeature):
        await client.create(promotion)

    matching = [p for p in problems if p.path == path]
    assert len(matching) == 1, problems
    assert words in matching[0].message
    assert emulator.requests == []


def test_percent_99_is_accepted(client: Client) -> None:
    assert client.plan(seed_promotion(discount=Percent(value=Decimal(99)))).ok


async def test_more_than_50_single_use_codes_is_refused_naming_bulk_creation(
    client: Client, emulator: MayarEmulator
) -> None:
    promotion = seed_promotion(coupon_type="single_use", code=None, limit=Quota(uses=51))

    with pytest.raises(UnsupportedFeature) as caught:
        await client.create(promotion)

    (problem,) = caught.value.problems
    assert problem.path == "limit.uses"
    assert "at most 50 one-time codes" in problem.message
    assert "bulk" in problem.message
    assert "create_bulk" in problem.message
    assert "never truncates" in problem.message
    assert emulator.requests == []
    assert client.plan(msgspec.structs.replace(promotion, limit=Quota(uses=50))).ok


async def test_a_code_with_single_use_is_a_plan_problem(
    client: Client, emulator: MayarEmulator
) -> None:
    promotion = seed_promotion(coupon_type="single_use", code="HARIBAIK", limit=Quota(uses=10))

    problems = client.plan(promotion).problems

    assert [(p.path, "ignores the code" in p.message) for p in problems] == [("code", True)]
    with pytest.raises(UnsupportedFeature):
        await client.create(promotion)
    assert emulator.requests == []


def test_extensions_may_not_override_mapped_fields(client: Client) -> None:
    promotion = seed_promotion(extensions={"mayar": {"name": "other", "extra": 1}})

    problems = client.plan(promotion).problems

    assert paths(problems) == ["extensions.mayar.name"]


def assert_refused(caught: pytest.ExceptionInfo[UnsupportedFeature], operation: str) -> None:
    assert f"does not offer {operation}" in str(caught.value)
    assert "no endpoint" in str(caught.value)
    assert "dashboard" in str(caught.value)
    assert caught.value.operation == operation


async def test_update_is_refused_before_io_saying_why(
    client: Client, provider: MayarProvider, emulator: MayarEmulator
) -> None:
    with pytest.raises(UnsupportedFeature) as via_client:
        await client.update("c9aa143a", seed_promotion())
    with pytest.raises(UnsupportedFeature) as direct:
        await provider.update("c9aa143a", seed_promotion())

    assert_refused(via_client, "update")
    assert_refused(direct, "update")
    assert emulator.requests == []


async def test_delete_is_refused_before_io_saying_why(
    client: Client, provider: MayarProvider, emulator: MayarEmulator
) -> None:
    with pytest.raises(UnsupportedFeature) as via_client:
        await client.delete("c9aa143a")
    with pytest.raises(UnsupportedFeature) as direct:
        await provider.delete("c9aa143a")

    assert_refused(via_client, "delete")
    assert_refused(direct, "delete")
    assert emulator.requests == []


async def test_a_direct_provider_create_is_planned_too(
    provider: MayarProvider, emulator: MayarEmulator
) -> None:
    with pytest.raises(UnsupportedFeature) as caught:
        await provider.create(seed_promotion(limit=Budget(amount=10)))

    assert paths(caught.value.problems) == ["limit"]
    assert emulator.requests == []


def test_natural_key_is_the_reusable_code_or_the_one_time_name(provider: MayarProvider) -> None:
    assert provider.natural_key(seed_promotion()) == "haribaik"
    assert provider.natural_key(seed_promotion(code=None)) is None
    single = seed_promotion(coupon_type="single_use", code=None)
    assert provider.natural_key(single) == "name:Diskon Murmer"
