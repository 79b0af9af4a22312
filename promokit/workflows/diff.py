"""The typed Diff between a promotions file and what each gateway holds, field by field."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import msgspec

from promokit.errors import InvalidInput, Problem
from promokit.http import codec
from promokit.model import Promotion
from promokit.model.capabilities import FIELDS

MatchedBy = Literal["ledger", "code", "name"]
ConflictKind = Literal["ambiguous", "claimed_twice", "duplicate"]

COMPARED: tuple[str, ...] = tuple(field for field in FIELDS if "." not in field)
"""The neutral fields a diff compares (every writable field; read-only ones never)."""


class FieldChange(msgspec.Struct, frozen=True, kw_only=True):
    """One field that differs: ``old`` on the gateway, ``new`` in the file.

    ``drifted`` is true when the gateway's value is not what promokit last applied
    there (``applied``): someone changed it on the gateway since.
    """

    field: str
    old: Any
    new: Any
    drifted: bool = False
    applied: Any = None


class ToCreate(msgspec.Struct, frozen=True, kw_only=True):
    """A file entry no gateway promotion matches: apply creates it."""

    entry: int
    name: str
    promotion: Promotion


class ToUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """A file entry matched to gateway promotion ``id`` whose fields differ.

    ``possible`` is false when the provider cannot update; ``instead`` then says what
    the merchant can do. ``promotion`` is the desired state (planned for the target).
    """

    entry: int
    name: str
    id: str
    matched_by: MatchedBy
    changes: tuple[FieldChange, ...]
    promotion: Promotion
    possible: bool = True
    instead: str | None = None
    unknown: tuple[str, ...] = ()


class InSync(msgspec.Struct, frozen=True, kw_only=True):
    """A file entry whose gateway promotion matches it (``unknown`` fields not compared)."""

    entry: int
    name: str
    id: str
    matched_by: MatchedBy
    unknown: tuple[str, ...] = ()


class Unmanaged(msgspec.Struct, frozen=True, kw_only=True):
    """A gateway promotion no file entry claims; ``apply --prune`` deletes it if it can."""

    id: str
    name: str
    code: str | None = None
    status: str | None = None
    possible: bool = True
    instead: str | None = None


class CannotExpress(msgspec.Struct, frozen=True, kw_only=True):
    """A file entry the target cannot express (its plan's problems); never sent."""

    entry: int
    name: str
    problems: tuple[Problem, ...]


class MatchConflict(msgspec.Struct, frozen=True, kw_only=True):
    """File entries and gateway promotions that cannot be paired unambiguously.

    ``ambiguous``: one entry matches several gateway promotions; ``claimed_twice``:
    several entries match one gateway promotion; ``duplicate``: entries share a code
    or name. Nothing is sent for the entries named.
    """

    kind: ConflictKind
    entries: tuple[int, ...]
    names: tuple[str, ...]
    ids: tuple[str, ...]
    message: str


class TargetDiff(msgspec.Struct, frozen=True, kw_only=True):
    """What it takes to bring one target (config alias) in step with the file."""

    provider: str
    plugin: str
    target: str
    create: tuple[ToCreate, ...] = ()
    update: tuple[ToUpdate, ...] = ()
    in_sync: tuple[InSync, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = ()
    cannot_express: tuple[CannotExpress, ...] = ()
    conflicts: tuple[MatchConflict, ...] = ()

    @property
    def drifted(self) -> tuple[ToUpdate, ...]:
        """Updates with at least one field changed on the gateway since the last apply."""
        return tuple(u for u in self.update if any(c.drifted for c in u.changes))

    @property
    def changes(self) -> int:
        """How many promotions apply would create or update here."""
        return len(self.create) + len(self.update)

    @property
    def problems(self) -> int:
        """Entries that cannot be applied here as the file says (plan problems, conflicts)."""
        return len(self.cannot_express) + len(self.conflicts)


class Diff(msgspec.Struct, frozen=True, kw_only=True):
    """The difference between ``promotions`` (the desired state) and each target.

    ``source`` names the file, ``digest`` is its content hash (apply refuses a file
    edited since), both ``None`` for promotions passed in from Python.
    """

    promotions: tuple[Promotion, ...]
    targets: tuple[TargetDiff, ...]
    source: str | None = None
    digest: str | None = None

    @property
    def changes(self) -> int:
        """Creates plus updates on every target."""
        return sum(target.changes for target in self.targets)

    @property
    def problems(self) -> int:
        """Entries that cannot be applied as the file says, on every target."""
        return sum(target.problems for target in self.targets)

    @property
    def in_sync(self) -> bool:
        """True when no target needs a change and nothing stands in the way."""
        return self.changes == 0 and self.problems == 0

    def target(self, provider: str) -> TargetDiff:
        """The part of this diff for alias ``provider``."""
        for target in self.targets:
            if target.provider == provider:
                return target
        raise InvalidInput(
            f"this diff has no target {provider!r}",
            problems=[Problem("provider", f"one of {[t.provider for t in self.targets]}")],
        )


def normalised(value: Any) -> Any:
    """A value in the form two reads of the same fact compare equal in.

    Datetimes at millisecond UTC (what providers keep); unordered collections of
    ids sorted; numbers as Decimal; Structs as dicts of their normalised fields.
    """
    if isinstance(value, datetime):
        utc = codec.as_utc(value)
        assert utc is not None
        return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    if isinstance(value, msgspec.Struct):
        fields = {name: normalised(getattr(value, name)) for name in value.__struct_fields__}
        tag = type(value).__struct_config__.tag
        return {"_kind": tag, **fields} if tag is not None else fields
    if isinstance(value, tuple | list):
        items = [normalised(item) for item in value]
        if all(isinstance(item, str) for item in items):
            return tuple(sorted(items))
        return tuple(items)
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(value)
    return value


def shown(value: Any) -> Any:
    """A field value as JSON builtins, for reports and ``--json``."""
    return codec.to_builtins(value)


def compare(
    desired: Promotion, found: Promotion, applied: Promotion | None
) -> tuple[list[FieldChange], tuple[str, ...]]:
    """The fields where ``found`` (on the gateway) differs from ``desired`` (the file).

    A field the gateway did not report (``found.unknown``, or a ``code`` it read as
    none) is never a change, nor is ``code`` when the file leaves it to the
    provider, nor an extension key the file does not set (providers keep read-only
    extras there). Returns the changes and the fields skipped as unknown.
    """
    changes: list[FieldChange] = []
    unread = {name.partition(".")[0] for name in found.unknown}
    if found.code is None:
        # Every promotion is redeemed by a code: one read without any was not
        # reported (some gateways' reads do not echo it), never removed.
        unread.add("code")
    skipped = tuple(name for name in COMPARED if name in unread)
    for name in COMPARED:
        if name in unread:
            continue
        new = getattr(desired, name)
        old = getattr(found, name)
        if new == old or (name == "code" and new is None):
            continue  # the common case, at C speed: equal without normalising
        if name == "extensions":
            old = _set_by(new, old)
        if normalised(codec.at_precision_of(old, new)) == normalised(old):
            continue
        drifted = False
        before: Any = None
        if applied is not None and applied.known(name):
            before = getattr(applied, name)
            if name == "extensions":
                before = _set_by(new, before)
            drifted = normalised(before) != normalised(old)
        changes.append(
            FieldChange(
                field=name,
                old=shown(old),
                new=shown(new),
                drifted=drifted,
                applied=shown(before) if drifted else None,
            )
        )
    return changes, skipped


def _set_by(wanted: dict[str, dict[str, Any]], held: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``held`` cut down to the plugins and keys ``wanted`` sets."""
    return {
        plugin: {key: held.get(plugin, {}).get(key) for key in fields}
        for plugin, fields in wanted.items()
    }
