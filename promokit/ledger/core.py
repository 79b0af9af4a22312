"""The write ledger: intents owned under leases, outcomes, per target, so creates happen once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import msgspec

from promokit.errors import LedgerError, WriteInProgress
from promokit.http.call_deadline import CALL_DEADLINE
from promokit.ledger.entries import Claim, Entry, EntryState
from promokit.ledger.store import LedgerStore

T = TypeVar("T")

LEASE_TTL = 3.0
"""Seconds a lease lives unless its owner renews it; the owner renews every third of it."""

DEFAULT_STORE_TIMEOUT = 30.0
"""How long a store call may wait (a locked SQLite file) when the call has no deadline."""


def is_url(location: str) -> bool:
    """Whether ``location`` names a PostgreSQL ledger rather than a SQLite file."""
    return location.startswith(("postgresql://", "postgres://"))


def owner_id() -> str:
    """``host:pid:random``: who holds a lease, readable in :class:`WriteInProgress`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def call_budget(default: float = DEFAULT_STORE_TIMEOUT) -> float:
    """Seconds left of the current call's deadline (``default`` without one), never < 0."""
    when = CALL_DEADLINE.get()
    if when is None:
        return default
    return max(0.0, when - asyncio.get_running_loop().time())


class Ledger:
    """Async facade over a :class:`LedgerStore`: store calls run off the event loop,
    each bounded by the call's deadline, and write ownership is leased.
    """

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        self._owner = owner_id()
        self._pid = os.getpid()
        self._opened = False
        self._secret: bytes | None = None
        self._held: dict[tuple[str, str], int] = {}
        """Keys a task of this process is working on (see :meth:`holding`)."""
        self._lost: set[tuple[str, str]] = set()
        self._version_now: Callable[[str], int | None] | None = getattr(
            store, "codes_version_now", None
        )

    @classmethod
    def memory(cls) -> Ledger:
        """A ledger that lives and dies with this process: the explicit choice for
        tests and one-off scripts (``Client(config, ledger=Ledger.memory())``).

        Its records vanish with the process, so a retry from another process creates
        again; a dict config without ``ledger`` refuses creates on a gateway rather
        than fall back to one silently. The caller closes it (:meth:`close`).
        """
        from promokit.ledger.sqlite import SqliteLedgerStore

        return cls(SqliteLedgerStore(":memory:"))

    @classmethod
    def at(cls, location: str | Path) -> Ledger:
        """The ledger at ``location``: a ``postgresql://`` URL, else a SQLite file path."""
        text = str(location)
        if is_url(text):
            from promokit.ledger.postgres import PostgresLedgerStore

            return cls(PostgresLedgerStore(text))
        from promokit.ledger.sqlite import SqliteLedgerStore

        return cls(SqliteLedgerStore(text))

    def __repr__(self) -> str:
        return f"Ledger({self.store.name})"

    @property
    def owner(self) -> str:
        """This process's lease owner id (a forked child gets its own)."""
        if os.getpid() != self._pid:
            self._owner, self._pid = owner_id(), os.getpid()
        return self._owner

    async def _call(
        self,
        call: Callable[..., T],
        *args: object,
        after_write: bool = False,
        **kwargs: object,
    ) -> T:
        """Run one store call in a thread within the call's deadline.

        ``after_write``: the call records what a gateway request already did, so a
        failure says so (outcome ``unknown``), never "nothing was sent".
        """
        budget = call_budget()
        try:
            async with asyncio.timeout(budget + 0.25):
                if not self._opened:
                    await asyncio.to_thread(self.store.open, timeout=budget)
                    self._opened = True
                return await asyncio.to_thread(call, *args, timeout=budget, **kwargs)
        except TimeoutError:
            error = LedgerError(
                f"the ledger ({self.store.name}) did not answer within {budget:.1f}s; "
                "nothing was sent",
                store=self.store.name,
            )
            if after_write:
                raise unrecorded(error) from None
            raise error from None
        except LedgerError as error:
            if after_write:
                raise unrecorded(error) from error
            raise

    async def open(self) -> None:
        """Connect and check the schema now (otherwise done by the first call)."""
        if not self._opened:
            await self._call(lambda *, timeout: None)

    async def secret(self) -> bytes:
        """The ledger's key for account fingerprints."""
        if self._secret is None:
            self._secret = await self._call(self.store.secret)
        return self._secret

    async def get(self, key: str, *, target: str = "") -> Entry | None:
        """The entry under ``key`` for ``target``, if any."""
        return await self._call(self.store.get, target, key)

    async def claim(self, entry: Entry) -> Claim:
        """Try to own ``entry``'s key (see :meth:`LedgerStore.claim`).

        A key another task of this process is working on is not ours to take, even
        though the lease names this process: the stored entry is returned, not owned.
        """
        if (entry.target, entry.key) in self._held:
            stored = await self._call(self.store.get, entry.target, entry.key)
            if stored is not None:
                return Claim(entry=stored, owned=False)
        owned = msgspec.structs.replace(entry, owner=self.owner, state="pending")
        return await self._call(self.store.claim, owned, lease_for=LEASE_TTL)

    async def wait_for(self, entry: Entry, *, patience: float) -> Claim:
        """Wait, within ``patience`` seconds, for another owner's write to end, then claim.

        Returns once the entry is done or failed, or ours (taken over); raises
        :class:`WriteInProgress` naming the holder and until when if it is still held.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + patience
        pause = 0.02
        while True:
            claim = await self.claim(entry)
            if claim.owned or claim.entry.state != "pending":
                return claim
            held = claim.entry
            now = time.time()
            left = give_up - loop.time()
            if left <= 0:
                raise WriteInProgress(
                    f"{held.natural_key or held.key!r} is being written by {held.owner} "
                    f"(lease until {_clock(held.lease_until)}, free for takeover at "
                    f"{_clock(held.free_at())}); nothing was sent — call again later",
                    provider=held.provider,
                    operation=held.operation,
                    idempotency_key=held.key,
                    holder=held.owner,
                    until=held.free_at(),
                )
            # Poll: a done write shows up within ``pause``; a dead owner's lease at free_at.
            await asyncio.sleep(min(pause, left, max(0.005, held.free_at() - now)))
            pause = min(pause * 2, 0.25)

    @contextlib.asynccontextmanager
    async def holding(self, target: str, key: str) -> AsyncIterator[None]:
        """Renew our lease on ``key`` in the background while the block runs.

        While the block runs, no other task of this process may claim ``key``
        (:meth:`claim` answers "held"): our own lease never lets a concurrent
        ``reconcile`` in this process decide an entry a create is still working on.
        A renewal the store refuses (another worker took the lease over) or that
        fails for longer than a lease lives marks the lease lost: :meth:`sending`
        then refuses, so nothing is sent without the lease.
        """
        held = (target, key)
        self._held[held] = self._held.get(held, 0) + 1
        self._lost.discard(held)

        async def heartbeat() -> None:
            renewed = time.monotonic()
            while True:
                await asyncio.sleep(LEASE_TTL / 3)
                try:
                    kept = await asyncio.to_thread(
                        self.store.renew,
                        target,
                        key,
                        self.owner,
                        lease_for=LEASE_TTL,
                        settle_for=None,
                        timeout=LEASE_TTL / 3,
                    )
                except LedgerError:
                    # Unreachable for longer than a lease lives: it may be someone's now.
                    kept = time.monotonic() - renewed < LEASE_TTL
                else:
                    renewed = time.monotonic()
                if not kept:
                    self._lost.add(held)
                    return

        task = asyncio.get_running_loop().create_task(heartbeat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._held[held] -= 1
            if not self._held[held]:
                del self._held[held]
                self._lost.discard(held)

    def lost(self, target: str, key: str) -> bool:
        """Whether the heartbeat found our lease on ``key`` gone (see :meth:`holding`)."""
        return (target, key) in self._lost

    async def sending(self, target: str, key: str, *, settle_for: float) -> bool:
        """Record, before a request leaves, that it may be processed for ``settle_for`` s.

        False when the lease is no longer ours (taken over while we were stopped or
        slow): the caller must not send.
        """
        if self.lost(target, key):
            return False
        return await self._call(
            self.store.renew,
            target,
            key,
            self.owner,
            lease_for=LEASE_TTL,
            settle_for=settle_for,
        )

    async def abandon(self, target: str, key: str, *, settle_for: float) -> None:
        """We stop working on a pending write whose outcome is unknown (see ``settle``)."""
        await self._call(self.store.settle, target, key, self.owner, settle_for=settle_for)

    def abandon_soon(self, target: str, key: str, *, settle_for: float) -> None:
        """:meth:`abandon` from a cancelled task: best effort, in a thread of its own."""

        def run() -> None:
            with contextlib.suppress(LedgerError):
                self.store.settle(
                    target, key, self.owner, settle_for=settle_for, timeout=LEASE_TTL / 3
                )

        threading.Thread(target=run, name="promokit-ledger-abandon", daemon=True).start()

    async def done(self, key: str, result: bytes, provider_id: str | None, *, target: str) -> bool:
        """Record success and the provider's id; False if our lease was lost meanwhile."""
        return await self._call(
            self.store.finish,
            target,
            key,
            self.owner,
            after_write=True,
            state="done",
            result=result,
            provider_id=provider_id,
            error=None,
        )

    async def failed(self, key: str, error: str, *, target: str) -> bool:
        """Record a definite failure (the write did not happen); never over a success."""
        return await self._call(
            self.store.finish,
            target,
            key,
            self.owner,
            after_write=True,
            state="failed",
            result=None,
            provider_id=None,
            error=error,
        )

    async def entries(
        self,
        *,
        target: str | None = None,
        state: EntryState | None = None,
        prefix: str | None = None,
    ) -> list[Entry]:
        """Entries, oldest first."""
        return await self._call(self.store.entries, target=target, state=state, prefix=prefix)

    async def release(self, target: str, provider_id: str) -> int:
        """Forget writes that produced ``provider_id``, after it was deleted."""
        return await self._call(self.store.release, target, provider_id, after_write=True)

    async def forget(self, key: str, *, target: str) -> bool:
        """Drop the record under ``key`` so it can be created again."""
        return await self._call(self.store.forget, target, key)

    async def take_slot(
        self, target: str, *, rate: int, hold_for: float
    ) -> tuple[str | None, float]:
        """A place in ``target``'s shared rate window (see :meth:`LedgerStore.take_slot`)."""
        return await self._call(self.store.take_slot, target, rate=rate, hold_for=hold_for)

    async def free_slot(self, target: str, slot: str, *, period: float) -> None:
        """The send holding ``slot`` ended."""
        await self._call(self.store.free_slot, target, slot, period=period)

    async def remember_code(self, target: str, code: str, promo_id: str) -> None:
        """Record ``code`` as ``promo_id``'s code on ``target``."""
        await self._call(self.store.remember_code, target, code, promo_id, after_write=True)

    async def forget_codes(self, target: str, promo_id: str) -> None:
        """Drop ``promo_id``'s code on ``target``."""
        await self._call(self.store.forget_codes, target, promo_id, after_write=True)

    async def codes(
        self, target: str, *, code: str | None = None, promo_id: str | None = None
    ) -> dict[str, str]:
        """``target``'s codes, each mapped to its promo id (filtered as the store's)."""
        return await self._call(self.store.codes, target, code=code, promo_id=promo_id)

    async def codes_version(self, target: str) -> int:
        """What :meth:`LedgerStore.codes_version` says, asked without a worker thread
        when the store can answer at once (SQLite: a read of its open file)."""
        version = self.codes_version_now(target)
        if version is not None:
            return version
        return await self._call(self.store.codes_version, target)

    def codes_version_now(self, target: str) -> int | None:
        """:meth:`codes_version` if the store can answer without waiting, else ``None``."""
        if self._opened and self._version_now is not None:
            return self._version_now(target)
        return None

    def close(self) -> None:
        """Close the store."""
        self.store.close()


def unrecorded(error: LedgerError) -> LedgerError:
    """``error`` as met after a gateway request: the write may be done, the ledger does
    not say so (outcome ``unknown``); a retry reconciles it."""
    if error.outcome == "unknown":
        return error
    reason = error.message.replace("; nothing was sent", "")
    return LedgerError(
        f"the request reached the gateway, but the ledger could not record what it did: "
        f"{reason}; the write may be done — retry to reconcile it",
        store=getattr(error, "store", None),
        outcome="unknown",
    )


def _clock(moment: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 10)} UTC"
