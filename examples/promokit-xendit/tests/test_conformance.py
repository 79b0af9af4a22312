"""promokit-xendit against promokit's provider conformance suite."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import msgspec
from promokit_xendit import XenditProvider

import promokit
from promokit.sdk import Emulator
from promokit.testing import ErrorCase, ProviderConformance


class TestXenditConformance(ProviderConformance):
    provider = XenditProvider
    api_key = "xnd_development_TUTORIAL00000000001"
    error_cases = (
        ErrorCase(
            "create",
            400,
            {"error_code": "API_VALIDATION_ERROR", "message": "description is required"},
            promokit.BadRequest,
            code="API_VALIDATION_ERROR",
        ),
        ErrorCase(
            "create",
            409,
            {"error_code": "REFERENCE_IN_USE", "message": "reference_id is already used"},
            promokit.Conflict,
            code="REFERENCE_IN_USE",
        ),
        ErrorCase(
            "list",
            401,
            {"error_code": "INVALID_API_KEY", "message": "API key is invalid"},
            promokit.AuthenticationError,
            code="INVALID_API_KEY",
        ),
        ErrorCase(
            "delete",
            404,
            {"error_code": "PROMOTION_NOT_FOUND_ERROR", "message": "promotion not found"},
            promokit.NotFound,
            code="PROMOTION_NOT_FOUND_ERROR",
        ),
    )

    def sample(self, index: int) -> promokit.Promotion:
        return promokit.Promotion(
            name=f"BCA_20_JAN_{index}",
            description="20% off with BCA cards",
            code=f"BCA20JAN{index}",
            discount=promokit.Percent(value=Decimal(20), max_amount=50_000),
            min_purchase=100_000,
            payment=promokit.CardScope(bins=("400001", "400002"), banks=("BCA",)),
            starts_at=self.now - timedelta(days=1),
            ends_at=self.now + timedelta(days=30),
        )

    def revised(self, index: int) -> promokit.Promotion:
        # Xendit cannot rename a promotion (reference_id is fixed): change the rest.
        return msgspec.structs.replace(
            self.sample(index),
            description="25,000 off with BRI cards",
            code=None,
            discount=promokit.Fixed(amount=25_000),
            payment=promokit.CardScope(bins=("460000",), banks=("BRI",)),
        )

    def attach(self, provider: promokit.Provider, emulator: Emulator | None) -> None:
        assert isinstance(provider, XenditProvider)
        if emulator is not None:
            provider.clock = emulator.clock.now
