"""Carrying out a Diff: create, update, prune per target, exactly once, with a typed report."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar

import msgspec

from promokit.errors import (
    InvalidInput,
    LedgerError,
    Outcome,
    Problem,
    PromokitError,
    StaleRecord,
    plural,
)
from promokit.ledger import baseline
from promokit.ledger.fingerprints import fingerprint
from promokit.model import Promotion
from promokit.workflows.diff import Diff, TargetDiff, ToCreate, ToUpdate, Unmanaged

if TYPE_CHECKING:
    from promokit.client import Client

T = TypeVar("T")
Action = Literal[
    "created", "already_created", "updated", "deleted", "impossible", "refused", "failed"
]
ApplyProgress = Callable[[str, int, int], None]
"""``on_progress(alias, done, total)`` after each promotion apply handles."""


class StalePlan(InvalidInput):
    """The gateway (or the file) changed between diff and apply; nothing was sent.

    ``problems`` names each target and entry whose plan no longer holds. Diff again,
    or apply with ``force=True`` to carry out what a fresh read says instead.
    """


class Applied(msgspec.Struct, frozen=True, kw_only=True):
    """What apply did about one file entry or unmanaged promotion on one target.

    ``impossible`` and ``refused`` sent nothing: ``detail`` says why and what to do.
    ``failed`` carries the typed error's name, message and truthful ``outcome``.
    """

    action: Action
    name: str
    entry: int | None = None
    id: str | None = None
    detail: str | None = None
    error: str | None = None
    outcome: Outcome | None = None


class TargetReport(msgspec.Struct, frozen=True, kw_only=True):
    """Everything apply did on one target; ``stale`` when it ran on a fresh read."""

    provider: str
    items: tuple[Applied, ...]
    stale: bool = False

    def count(self, *actions: Action) -> int:
        """How many items ended in any of ``actions``."""
        return sum(1 for item in self.items if item.action in actions)

    @property
    def ok(self) -> bool:
        """True when nothing failed and nothing was refused or impossible."""
        return self.count("failed", "refused", "impossible") == 0


class ApplyReport(msgspec.Struct, frozen=True, kw_only=True):
    """A :class:`TargetReport` per target of the diff."""

    targets: tuple[TargetReport, ...]

    @property
    def ok(self) -> bool:
        """True when every target is in step with the file."""
        return all(target.ok for target in self.targets)


async def gather(calls: Sequence[Awaitable[T]]) -> list[T]:
    """Run ``calls`` together; let each finish, then raise the first failure."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


def _essence(target: TargetDiff) -> dict[tuple[str, str], bytes]:
    """Each planned action as comparable bytes, keyed by entry (or gateway id)."""
    items: dict[tuple[str, str], bytes] = {}
    encode = msgspec.json.Encoder(enc_hook=lambda problem: str(problem)).encode
    for group in (target.create, target.update, target.in_sync, target.cannot_express):
        for item in group:
            items["entry", item.name] = type(item).__name__.encode() + encode(item)
    for conflict in target.conflicts:
        for name in conflict.names:
            items["entry", name] = encode(conflict)
    for unmanaged in target.unmanaged:
        items["id", unmanaged.id] = encode(unmanaged)
    return items


def stale_problems(planned: TargetDiff, fresh: TargetDiff) -> list[Problem]:
    """One problem per entry (or unmanaged id) whose plan differs on a fresh read."""
    before, after = _essence(planned), _essence(fresh)
    return [
        Problem(f"{planned.provider}: {kind} {name!r}", "changed since the diff")
        for kind, name in sorted(before.keys() | after.keys())
        if before.get((kind, name)) != after.get((kind, name))
    ]


async def apply_diff(
    client: Client,
    diff: Diff,
    *,
    prune: bool = False,
    force: bool = False,
    concurrency: int = 4,
    on_progress: ApplyProgress | None = None,
) -> ApplyReport:
    """Re-read every target, refuse a stale plan (unless ``force``), then converge."""
    from promokit.workflows.converge import diff_target

    fresh = await gather([diff_target(client, diff.promotions, t.provider) for t in diff.targets])
    problems = [
        p for old, new in zip(diff.targets, fresh, strict=True) for p in stale_problems(old, new)
    ]
    if problems and not force:
        raise StalePlan(
            f"{plural(len(problems), 'planned change')} no longer hold: the gateway changed since "
            "the diff; nothing was sent — diff again, or apply with force to act on "
            "what the gateway holds now",
            operation="apply",
            problems=problems,
        )
    stale = {
        old.provider
        for old, new in zip(diff.targets, fresh, strict=True)
        if stale_problems(old, new)
    }
    runs = [
        _converge(
            client,
            target,
            prune=prune,
            stale=target.provider in stale,
            concurrency=concurrency,
            on_progress=on_progress,
        )
        for target in fresh
    ]
    return ApplyReport(targets=tuple(await gather(runs)))


async def _converge(
    client: Client,
    target: TargetDiff,
    *,
    prune: bool,
    stale: bool,
    concurrency: int,
    on_progress: ApplyProgress | None,
) -> TargetReport:
    alias = target.provider
    items: list[Applied] = []
    for cannot in target.cannot_express:
        items.append(
            Applied(
                action="refused",
                name=cannot.name,
                entry=cannot.entry,
                detail="; ".join(map(str, cannot.problems)),
            )
        )
    for conflict in target.conflicts:
        for entry, name in zip(conflict.entries, conflict.names, strict=True):
            items.append(Applied(action="refused", name=name, entry=entry, detail=conflict.message))
    work: list[Callable[[], Awaitable[Applied]]] = []
    for create in target.create:
        work.append(lambda c=create: _create(client, alias, target.target, c))  # type: ignore[misc]
    for update in target.update:
        work.append(lambda u=update: _update(client, alias, target.target, u))  # type: ignore[misc]
    if prune:
        for unmanaged in target.unmanaged:
            work.append(lambda u=unmanaged: _delete(client, alias, target.target, u))  # type: ignore[misc]
    gate = asyncio.Semaphore(max(1, concurrency))
    done = 0

    async def run(step: Callable[[], Awaitable[Applied]]) -> Applied:
        nonlocal done
        async with gate:
            result = await step()
        done += 1
        if on_progress is not None:
            on_progress(alias, done, len(work))
        return result

    items += await asyncio.gather(*(run(step) for step in work))
    return TargetReport(provider=alias, items=tuple(items), stale=stale)


def _failed(name: str, entry: int | None, item_id: str | None, error: PromokitError) -> Applied:
    return Applied(
        action="failed",
        name=name,
        entry=entry,
        id=item_id,
        detail=str(error),
        error=type(error).__name__,
        outcome=error.outcome,
    )


async def _create(client: Client, alias: str, target: str, item: ToCreate) -> Applied:
    # Keyed by what is asked for: a re-run after a crash finds the same key in the
    # ledger (done: answered from it; pending: looked up before any resend).
    key = f"apply:{alias}:{fingerprint(item.promotion)}"
    try:
        try:
            created = await client.create(item.promotion, alias, idempotency_key=key)
        except StaleRecord:
            # The gateway no longer has what this key created (deleted by hand): the
            # diff saw it missing, so creating it again is what the file asks for.
            await client.forget(key, alias)
            created = await client.create(item.promotion, alias, idempotency_key=key)
    except PromokitError as error:
        return _failed(item.name, item.entry, None, error)
    action: Action = "already_created" if created.already_created else "created"
    done = Applied(action=action, name=item.name, entry=item.entry, id=created.id)
    try:
        await _remember(client, alias, target, item.promotion, created.id)
    except LedgerError as error:
        return _unrecorded(done, error)
    return done


async def _update(client: Client, alias: str, target: str, item: ToUpdate) -> Applied:
    if not item.possible:
        fields = ", ".join(change.field for change in item.changes)
        return Applied(
            action="impossible",
            name=item.name,
            entry=item.entry,
            id=item.id,
            detail=f"{fields} differ but {item.instead}",
        )
    try:
        await client.update(item.id, item.promotion, alias)
    except PromokitError as error:
        return _failed(item.name, item.entry, item.id, error)
    done = Applied(action="updated", name=item.name, entry=item.entry, id=item.id)
    try:
        await _remember(client, alias, target, item.promotion, item.id)
    except LedgerError as error:
        return _unrecorded(done, error)
    return done


async def _delete(client: Client, alias: str, target: str, item: Unmanaged) -> Applied:
    if not item.possible:
        return Applied(action="impossible", name=item.name, id=item.id, detail=item.instead)
    try:
        await client.delete(item.id, alias)
    except PromokitError as error:
        return _failed(item.name, None, item.id, error)
    done = Applied(action="deleted", name=item.name, id=item.id)
    try:
        await baseline.drop(client.ledger, target=target, provider_id=item.id)
    except LedgerError as error:
        return _unrecorded(done, error)
    return done


def _unrecorded(done: Applied, error: LedgerError) -> Applied:
    """The gateway did ``done``; only the ledger's record of it failed (said, not hidden)."""
    return msgspec.structs.replace(
        done,
        detail=f"done on the gateway, but the ledger could not record it ({error.message}); "
        "the next apply reconciles it",
        error=type(error).__name__,
    )


async def _remember(
    client: Client, alias: str, target: str, promotion: Promotion, provider_id: str | None
) -> None:
    if provider_id is not None:
        applied = msgspec.structs.replace(promotion, id=provider_id)
        await baseline.record(client.ledger, target=target, alias=alias, promotion=applied)
