"""A promotion that has already ended is refused by create and update before any request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from promokit import CardScope, Client, Fixed, InvalidPromotion, Promotion

from .cli_support import BackgroundEmulators, config, emulators

__all__ = ["config", "emulators"]  # fixtures used by name below


def ended(name: str) -> Promotion:
    now = datetime.now(UTC)
    return Promotion(
        name=name,
        code=name.upper().replace(" ", ""),
        discount=Fixed(amount=5000),
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(minutes=1),
    )


@pytest.mark.parametrize("provider", ["mayar", "durianpay"])
async def test_create_refuses_an_end_in_the_past_with_zero_requests(
    provider: str, config: Path, emulators: BackgroundEmulators
) -> None:
    log = getattr(emulators, provider).requests
    refusals = []
    async with Client.from_config(config) as client:
        with pytest.raises(InvalidPromotion) as created:
            await client.create(ended("Sudah lewat"), provider)
        refusals.append(created.value)
    for refused in refusals:
        assert refused.problems[0].path == "ends_at"
        assert "already in the past" in refused.problems[0].message
        assert refused.outcome == "not_sent"
        assert "nothing was sent" in str(refused)
    assert log == []  # the emulator saw no request at all


async def test_the_refusal_lists_the_plans_problems_too(
    config: Path, emulators: BackgroundEmulators
) -> None:
    promotion = Promotion(
        name="Sudah lewat",
        code="HAS SPACE",
        discount=Fixed(amount=5000),
        ends_at=datetime.now(UTC) - timedelta(days=1),
    )
    async with Client.from_config(config) as client:
        with pytest.raises(InvalidPromotion) as refused:
            await client.create(promotion, "mayar")
    paths = [problem.path for problem in refused.value.problems]
    assert paths[0] == "ends_at"
    assert "code" in paths
    assert emulators.mayar.requests == []


async def test_allow_ended_lets_a_migration_copy_an_ended_promotion(
    config: Path, emulators: BackgroundEmulators
) -> None:
    async with Client.from_config(config) as client:
        archived = msgspec.structs.replace(ended("Arsip"), payment=CardScope(bins=("424242",)))
        created = await client.create(archived, "durianpay", allow_ended=True)
    assert created.id in emulators.durianpay.promos
