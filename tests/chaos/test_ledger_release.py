"""Deleting a promotion releases its ledger record: the same create is sent anew."""

from __future__ import annotations

import pytest

from .conftest import Rig, promotion_for


@pytest.mark.parametrize("rig", ["durianpay"], indirect=True)  # Mayar has no delete
async def test_deleting_a_promotion_releases_its_ledger_record(rig: Rig) -> None:
    promotion = promotion_for(rig.provider, "Released again")
    first = await rig.client.create(promotion)
    assert first.id is not None
    await rig.client.delete(first.id)
    second = await rig.client.create(promotion)  # same key: sent again, not "already"
    assert second.id != first.id
    assert not second.already_created
    assert rig.chaos.writes == 2
