"""Diffing one target: stream its promotions, pair them with file entries, compare fields."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from promokit.ledger import baseline
from promokit.model import Promotion
from promokit.workflows.diff import (
    CannotExpress,
    Diff,
    InSync,
    MatchConflict,
    MatchedBy,
    TargetDiff,
    ToCreate,
    ToUpdate,
    Unmanaged,
    compare,
)

if TYPE_CHECKING:
    from promokit.client import Client

_RANK: dict[MatchedBy, int] = {"ledger": 0, "code": 1, "name": 2}


def _label(promotions: Sequence[Promotion], entries: Sequence[int]) -> str:
    return ", ".join(f"promotions[{i}] ({promotions[i].name!r})" for i in entries)


def duplicates(promotions: Sequence[Promotion]) -> list[MatchConflict]:
    """Entries that share a code or a name: each would claim the other's promotion."""
    conflicts = []
    for field in ("code", "name"):
        groups: dict[str, list[int]] = defaultdict(list)
        for index, promotion in enumerate(promotions):
            value = getattr(promotion, field)
            if value is not None:
                groups[value].append(index)
        for value, entries in groups.items():
            if len(entries) > 1:
                conflicts.append(
                    MatchConflict(
                        kind="duplicate",
                        entries=tuple(entries),
                        names=tuple(promotions[i].name for i in entries),
                        ids=(),
                        message=f"{_label(promotions, entries)} share the {field} {value!r}; "
                        "give each entry its own",
                    )
                )
    return conflicts


class _Matcher:
    """Pairs streamed gateway promotions with file entries, best identity first."""

    def __init__(self, promotions: Sequence[Promotion], records: dict[str, Promotion]) -> None:
        self.promotions = promotions
        self.by_code: dict[str, list[int]] = defaultdict(list)
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for index, promotion in enumerate(promotions):
            if promotion.code is not None:
                self.by_code[promotion.code].append(index)
            self.by_name[promotion.name].append(index)
        # The ledger's identity: a gateway id promokit wrote for an entry, found by
        # the code (then the name) it was written with. Survives edits on the gateway.
        self.by_id: dict[str, list[int]] = {}
        for provider_id, written in records.items():
            entries = self.by_code.get(written.code or "") or self.by_name.get(written.name)
            if entries:
                self.by_id[provider_id] = entries
        self.matches: dict[int, list[tuple[MatchedBy, Promotion]]] = defaultdict(list)
        self.conflicts: list[MatchConflict] = []
        self.blocked: set[int] = set()
        self.unmanaged: list[Promotion] = []

    def claims(self, found: Promotion) -> list[tuple[MatchedBy, int]]:
        claims: list[tuple[MatchedBy, int]] = []
        if found.id is not None:
            claims += [("ledger", i) for i in self.by_id.get(found.id, ())]
        if found.known("code") and found.code is not None:
            claims += [("code", i) for i in self.by_code.get(found.code, ())]
        if found.known("name"):
            claims += [("name", i) for i in self.by_name.get(found.name, ())]
        return claims

    def add(self, found: Promotion) -> None:
        claims = self.claims(found)
        entries = sorted({index for _, index in claims})
        if not entries:
            self.unmanaged.append(found)
            return
        if len(entries) > 1:
            if not self._shared_duplicate(entries):
                self.conflicts.append(
                    MatchConflict(
                        kind="claimed_twice",
                        entries=tuple(entries),
                        names=tuple(self.promotions[i].name for i in entries),
                        ids=(found.id or "",),
                        message=f"{_label(self.promotions, entries)} all match gateway "
                        f"promotion {found.id} ({found.name!r}); make one entry's name "
                        "and code its own",
                    )
                )
            self.blocked.update(entries)
            return
        level = min((by for by, _ in claims), key=_RANK.__getitem__)
        self.matches[entries[0]].append((level, found))

    def _shared_duplicate(self, entries: list[int]) -> bool:
        wanted = set(entries)
        return any(c.kind == "duplicate" and wanted <= set(c.entries) for c in self.conflicts)

    def settle(self) -> dict[int, tuple[MatchedBy, Promotion]]:
        """One gateway promotion per entry; an entry matching several is a conflict.

        A weaker match of an entry that has a stronger one (a same-named copy of a
        promotion the ledger knows) is a promotion of its own: unmanaged.
        """
        chosen: dict[int, tuple[MatchedBy, Promotion]] = {}
        for index, found in sorted(self.matches.items()):
            if index in self.blocked:
                continue
            best = min(_RANK[by] for by, _ in found)
            top = [(by, p) for by, p in found if _RANK[by] == best]
            if len(top) > 1:
                ids = tuple(p.id or "" for _, p in top)
                self.conflicts.append(
                    MatchConflict(
                        kind="ambiguous",
                        entries=(index,),
                        names=(self.promotions[index].name,),
                        ids=ids,
                        message=f"{_label(self.promotions, [index])} matches "
                        f"{len(top)} gateway promotions by {top[0][0]} ({', '.join(ids)}); "
                        "give the entry a code, or rename or remove the copies",
                    )
                )
                self.blocked.add(index)
                continue
            chosen[index] = top[0]
            self.unmanaged += [p for by, p in found if _RANK[by] != best]
        return chosen


async def diff_target(client: Client, promotions: Sequence[Promotion], alias: str) -> TargetDiff:
    """Compare ``promotions`` with what ``alias``'s gateway holds (one listing, streamed).

    Only matched promotions are kept (and re-read by id when the listing reported
    them in part); the rest are reduced to :class:`Unmanaged` references.
    """
    instance = client.provider(alias)
    manifest = instance.manifest
    target = await client.target(alias)
    records = await baseline.recorded(client.ledger, target)
    matcher = _Matcher(promotions, records)
    matcher.conflicts += duplicates(promotions)
    for conflict in matcher.conflicts:
        matcher.blocked.update(conflict.entries)
    async for found in client.list(alias):
        matcher.add(found)
    chosen = matcher.settle()
    creates, updates, in_sync, cannot = [], [], [], []
    for index, promotion in enumerate(promotions):
        if index in matcher.blocked:
            continue
        # Planned one at a time, kept only as the promotion to send: a Plan's
        # field-by-field lines are not held for thousands of entries.
        plan = client.plan(promotion, alias)
        name = promotions[index].name
        if not plan.ok:
            cannot.append(CannotExpress(entry=index, name=name, problems=plan.problems))
            continue
        if index not in chosen:
            creates.append(ToCreate(entry=index, name=name, promotion=plan.promotion))
            continue
        by, found = chosen[index]
        found_id = found.id
        assert found_id is not None  # listed promotions always carry their id
        if found.unknown and manifest.supports("get"):
            found = await client.get(found_id, alias)
        changes, skipped = compare(plan.promotion, found, records.get(found_id))
        if not changes:
            in_sync.append(
                InSync(entry=index, name=name, id=found_id, matched_by=by, unknown=skipped)
            )
            continue
        can = manifest.supports("update")
        updates.append(
            ToUpdate(
                entry=index,
                name=name,
                id=found_id,
                matched_by=by,
                changes=tuple(changes),
                promotion=plan.promotion,
                possible=can,
                instead=None if can else _instead_of_update(manifest.operation_notes.get("update")),
                unknown=skipped,
            )
        )
    deletable = manifest.supports("delete")
    unmanaged = [
        Unmanaged(
            id=p.id or "",
            name=p.name,
            code=p.code if p.known("code") else None,
            status=p.status,
            possible=deletable,
            instead=None if deletable else manifest.operation_notes.get("delete"),
        )
        for p in matcher.unmanaged
    ]
    return TargetDiff(
        provider=alias,
        plugin=instance.plugin_name,
        target=target,
        create=tuple(creates),
        update=tuple(updates),
        in_sync=tuple(in_sync),
        unmanaged=tuple(unmanaged),
        cannot_express=tuple(cannot),
        conflicts=tuple(matcher.conflicts),
    )


def _instead_of_update(note: str | None) -> str:
    return (
        f"{note or 'the provider cannot update a promotion'}; or give the entry a new "
        "name and code in the file, so apply creates a new promotion (the old one then "
        "shows as unmanaged)"
    )


async def diff_promotions(
    client: Client, promotions: Sequence[Promotion], aliases: Sequence[str | None]
) -> Diff:
    """:func:`diff_target` for each alias, concurrently (``None``: the default alias)."""
    from promokit.workflows.apply import gather

    names = [client.provider(alias).alias for alias in aliases]
    targets = await gather([diff_target(client, promotions, alias) for alias in names])
    return Diff(promotions=tuple(promotions), targets=tuple(targets))
