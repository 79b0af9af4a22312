"""docs/providers/durianpay.md lists every response field the wire Structs carry, no other."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from promokit_durianpay import wire

from promokit.http import codec
from promokit.testing.fields import field_table_problems, wire_paths

PAGE = Path(__file__).parents[3] / "docs" / "providers" / "durianpay.md"
if not PAGE.is_file():  # an sdist carries the plugin's tests, not promokit's docs
    pytest.skip(f"needs promokit's repository ({PAGE} is absent)", allow_module_level=True)
HEADING = "## Every response field"
RESPONSES: dict[str, type[msgspec.Struct]] = {
    "promo": wire.Promo,
    "delete": wire.DeleteResponse,
    "error": wire.ErrorBody,
}
OPEN = {"promo_details": sorted(wire.DETAIL_KEYS)}


class Grown(wire.Promo, kw_only=True):
    """A promo as if Durianpay had added a field (and promokit declared it)."""

    max_uses_per_customer: str = ""


def test_the_table_lists_every_response_field() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert field_table_problems(page, HEADING, RESPONSES, open_objects=OPEN) == []


def test_the_envelopes_and_the_core_native_form_hold_the_same_promo() -> None:
    promo = wire_paths(wire.Promo, open_objects=OPEN)
    assert wire_paths(wire.PromoEnvelope, open_objects=OPEN) == {f"data.{p}" for p in promo}
    assert wire_paths(wire.PromoListEnvelope, open_objects=OPEN) == {f"data[].{p}" for p in promo}
    # What promokit's codec decodes first (timestamps in C) reads the very same fields.
    native = codec.native_type(wire.PromoListEnvelope)
    assert native is not wire.PromoListEnvelope
    assert wire_paths(native, open_objects=OPEN) == {f"data[].{p}" for p in promo}


def test_a_field_added_to_a_struct_fails_the_check() -> None:
    page = PAGE.read_text(encoding="utf-8")
    problems = field_table_problems(page, HEADING, {**RESPONSES, "promo": Grown}, open_objects=OPEN)
    assert problems == ["promo: `max_uses_per_customer` is not in the table"]
