"""Move every promotion from one provider to another, planned field by field, resumable."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from promokit.errors import InvalidInput, InvalidPromotion, Problem, PromokitError
from promokit.http import codec
from promokit.model import READ_ONLY, Promotion
from promokit.model.capabilities import Policy

if TYPE_CHECKING:
    from promokit.client import Client

ItemStatus = Literal["migrated", "already_migrated", "planned", "skipped", "failed"]


class MigrationItem(msgspec.Struct, frozen=True, kw_only=True):
    """The fate of one source promotion."""

    source_id: str | None
    name: str
    status: ItemStatus
    target_id: str | None = None
    dropped: tuple[str, ...] = ()
    filled: tuple[str, ...] = ()
    reasons: tuple[Problem, ...] = ()
    error: str | None = None


class MigrationReport(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a migration did or would do."""

    source: str
    target: str
    dry_run: bool
    policy: Policy
    items: tuple[MigrationItem, ...]

    def count(self, *statuses: ItemStatus) -> int:
        """How many items ended in any of ``statuses``."""
        return sum(1 for item in self.items if item.status in statuses)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return self.count("failed") == 0


def migration_key(source: str, source_id: str, target: str) -> str:
    """The idempotency key of one migrated promotion: re-runs never duplicate it."""
    return f"migrate:{source}:{source_id}->{target}"


def check_fill(fill: Mapping[str, Any]) -> None:
    """Refuse, before anything is read, a fill naming no field or holding a wrong value.

    Values are in file/JSON form (``{"type": "card", "banks": ["BCA"]}``); every
    problem is reported at once.
    """
    from promokit.errors import plural
    from promokit.workflows.checking import near_miss, value_problems

    fields = {field.encode_name: field.type for field in msgspec.structs.fields(Promotion)}
    writable = [name for name in fields if name not in _READ_ONLY]
    problems: list[Problem] = []
    for name, value in fill.items():
        if name not in writable:
            problems.append(
                Problem(f"--fill {name}", "not a promotion field" + near_miss(name, writable))
            )
            continue
        found = value_problems(value, fields[name], f"--fill {name}", dec_hook=codec.dec_hook)
        problems.extend(found)
    if problems:
        raise InvalidInput(
            f"--fill: {plural(len(problems), 'problem')}; nothing was read or sent",
            problems=problems,
        )


_READ_ONLY = READ_ONLY | {"unknown", "already_created"}


def apply_fill(promotion: Promotion, fill: Mapping[str, Any]) -> tuple[Promotion, tuple[str, ...]]:
    """Set fields ``promotion`` leaves empty, or its source did not report, from ``fill``.

    Values are in file/JSON form; a filled field is no longer ``unknown``.
    """
    data: dict[str, Any] = codec.to_builtins(promotion)
    filled = []
    for field, value in fill.items():
        if field not in data or field == "unknown":
            raise InvalidInput(
                f"--fill names {field!r}, which is not a promotion field",
                problems=[Problem(field, "unknown field")],
            )
        if data[field] in (None, [], {}) or field in promotion.unknown:
            data[field] = value
            filled.append(field)
    data["unknown"] = [name for name in data["unknown"] if name not in filled]
    try:
        updated = msgspec.convert(data, Promotion, dec_hook=codec.dec_hook)
    except msgspec.ValidationError as exc:
        raise InvalidInput(f"--fill value does not fit: {exc}") from None
    except InvalidPromotion as exc:
        raise InvalidInput("--fill value does not fit", problems=exc.problems) from None
    return updated, tuple(filled)


async def migrate(
    client: Client,
    source: str,
    target: str,
    *,
    policy: Policy = "strict",
    dry_run: bool = False,
    fill: Mapping[str, Any] | None = None,
    include_expired: bool = False,
    on_item: Callable[[MigrationItem], None] | None = None,
    allow_unknown: bool = False,
    confirm: Callable[[Sequence[MigrationItem]], bool] | None = None,
) -> MigrationReport:
    """Read every promotion of ``source``, plan it for ``target``, and create it there.

    Each item is keyed in the ledger by source id and target, so re-running after an
    interruption skips what was already migrated. ``fill`` is checked first (see
    :func:`check_fill`), and a ``target`` equal to ``source`` is refused. Nothing the
    target cannot express is lost silently: such items are ``skipped`` with one reason
    per field (or, with ``policy="drop"``, created with the dropped fields listed). Nor
    is anything the source did not report (``Promotion.unknown``) sent as a fact: such
    items are ``skipped`` unless ``fill`` supplies the fields or ``allow_unknown`` is set.

    Every promotion is read and planned before any is created. ``confirm``, when
    given, then sees the items about to be created (status ``planned``, with what
    each drops) and returns whether to go on; if not, nothing is created and those
    items stay ``planned`` in the report.
    """
    if source == target:
        raise InvalidInput(
            f"--from and --to are both {source!r}: a migration needs two providers",
            problems=[Problem("target", "must differ from source")],
        )
    check_fill(fill or {})
    client.provider(target)  # an unknown target alias fails here, before anything is read
    source_provider = client.provider(source)
    slots: list[MigrationItem | _Pending] = []

    def record(item: MigrationItem) -> None:
        slots.append(item)
        if on_item is not None:
            on_item(item)

    async for listed in client.list(source):
        try:
            full = listed
            if listed.id is not None and source_provider.manifest.supports("get"):
                full = await client.get(listed.id, source)
            planned = _plan(
                client,
                target,
                full,
                policy=policy,
                dry_run=dry_run,
                fill=fill or {},
                include_expired=include_expired,
                allow_unknown=allow_unknown,
            )
        except PromokitError as error:
            planned = _failed(listed, error)
        if isinstance(planned, _Pending):
            slots.append(planned)
        else:
            record(planned)
    pending = [slot for slot in slots if isinstance(slot, _Pending)]
    if pending and confirm is not None and not confirm([slot.item for slot in pending]):
        items = [slot.item if isinstance(slot, _Pending) else slot for slot in slots]
        return MigrationReport(
            source=source, target=target, dry_run=dry_run, policy=policy, items=tuple(items)
        )
    for index, slot in enumerate(slots):
        if isinstance(slot, _Pending):
            try:
                done = await _create(
                    client,
                    source,
                    target,
                    slot,
                    policy=policy,
                    allow_unknown=allow_unknown,
                    allow_ended=include_expired,  # the caller asked for ended ones too
                )
            except PromokitError as error:
                done = _failed(slot.source, error)
            slots[index] = done
            if on_item is not None:
                on_item(done)
    items = [slot for slot in slots if isinstance(slot, MigrationItem)]
    return MigrationReport(
        source=source, target=target, dry_run=dry_run, policy=policy, items=tuple(items)
    )


class _Pending(msgspec.Struct, frozen=True, kw_only=True):
    """A promotion planned for the target and not yet created."""

    source: Promotion
    draft: Promotion
    item: MigrationItem


def _failed(promotion: Promotion, error: PromokitError) -> MigrationItem:
    return MigrationItem(
        source_id=promotion.id, name=promotion.name, status="failed", error=str(error)
    )


def _plan(
    client: Client,
    target: str,
    promotion: Promotion,
    *,
    policy: Policy,
    dry_run: bool,
    fill: Mapping[str, Any],
    include_expired: bool,
    allow_unknown: bool,
) -> MigrationItem | _Pending:
    base = MigrationItem(source_id=promotion.id, name=promotion.name, status="failed")
    if promotion.status == "expired" and not include_expired:
        return msgspec.structs.replace(
            base, status="skipped", reasons=(Problem("status", "expired at the source"),)
        )
    draft, filled = apply_fill(promotion.draft(), fill)
    plan = client.plan(draft, target, policy=policy, allow_unknown=allow_unknown)
    if not plan.ok:
        return msgspec.structs.replace(base, status="skipped", filled=filled, reasons=plan.problems)
    planned = msgspec.structs.replace(base, status="planned", dropped=plan.dropped, filled=filled)
    if dry_run:
        return planned
    return _Pending(source=promotion, draft=draft, item=planned)


async def _create(
    client: Client,
    source: str,
    target: str,
    pending: _Pending,
    *,
    policy: Policy,
    allow_unknown: bool,
    allow_ended: bool,
) -> MigrationItem:
    promotion, item = pending.source, pending.item
    key = migration_key(source, promotion.id or promotion.name, target)
    created = await client.create(
        pending.draft,
        target,
        policy=policy,
        idempotency_key=key,
        allow_unknown=allow_unknown,
        allow_ended=allow_ended,
    )
    status: ItemStatus = "already_migrated" if created.already_created else "migrated"
    return msgspec.structs.replace(item, status=status, target_id=created.id)
