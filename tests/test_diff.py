"""client.diff and client.apply over loopback: changes, drift, unmanaged, matching, conflicts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from promokit.model import CardScope, EwalletScope, Fixed, Percent, Promotion, Quota
from promokit.workflows.apply import StalePlan
from promokit.workflows.diff import Diff

from .diff_support import END, START, Gateways, gateways

SALE = Promotion(
    name="sale-label",
    code="SALE10",
    discount=Percent(value=Decimal(10), max_amount=50_000),
    limit=Quota(uses=100),
    min_purchase=200_000,
    starts_at=START,
    ends_at=END,
    payment=CardScope(bins=("424242",)),
)
OTHER = Promotion(
    name="other-label",
    code="OTHER5",
    discount=Fixed(amount=5_000),
    limit=Quota(uses=10),
    starts_at=START,
    ends_at=END,
    payment=CardScope(banks=("BCA",)),
)
MAYAR_SALE = Promotion(
    name="Diskon akhir tahun",
    code="AKHIR10",
    discount=Fixed(amount=10_000),
    limit=Quota(uses=20),
    ends_at=END,
)


async def applied(g: Gateways, promotions: list[Promotion], provider: str) -> Diff:
    """Apply ``promotions`` and return the diff straight after (asserted in sync)."""
    report = await g.client.apply(await g.client.diff(promotions, provider))
    assert report.ok, report
    after = await g.client.diff(promotions, provider)
    assert after.in_sync, msgspec.json.encode(after.targets)
    return after


async def test_an_edited_entry_is_an_update_old_to_new_per_field() -> None:
    async with gateways() as g:
        await applied(g, [SALE], "durianpay")
        edited = msgspec.structs.replace(SALE, min_purchase=300_000, description="akhir pekan")
        diff = await g.client.diff([edited], "durianpay")
        [update] = diff.targets[0].update
        assert update.matched_by == "ledger"
        assert update.possible
        assert {c.field: (c.old, c.new, c.drifted) for c in update.changes} == {
            "min_purchase": (200_000, 300_000, False),
            "description": (None, "akhir pekan", False),
        }
        assert diff.changes == 1
        assert not diff.in_sync
        report = await g.client.apply(diff)
        [item] = report.targets[0].items
        assert (item.action, item.id) == ("updated", update.id)
        stored = g.durianpay.promos[update.id].fields
        assert stored["min_order_amount"] == "300000"
        assert stored["description"] == "akhir pekan"
        assert (await g.client.diff([edited], "durianpay")).in_sync


async def test_a_change_made_on_the_gateway_is_drift() -> None:
    async with gateways() as g:
        after = await applied(g, [SALE], "durianpay")
        promotion_id = after.targets[0].in_sync[0].id
        # Someone edits the promo outside promokit's apply (the dashboard, a script).
        await g.client.update(
            promotion_id, msgspec.structs.replace(SALE, min_purchase=1_000), "durianpay"
        )
        diff = await g.client.diff([SALE], "durianpay")
        target = diff.targets[0]
        [update] = target.update
        [change] = update.changes
        assert (change.field, change.old, change.new) == ("min_purchase", 1_000, 200_000)
        assert change.drifted
        assert change.applied == 200_000
        assert target.drifted == (update,)
        await g.client.apply(diff)
        assert (await g.client.diff([SALE], "durianpay")).in_sync


async def test_an_edit_in_the_file_is_not_drift() -> None:
    async with gateways() as g:
        await applied(g, [SALE], "durianpay")
        diff = await g.client.diff([msgspec.structs.replace(SALE, min_purchase=1)], "durianpay")
        assert diff.targets[0].drifted == ()
        assert [c.drifted for c in diff.targets[0].update[0].changes] == [False]


async def test_promotions_not_in_the_file_are_unmanaged_and_pruned_where_possible() -> None:
    async with gateways() as g:
        await applied(g, [SALE, OTHER], "durianpay")
        diff = await g.client.diff([SALE], "durianpay")
        target = diff.targets[0]
        assert [(u.name, u.possible) for u in target.unmanaged] == [("other-label", True)]
        # Unmanaged promotions are reported, not changes: apply leaves them without --prune.
        assert diff.in_sync
        kept = await g.client.apply(diff)
        assert kept.targets[0].items == ()
        assert len(g.durianpay.promos) == 2
        pruned = await g.client.apply(diff, prune=True)
        assert [(i.action, i.name) for i in pruned.targets[0].items] == [("deleted", "other-label")]
        assert len(g.durianpay.promos) == 1
        assert (await g.client.diff([SALE], "durianpay")).targets[0].unmanaged == ()


async def test_mayar_cannot_update_or_delete_and_says_what_to_do_instead() -> None:
    async with gateways() as g:
        other = msgspec.structs.replace(MAYAR_SALE, name="Diskon lain lagi", code="LAIN5")
        await applied(g, [MAYAR_SALE, other], "mayar")
        edited = msgspec.structs.replace(MAYAR_SALE, min_purchase=99_000)
        diff = await g.client.diff([edited], "mayar")
        target = diff.targets[0]
        [update] = target.update
        assert not update.possible
        assert "dashboard" in (update.instead or "")
        assert "new name and code" in (update.instead or "")
        [unmanaged] = target.unmanaged
        assert not unmanaged.possible
        assert "delete" in (unmanaged.instead or "")
        writes = g.writes(g.mayar)
        report = await g.client.apply(diff, prune=True)
        items = {item.name: item for item in report.targets[0].items}
        assert items[MAYAR_SALE.name].action == "impossible"
        assert "min_purchase differ" in (items[MAYAR_SALE.name].detail or "")
        assert items[other.name].action == "impossible"
        assert not report.ok
        assert g.writes(g.mayar) == writes


async def test_apply_creates_exactly_once_through_the_ledger(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    async with gateways(ledger) as g:
        diff = await g.client.diff([SALE, OTHER], "durianpay")
        first = await g.client.apply(diff)
        assert sorted(i.action for i in first.targets[0].items) == ["created", "created"]
        # The same plan carried out again (forced past the fresh read) sends nothing new.
        again = await g.client.apply(diff, force=True)
        assert again.targets[0].stale
        assert again.targets[0].items == ()
        assert len(g.durianpay.promos) == 2


async def test_the_ledger_identity_outlives_a_code_changed_on_the_gateway(tmp_path: Path) -> None:
    async with gateways(tmp_path / "ledger.sqlite") as g:
        after = await applied(g, [SALE], "durianpay")
        promotion_id = after.targets[0].in_sync[0].id
        renamed = msgspec.structs.replace(SALE, name="renamed-on-gateway", code="HANDMADE")
        await g.client.update(promotion_id, renamed, "durianpay")
        diff = await g.client.diff([SALE], "durianpay")
        [update] = diff.targets[0].update
        assert (update.id, update.matched_by) == (promotion_id, "ledger")
        assert {c.field for c in update.changes} == {"name", "code"}
        assert all(c.drifted for c in update.changes)
        assert diff.targets[0].create == ()


async def test_without_the_ledger_entries_match_by_code_then_by_name() -> None:
    async with gateways() as g:
        created = await g.client.create(SALE, "durianpay")
        by_name = await g.client.create(OTHER, "durianpay")
        # Forget what promokit recorded: only the gateway's own fields can pair them now.
        target = await g.client.target("durianpay")
        for promotion in (created, by_name):
            await g.client.ledger.release(target, promotion.id or "")
        recoded = msgspec.structs.replace(OTHER, code="NEWCODE")
        diff = await g.client.diff([SALE, recoded], "durianpay")
        target = diff.targets[0]
        matched = {s.name: s.matched_by for s in target.in_sync}
        matched |= {u.name: u.matched_by for u in target.update}
        assert matched == {"sale-label": "code", "other-label": "name"}


async def test_an_entry_two_gateway_promotions_match_is_a_conflict_naming_it() -> None:
    async with gateways() as g:
        # Mayar keeps names unique to nobody: two discounts of one name, made by hand.
        first = msgspec.structs.replace(MAYAR_SALE, code="SATU1")
        second = msgspec.structs.replace(MAYAR_SALE, code="DUA22")
        await g.client.create(first, "mayar")
        await g.client.create(second, "mayar")
        for entry in await g.client.ledger.entries():
            await g.client.ledger.forget(entry.key, target=entry.target)
        wanted = msgspec.structs.replace(MAYAR_SALE, code=None)
        diff = await g.client.diff([wanted], "mayar")
        [conflict] = diff.targets[0].conflicts
        assert conflict.kind == "ambiguous"
        assert conflict.entries == (0,)
        assert "promotions[0] ('Diskon akhir tahun')" in conflict.message
        assert len(conflict.ids) == 2
        assert not diff.in_sync
        assert diff.targets[0].unmanaged == ()
        assert diff.targets[0].create == ()
        writes = g.writes(g.mayar)
        report = await g.client.apply(diff, prune=True)
        assert [i.action for i in report.targets[0].items] == ["refused"]
        assert g.writes(g.mayar) == writes


async def test_two_entries_claiming_one_promotion_are_a_conflict_naming_both() -> None:
    async with gateways() as g:
        await applied(g, [SALE], "durianpay")
        by_code = msgspec.structs.replace(OTHER, code=SALE.code)
        by_name = msgspec.structs.replace(OTHER, name=SALE.name, code="ANOTHER")
        diff = await g.client.diff(
            [by_name, msgspec.structs.replace(by_code, name="x-label")], "durianpay"
        )
        [conflict] = diff.targets[0].conflicts
        assert conflict.kind == "claimed_twice"
        assert conflict.entries == (0, 1)
        assert "promotions[0] ('sale-label'), promotions[1] ('x-label')" in conflict.message
        assert diff.targets[0].unmanaged == ()


async def test_entries_sharing_a_code_or_name_are_duplicates() -> None:
    async with gateways() as g:
        twin = msgspec.structs.replace(OTHER, code=SALE.code)
        diff = await g.client.diff([SALE, twin], "durianpay")
        [conflict] = diff.targets[0].conflicts
        assert (conflict.kind, conflict.entries) == ("duplicate", (0, 1))
        assert "'SALE10'" in conflict.message
        report = await g.client.apply(diff)
        assert [i.action for i in report.targets[0].items] == ["refused", "refused"]
        assert g.durianpay.promos == {}


async def test_a_gateway_changed_between_diff_and_apply_is_a_stale_plan() -> None:
    async with gateways() as g:
        await applied(g, [SALE], "durianpay")
        edited = msgspec.structs.replace(SALE, min_purchase=300_000)
        diff = await g.client.diff([edited, OTHER], "durianpay")
        promotion_id = diff.targets[0].update[0].id
        await g.client.update(
            promotion_id, msgspec.structs.replace(SALE, min_purchase=5), "durianpay"
        )
        writes = g.writes(g.durianpay)
        with pytest.raises(StalePlan) as caught:
            await g.client.apply(diff)
        assert caught.value.outcome == "not_sent"
        assert [str(p) for p in caught.value.problems] == [
            "durianpay: entry 'sale-label': changed since the diff"
        ]
        assert g.writes(g.durianpay) == writes
        forced = await g.client.apply(diff, force=True)
        assert forced.targets[0].stale
        assert forced.ok
        assert (await g.client.diff([edited, OTHER], "durianpay")).in_sync


async def test_a_field_unknown_on_read_is_never_a_change_nor_drift() -> None:
    # This emulator reports e-wallet promos' wallets under a key promokit does not
    # read: payment is unknown on every read.
    async with gateways(durianpay_options={"wallet_key": "wallets"}) as g:
        wallet = msgspec.structs.replace(SALE, payment=EwalletScope(wallets=("OVO",)))
        report = await g.client.apply(await g.client.diff([wallet], "durianpay"))
        assert report.ok
        changed = msgspec.structs.replace(wallet, payment=EwalletScope(wallets=("DANA",)))
        diff = await g.client.diff([changed], "durianpay")
        [synced] = diff.targets[0].in_sync
        assert synced.unknown == ("payment",)
        assert diff.in_sync


async def test_several_targets_at_once() -> None:
    async with gateways() as g:
        diff = await g.client.diff([MAYAR_SALE], ["mayar", "durianpay"])
        assert [t.provider for t in diff.targets] == ["mayar", "durianpay"]
        assert len(diff.targets[0].create) == 1
        assert len(diff.targets[1].cannot_express) == 1  # Durianpay needs starts_at
        report = await g.client.apply(diff)
        assert [t.provider for t in report.targets] == ["mayar", "durianpay"]
        assert report.targets[0].ok
        assert not report.targets[1].ok
