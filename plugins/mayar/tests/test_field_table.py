"""docs/providers/mayar.md lists every response field the wire Structs can carry, and no other."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from promokit_mayar import wire

from promokit.testing.fields import field_table_problems, wire_paths

PAGE = Path(__file__).parents[3] / "docs" / "providers" / "mayar.md"
if not PAGE.is_file():  # an sdist carries the plugin's tests, not promokit's docs
    pytest.skip(f"needs promokit's repository ({PAGE} is absent)", allow_module_level=True)
HEADING = "## Every response field"
RESPONSES: dict[str, type[msgspec.Struct]] = {
    "envelope": wire.Envelope,
    "create": wire.CreateResponse,
    "detail": wire.DetailResponse,
    "validate": wire.ValidateResponse,
    "usage": wire.CheckResponse,
    "list": wire.ListResponse,
    "failure": wire.ValidationIssue,
}


def test_the_table_lists_every_response_field() -> None:
    problems = field_table_problems(
        PAGE.read_text(encoding="utf-8"), HEADING, RESPONSES, common=wire.Envelope
    )
    assert problems == []


class Grown(wire.DiscountSummary, kw_only=True):
    """A list entry as if Mayar had added a field (and promokit declared it)."""

    total_revenue: int = 0


class GrownPage(wire.DiscountPage, kw_only=True):
    coupons: list[Grown]  # type: ignore[assignment]


class GrownList(wire.ListResponse, kw_only=True):
    data: GrownPage  # type: ignore[assignment]


def test_a_field_added_to_a_struct_fails_the_check() -> None:
    assert "data.coupons[].totalRevenue" in wire_paths(GrownList)
    problems = field_table_problems(
        PAGE.read_text(encoding="utf-8"),
        HEADING,
        {**RESPONSES, "list": GrownList},
        common=wire.Envelope,
    )
    assert problems == ["list: `data.coupons[].totalRevenue` is not in the table"]
