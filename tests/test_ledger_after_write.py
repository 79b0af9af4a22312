"""A ledger that fails after the gateway did the write never reports ``not_sent``.

Durianpay's code book is written after the POST or PATCH succeeded and dropped after
the DELETE; ``Client.delete`` releases the ledger record after the DELETE; ``apply``
records its baseline after the write. A ledger failure at any of those points comes
after the request left: the error's outcome is ``unknown`` (never ``not_sent``), a
create is not recorded ``failed``, and a retry reconciles to the one promotion the
gateway holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from promokit import LedgerError, PromokitError

from .diff_support import Gateways, gateways
from .test_diff import SALE as SUB_SECOND

# Whole seconds, as Durianpay keeps them (sub-second times: tests/test_fault_matrix.py).
SALE = msgspec.structs.replace(SUB_SECOND, ends_at=SUB_SECOND.ends_at.replace(microsecond=0))


def broken(g: Gateways, method: str) -> Callable[[], None]:
    """Make the ledger store's ``method`` fail as a locked SQLite file does; returns a fix."""
    store: Any = g.client.ledger.store
    original = getattr(store, method)

    def locked(*args: object, **kwargs: object) -> object:
        raise LedgerError(
            f"the {store.name} is locked by another process and did not free in time; "
            "nothing was sent",
            store=store.name,
        )

    setattr(store, method, locked)
    return lambda: setattr(store, method, original)


async def test_a_create_whose_code_cannot_be_recorded_is_not_recorded_failed() -> None:
    async with gateways() as g:
        repair = broken(g, "remember_code")
        # The POST succeeded: its outcome is looked up by label and found, not resent.
        created = await g.client.create(SALE, "durianpay")
        assert created.reconciled
        repair()
        assert len(g.durianpay.promos) == 1
        entries = await g.client.ledger.entries()
        assert [entry.state for entry in entries] != ["failed"]
        again = await g.client.create(SALE, "durianpay")
        assert len(g.durianpay.promos) == 1
        assert again.id in g.durianpay.promos


async def test_an_update_whose_code_cannot_be_recorded_is_unknown() -> None:
    async with gateways() as g:
        created = await g.client.create(SALE, "durianpay")
        assert created.id is not None
        broken(g, "remember_code")
        edited = msgspec.structs.replace(SALE, code="SALE20")
        with pytest.raises(PromokitError) as caught:
            await g.client.update(created.id, edited, "durianpay")
        assert caught.value.outcome == "unknown"
        assert "PATCH" in [r.method for r in g.durianpay.requests]


@pytest.mark.parametrize("method", ["forget_codes", "release"])
async def test_a_delete_whose_record_cannot_be_dropped_is_unknown(method: str) -> None:
    async with gateways() as g:
        created = await g.client.create(SALE, "durianpay")
        assert created.id is not None
        broken(g, method)
        with pytest.raises(PromokitError) as caught:
            await g.client.delete(created.id, "durianpay")
        assert caught.value.outcome == "unknown"
        assert created.id not in g.durianpay.promos  # the DELETE was done


async def test_apply_whose_baseline_cannot_be_recorded_reports_the_write() -> None:
    async with gateways() as g:
        diff = await g.client.diff([SALE], "durianpay")
        store: Any = g.client.ledger.store
        claim = store.claim

        def refuse_baseline(entry: Any, **kwargs: Any) -> Any:
            if entry.operation == "apply":
                raise LedgerError(f"the {store.name} is locked; nothing was sent", store=store.name)
            return claim(entry, **kwargs)

        store.claim = refuse_baseline
        report = await g.client.apply(diff)
        [item] = report.targets[0].items
        assert len(g.durianpay.promos) == 1
        assert item.outcome != "not_sent", item
        assert item.id in g.durianpay.promos
        store.claim = claim
        # Re-running apply finds the promotion instead of creating it again.
        report = await g.client.apply(await g.client.diff([SALE], "durianpay"))
        assert len(g.durianpay.promos) == 1


async def test_a_ledger_timeout_recording_an_outcome_does_not_say_nothing_was_sent() -> None:
    async with gateways() as g:
        created = await g.client.create(SALE, "durianpay")
        assert created.id is not None
        store: Any = g.client.ledger.store
        release = store.release

        def slow(*args: Any, timeout: float, **kwargs: Any) -> Any:
            import time

            time.sleep(timeout + 0.5)
            return release(*args, timeout=timeout, **kwargs)

        store.release = slow
        with pytest.raises(LedgerError) as caught:
            await g.client.delete(created.id, "durianpay", timeout=0.5)
        assert caught.value.outcome == "unknown"
        assert "nothing was sent" not in str(caught.value)
