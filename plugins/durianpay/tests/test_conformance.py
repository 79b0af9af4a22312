"""Durianpay against promokit's provider conformance suite."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from promokit_durianpay.emulator import DurianpayEmulator
from promokit_durianpay.provider import DurianpayProvider

import promokit
from promokit.sdk import Emulator
from promokit.testing import ErrorCase, ProviderConformance

FIXTURES = Path(__file__).parent / "fixtures"


def documented(name: str) -> bytes:
    """A documented response body, verbatim (see fixtures/SOURCES.md)."""
    return (FIXTURES / name).read_bytes()


class TestDurianpayConformance(ProviderConformance):
    provider = DurianpayProvider
    api_key = "dp_test_XXXXXXXXX"
    options: ClassVar[dict[str, Any]] = {"page_size": 3}
    page_size = 3
    error_cases = (
        ErrorCase(
            "create",
            400,
            documented("error_400_errors.json"),
            promokit.BadRequest,
            code="DPAY_INVALID_REQUEST",
            request_id="dp_kQzTfWvYhM4821",
        ),
        ErrorCase(
            "create",
            400,
            documented("error_400_read_body.json"),
            promokit.BadRequest,
            code="DPAY_INTERNAL_ERROR",
            note="the docs' body ends its object with a trailing comma",
        ),
        ErrorCase(
            "create",
            400,
            {
                "error": "promo with label SALE502022 already exists",
                "error_code": "DPAY_INVALID_REQUEST",
            },
            promokit.Conflict,
            code="DPAY_INVALID_REQUEST",
            expected_status=409,
        ),
        ErrorCase("create", 500, documented("error_500_create.json"), promokit.ProviderServerError),
        ErrorCase(
            "list",
            400,
            documented("error_400_invalid_request.json"),
            promokit.BadRequest,
            code="DPAY_INVALID_REQUEST",
            request_id="dp_1lRGmHZClt3882",
        ),
        ErrorCase(
            "list",
            500,
            documented("error_500_fetch.json"),
            promokit.ProviderServerError,
            code="DPAY_INTERNAL_ERROR",
        ),
        ErrorCase(
            "get",
            401,
            documented("error_401.json"),
            promokit.AuthenticationError,
            code="DPAY_UNAUTHORIZED_ACCESS",
        ),
        ErrorCase(
            "get",
            404,
            {"error": "promo does not exists", "error_code": "DPAY_PROMO_NOT_FOUND"},
            promokit.NotFound,
            code="DPAY_PROMO_NOT_FOUND",
        ),
        ErrorCase(
            "delete",
            500,
            documented("error_500_delete.json"),
            promokit.ProviderServerError,
            code="DPAY_INTERNAL_ERROR",
        ),
    )

    def sample(self, index: int) -> promokit.Promotion:
        return promokit.Promotion(
            name=f"PAYDAY-{index:04d}",
            code=f"PAYDAY{index:04d}",
            description=f"payday card promo {index}",
            discount=promokit.Percent(value=Decimal("12.5"), max_amount=50_000),
            min_purchase=100_000,
            limit=promokit.Quota(uses=3 + index),
            payment=promokit.CardScope(bins=("424242",), banks=("BCA",)),
            reward="discount",
            applies_to="order",
            starts_at=self.now - timedelta(days=1),
            ends_at=self.now + timedelta(days=30),
        )

    def revised(self, index: int) -> promokit.Promotion:
        return promokit.Promotion(
            name=f"WALLET-{index:04d}",
            code=f"WALLET{index:04d}",
            discount=promokit.Fixed(amount=15_000),
            limit=promokit.Budget(amount=1_000_000),
            payment=promokit.EwalletScope(wallets=("OVO", "DANA")),
            reward="cashback",
            applies_to="items",
            starts_at=self.now,
            ends_at=self.now + timedelta(days=7),
        )

    def attach(self, provider: promokit.Provider, emulator: Emulator | None) -> None:
        assert isinstance(provider, DurianpayProvider)
        if emulator is not None:
            provider.clock = emulator.clock.now

    async def prepare_for_validation(
        self, emulator: Emulator | None, created: promokit.Promotion
    ) -> None:
        # New promos start inactive; Durianpay activates them in its dashboard.
        assert isinstance(emulator, DurianpayEmulator)
        assert created.id is not None
        emulator.activate(created.id)
