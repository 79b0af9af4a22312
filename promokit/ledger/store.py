"""The storage protocol a ledger runs on: SQLite on one host, PostgreSQL across many."""

from __future__ import annotations

from typing import Protocol

from promokit.ledger.entries import Claim, Entry, EntryState


class LedgerStore(Protocol):
    """The storage a :class:`Ledger` runs on: SQLite (one host) or PostgreSQL (many).

    Methods are synchronous and may block: :class:`Ledger` calls them off the event
    loop, each with ``timeout`` (seconds) it must answer within or raise
    :class:`~promokit.errors.LedgerError`. Times are seconds since the epoch on the one
    clock every sharer reads, so all agree on lease expiry: PostgreSQL's
    (``clock_timestamp()``, whatever the hosts' clocks say) or, for SQLite, which has
    no server, the one host's (``time.time()``). ``claim``
    must be atomic across processes (a transaction with a row lock or an immediate
    write lock).
    """

    name: str
    """The store for error messages: kind and location, never a password."""

    def open(self, *, timeout: float) -> None:
        """Connect and bring the schema up to date; idempotent."""
        ...

    def secret(self, *, timeout: float) -> bytes:
        """This ledger's random key for account fingerprints (made on first use)."""
        ...

    def get(self, target: str, key: str, *, timeout: float) -> Entry | None:
        """The entry recorded under ``(target, key)``."""
        ...

    def claim(self, entry: Entry, *, lease_for: float, timeout: float) -> Claim:
        """Own ``entry.key`` for ``entry.owner`` unless a live lease or an outcome holds it.

        Absent or ``failed``: recorded as pending, owned. ``pending`` whose settle
        time is past and whose lease is past or ours: taken over (``took_over``).
        Otherwise the stored entry is returned, not owned.
        """
        ...

    def renew(
        self,
        target: str,
        key: str,
        owner: str,
        *,
        lease_for: float,
        settle_for: float | None,
        timeout: float,
    ) -> bool:
        """Extend the lease (and push ``settles_at`` to ``settle_for`` from now); False if lost."""
        ...

    def settle(
        self, target: str, key: str, owner: str, *, settle_for: float, timeout: float
    ) -> bool:
        """Leave a pending write whose request ended unanswered: free the lease, and let
        others take over ``settle_for`` seconds from now (when the gateway is done)."""
        ...

    def finish(
        self,
        target: str,
        key: str,
        owner: str,
        *,
        state: EntryState,
        result: bytes | None,
        provider_id: str | None,
        error: str | None,
        timeout: float,
    ) -> bool:
        """Record the outcome, only while ``owner`` still holds the pending entry."""
        ...

    def entries(
        self,
        *,
        target: str | None = None,
        state: EntryState | None = None,
        prefix: str | None = None,
        timeout: float,
    ) -> list[Entry]:
        """Entries, oldest first, filtered by target, state and key prefix."""
        ...

    def release(self, target: str, provider_id: str, *, timeout: float) -> int:
        """Mark writes that produced ``provider_id`` as undone (it was deleted)."""
        ...

    def forget(self, target: str, key: str, *, timeout: float) -> bool:
        """Drop the record under ``key`` unless a live lease holds it."""
        ...

    def take_slot(
        self, target: str, *, rate: int, hold_for: float, timeout: float
    ) -> tuple[str | None, float]:
        """Take one of ``rate`` places in ``target``'s shared window, held ``hold_for`` s.

        Returns the place's id, or ``None`` and the seconds until one frees.
        """
        ...

    def free_slot(self, target: str, slot: str, *, period: float, timeout: float) -> None:
        """The send in ``slot`` ended: its place frees ``period`` seconds from now."""
        ...

    def remember_code(self, target: str, code: str, promo_id: str, *, timeout: float) -> None:
        """Record that ``promo_id`` on ``target`` carries ``code`` (its only code)."""
        ...

    def forget_codes(self, target: str, promo_id: str, *, timeout: float) -> None:
        """Drop the code recorded for ``promo_id`` (it was deleted)."""
        ...

    def codes(
        self,
        target: str,
        *,
        timeout: float,
        code: str | None = None,
        promo_id: str | None = None,
    ) -> dict[str, str]:
        """Codes recorded for ``target``, mapped to their promo ids: every one, or only
        ``code``'s, or only ``promo_id``'s (each an indexed lookup)."""
        ...

    def codes_version(self, target: str, *, timeout: float) -> int:
        """A number that changes whenever ``target``'s codes change, by any process
        (0 before the first); a store may also offer ``codes_version_now(target)``,
        the same without blocking, ``None`` when it would."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...
