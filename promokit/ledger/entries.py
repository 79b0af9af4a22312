"""A write's record in the ledger, and the claim rule every store applies to it."""

from __future__ import annotations

from typing import Literal

import msgspec

EntryState = Literal["pending", "done", "failed"]


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One write intent and, once known, its outcome, owned by one worker at a time.

    ``target`` is the gateway account the write went to (see :mod:`promokit.ledger.targets`);
    ``provider`` is the alias it was made through, kept for people. ``owner`` holds the
    lease until ``lease_until`` (renewed while it works); ``settles_at`` is when a
    request it sent can no longer be processed by the gateway (its deadline plus the
    provider's settle margin). Both are wall-clock seconds of the store's clock.
    """

    key: str
    target: str = ""
    provider: str
    operation: str
    state: EntryState
    fingerprint: str
    natural_key: str | None = None
    request: bytes = b""
    result: bytes | None = None
    provider_id: str | None = None
    error: str | None = None
    owner: str | None = None
    lease_until: float = 0.0
    settles_at: float = 0.0
    created_at: float = 0.0
    updated_at: float = 0.0

    def free_at(self) -> float:
        """When another worker may take this pending write over."""
        return max(self.lease_until, self.settles_at)


COLUMNS = (
    "target",
    "key",
    *(name for name in Entry.__struct_fields__ if name not in ("target", "key")),
)
"""An entry's fields in the order both stores keep them as table columns (the v1
migration copies rows by this order)."""


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    """What :meth:`LedgerStore.claim` found: the stored entry and whether we now own it.

    ``took_over`` is true when the entry was pending under an owner whose lease ran
    out after its request settled: its outcome is unknown and must be looked up.
    """

    entry: Entry
    owned: bool
    took_over: bool = False


def decide(stored: Entry | None, entry: Entry, *, now: float, lease_for: float) -> Claim:
    """The claim rules every store applies inside its transaction (see ``claim``).

    The returned entry is what the store must write when ``owned`` (insert when
    ``stored`` is None, else update), or what it found when not.
    """
    mine = msgspec.structs.replace(
        entry, state="pending", lease_until=now + lease_for, settles_at=0.0, updated_at=now
    )
    if stored is None:
        return Claim(entry=msgspec.structs.replace(mine, created_at=now), owned=True)
    if stored.state == "done":
        return Claim(entry=stored, owned=False)
    took_over = stored.state == "pending"
    # Our own lease never blocks us; a request's settle time blocks everyone.
    busy_until = stored.settles_at if stored.owner == entry.owner else stored.free_at()
    if took_over and busy_until > now:
        return Claim(entry=stored, owned=False)
    # A pending entry keeps its settle time: the old request may still be processed
    # until then, and whoever holds the key now must not resend before it.
    claimed = msgspec.structs.replace(
        mine, created_at=stored.created_at, settles_at=stored.settles_at if took_over else 0.0
    )
    return Claim(entry=claimed, owned=True, took_over=took_over)
