"""Mayar against promokit's provider conformance suite."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import msgspec
from promokit_mayar.emulator import MayarEmulator
from promokit_mayar.provider import MayarProvider

import promokit
from promokit.sdk import Emulator
from promokit.testing import ErrorCase, ProviderConformance
from promokit.testing.variants import RETURNING_CUSTOMER

FIXTURES = Path(__file__).parent / "fixtures"
LINK = "9b1c2d3e-0000-4000-8000-00000000c0f1"
"""A payment link the emulator knows, so samples can be bound to a product."""


def documented(name: str) -> bytes:
    """A documented response body, verbatim (see fixtures/SOURCES.md)."""
    return (FIXTURES / name).read_bytes()


def envelope(status: int, text: str) -> dict[str, Any]:
    """Mayar's V2 envelope with no data, as its failures are documented."""
    return {"statusCode": status, "messages": text, "data": None}


class TestMayarConformance(ProviderConformance):
    provider = MayarProvider
    api_key = "Paste-Your-API-Key-Here"
    options: ClassVar[dict[str, Any]] = {"page_size": 3}
    page_size = 3
    error_cases = (
        ErrorCase("create", 400, documented("create_validation_error.json"), promokit.BadRequest),
        ErrorCase(
            "create",
            200,
            documented("http200_failed.json"),
            promokit.BadRequest,
            expected_status=400,
            note="a failure reported in the body under HTTP 200",
        ),
        ErrorCase("create", 409, envelope(409, "Coupon code already in use"), promokit.Conflict),
        ErrorCase("create", 401, envelope(401, "Unauthorized"), promokit.AuthenticationError),
        ErrorCase("list", 400, documented("list_validation_error.json"), promokit.BadRequest),
        ErrorCase("list", 500, documented("list_server_error.json"), promokit.ProviderServerError),
        ErrorCase(
            "list",
            429,
            envelope(429, "Too Many Requests"),
            promokit.RateLimited,
            headers={"Retry-After": "3"},
        ),
        ErrorCase(
            "get",
            500,
            envelope(500, "Internal Server Error"),
            promokit.NotFound,
            expected_status=404,
            note="Mayar answers the detail of an unknown id with a 500",
        ),
        ErrorCase("usage", 404, documented("check_not_found.json"), promokit.NotFound),
    )

    def sample(self, index: int) -> promokit.Promotion:
        return promokit.Promotion(
            name=f"Diskon Konformitas {index}",
            code=f"KONF{index:03d}",
            discount=promokit.Fixed(amount=10_000 + index),
            min_purchase=50_000,
            limit=promokit.Quota(uses=100),
            ends_at=self.now + timedelta(days=30),
            customers="new",
            products=(LINK,),
        )

    def setup_emulator(self, emulator: Emulator) -> None:
        assert isinstance(emulator, MayarEmulator)
        emulator.add_product(LINK)
        emulator.add_returning_customer(RETURNING_CUSTOMER)

    def attach(self, provider: promokit.Provider, emulator: Emulator | None) -> None:
        assert isinstance(provider, MayarProvider)
        if emulator is not None:
            provider.now = emulator.clock.now

    def expected_validation(
        self,
        promotion: promokit.Promotion,
        checkout: promokit.Checkout,
        reference: promokit.Validation,
    ) -> promokit.Validation:
        # Mayar answers a code not bound to the checkout's payment link as unknown
        # (a live finding kept by the emulator), where the evaluator says the
        # product is not eligible.
        if checkout.product_id not in promotion.products:
            return msgspec.structs.replace(
                reference, valid=False, reason=promokit.Rejection.NOT_FOUND, discount_amount=0
            )
        return reference
