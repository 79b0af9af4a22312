"""A Mayar one-time coupon whose create answer is lost is never sent again.

Mayar keeps no discount name unique and a retried one-time create stores a second
discount (providers.md §A.9), so "not found by name" after a possibly-committed
send is no proof: the list may lag its writes. The create ends as
``OutcomeUnknown`` with the ledger pending; ``reconcile`` finishes it later.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from promokit import OutcomeUnknown

from .conftest import Rig, one_time_for

pytestmark = [
    pytest.mark.parametrize("rig", ["mayar"], indirect=True),
    pytest.mark.rig(timeout=1.0, settle_margin=0),
]
SETTLED = 1.1
"""Seconds after which the lost request can no longer be processed (its deadline)."""


def discounts(rig: Rig) -> int:
    inner: Any = rig.emulator.inner
    return len(inner.discounts)


def posts(rig: Rig) -> int:
    return sum(method == "POST" and path.endswith("/create") for method, path in rig.chaos.seen)


async def test_a_lost_one_time_create_is_unknown_and_never_resent(rig: Rig) -> None:
    rig.chaos.scenario = "drop_then_lag"
    with pytest.raises(OutcomeUnknown) as caught:
        await rig.client.create(one_time_for("Lost answer one-time"))
    assert caught.value.outcome == "unknown"
    key = caught.value.idempotency_key
    assert key is not None
    assert posts(rig) == 1
    assert discounts(rig) == 1
    (entry,) = await rig.client.ledger.entries()
    assert entry.state == "pending"
    # Once the list shows the write, reconcile records it: still one discount.
    rig.chaos.scenario = None
    await asyncio.sleep(SETTLED)
    found = await rig.client.reconcile(key)
    assert found is not None
    assert found.reconciled
    assert discounts(rig) == 1


async def test_a_bulk_batch_whose_answer_is_lost_is_unknown_not_duplicated(rig: Rig) -> None:
    rig.chaos.scenario = "drop_then_lag"
    with pytest.raises(OutcomeUnknown) as caught:
        await rig.client.create_bulk(one_time_for("Bulk lost answer"), 10)
    assert caught.value.outcome == "unknown"
    assert posts(rig) == 1
    assert discounts(rig) == 1
    assert [entry.state for entry in await rig.client.ledger.entries()] == ["pending"]
    # The re-run (the list caught up) finds the batch instead of creating it again.
    rig.chaos.scenario = None
    await asyncio.sleep(SETTLED)
    result = await rig.client.create_bulk(one_time_for("Bulk lost answer"), 10)
    assert len(result.codes) == 10
    assert discounts(rig) == 1
