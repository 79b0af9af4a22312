"""Exactly-once creates without provider idempotency: ledger, single-flight, reconciliation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import msgspec

from promokit.errors import (
    Conflict,
    InvalidInput,
    LedgerError,
    NotFound,
    OutcomeUnknown,
    PromokitError,
    StaleRecord,
    WriteInProgress,
)
from promokit.http.call_deadline import CALL_DEADLINE, deadline
from promokit.ledger.core import Ledger, call_budget
from promokit.ledger.entries import Entry
from promokit.ledger.fingerprints import (
    decode_promotion,
    differences,
    encode_promotion,
    fingerprint,
)
from promokit.ledger.intents import Write, WriteProvider, outcome_unknown
from promokit.model import Promotion

log = logging.getLogger("promokit.writes")


class _Flight:
    """A create in progress: what it writes, its task, how many callers await it."""

    __slots__ = ("callers", "digest", "ends", "task")

    def __init__(self, digest: str, task: asyncio.Task[Promotion], ends: float) -> None:
        self.digest = digest
        self.task = task
        self.ends = ends
        """The loop time by which the write ends (its deadline)."""
        self.callers = 0


class ExactlyOnce:
    """Runs creates so each logical create happens once, even across processes and crashes.

    * The intent is recorded in the ledger **before** the request, the outcome after,
      under the write's target (gateway account) and key.
    * One worker owns a key at a time, under a lease it renews while it works; others
      wait for its outcome within their deadline, or get :class:`WriteInProgress`. A
      dead owner's key is taken over only once its request can no longer be processed
      (its deadline plus the provider's ``settle_margin``), and is looked up first.
    * A key already ``done`` answers with the recorded promotion, ``already_created``,
      once a read by id shows the gateway still has it.
    * Concurrent creates of the same natural key in one process share one request.
    * An unknown outcome (timeout after send, dropped connection, 5xx, a crash) is
      never resent blindly: the promotion is looked up by its natural key first.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._inflight: dict[tuple[str, str], _Flight] = {}

    async def create(
        self,
        provider: WriteProvider,
        promotion: Promotion,
        *,
        key: str | None = None,
        target: str = "",
        patience: float | None = None,
    ) -> Promotion:
        """Create ``promotion`` (already planned) on ``provider`` exactly once.

        The whole create — the send, and the lookup that settles an unknown outcome
        — ends by the provider's ``timeout`` from now, or the caller's deadline if
        that is earlier (:func:`promokit.deadline`). ``patience`` is how long to
        wait for another worker holding the key (default: what is left of that).
        """
        digest = fingerprint(promotion)
        natural = provider.natural_key(promotion)
        key = key or f"create:{provider.alias}:{digest}"
        flight_key = (target, natural if natural is not None else key)
        flight = self._inflight.get(flight_key)
        if flight is not None:
            if flight.digest != digest:
                raise Conflict(
                    f"another create of {natural or key!r} with different fields is in progress",
                    provider=provider.alias,
                    operation="create",
                    outcome="not_sent",
                )
            return await self._join(flight, provider, key, natural)
        with deadline(provider.settings.timeout):
            # The write runs in a task of its own, which every caller awaits: one
            # caller's cancellation then never reaches the others (the task copies
            # this context, deadline included).
            task = asyncio.get_running_loop().create_task(
                self._create(Write(provider, promotion, key, natural, digest, target), patience)
            )
            ends = CALL_DEADLINE.get()
        assert ends is not None  # deadline() above set one, or an earlier one is in force
        flight = self._inflight[flight_key] = _Flight(digest, task, ends)

        def landed(_: object) -> None:
            if self._inflight.get(flight_key) is flight:
                del self._inflight[flight_key]

        task.add_done_callback(landed)
        return await self._join(flight, provider, key, natural)

    async def _join(
        self, flight: _Flight, provider: WriteProvider, key: str, natural: str | None
    ) -> Promotion:
        """Wait for ``flight`` until this caller's own deadline; cancel only this caller."""
        task = flight.task
        flight.callers += 1
        ends = CALL_DEADLINE.get()
        if ends is not None and ends >= flight.ends:
            ends = None  # the write itself ends by then
        try:
            left = None if ends is None else ends - asyncio.get_running_loop().time()
            async with asyncio.timeout(left):
                return await asyncio.shield(task)
        except TimeoutError:
            if task.done():
                return task.result()
            # The shared write outlives this caller's deadline: it goes on for the others.
            raise outcome_unknown(
                f"create of {natural or key!r} is still running for another caller past "
                f"this call's deadline; call client.reconcile({key!r}) later",
                provider=provider,
                key=key,
                natural=natural,
            ) from None
        except asyncio.CancelledError:
            if not task.done() and flight.callers == 1:
                # The last caller gave up: the write is cancelled with it, and has
                # finished unwinding (connection released, ledger written) when
                # the cancellation reaches the caller.
                task.cancel()
                await asyncio.wait([task])
            raise
        finally:
            flight.callers -= 1

    async def _create(self, write: Write, patience: float | None) -> Promotion:
        existing = await self.ledger.get(write.key, target=write.target)
        if existing is not None:
            self._same(write, existing)
            if existing.state == "done":
                return await self._recorded(write.provider, existing)
        claim = await self.ledger.claim(write.entry())
        if not claim.owned and claim.entry.state == "pending":
            self._same(write, claim.entry)
            if patience is None:
                patience = call_budget(write.provider.settings.timeout)
            claim = await self.ledger.wait_for(write.entry(), patience=patience)
        if not claim.owned:
            self._same(write, claim.entry)
            return await self._recorded(write.provider, claim.entry)
        async with self._owning(write):
            if claim.took_over:
                # An earlier owner (maybe a killed process) never recorded its outcome.
                found = await self._lookup(write, None)
                if found is not None:
                    return found
            return await self._send(write, resend=True, after_unknown=claim.took_over)

    @contextlib.asynccontextmanager
    async def _owning(self, write: Write) -> AsyncIterator[None]:
        """Hold the lease while the block runs; leave it settling if it ends unsettled.

        An unknown outcome (or a cancel) leaves the entry pending: others may take it
        over ``settle_margin`` seconds after our request ended, not before.
        """
        margin = write.provider.settings.settle_margin
        async with self.ledger.holding(write.target, write.key):
            try:
                yield
            except asyncio.CancelledError:
                self.ledger.abandon_soon(write.target, write.key, settle_for=margin)
                raise
            except PromokitError as error:
                if error.outcome == "unknown" and not isinstance(error, LedgerError):
                    with contextlib.suppress(LedgerError):
                        await self.ledger.abandon(write.target, write.key, settle_for=margin)
                raise

    @staticmethod
    def _same(write: Write, entry: Entry) -> None:
        if entry.fingerprint != write.digest:
            raise Conflict(
                f"idempotency key {write.key!r} was used for a different promotion",
                provider=write.provider.alias,
                operation="create",
                outcome="not_sent",
            )

    async def _recorded(self, provider: WriteProvider, entry: Entry) -> Promotion:
        """The promotion a done entry recorded, once the gateway shows it still exists."""
        assert entry.result is not None
        recorded = decode_promotion(entry.result)
        if entry.provider_id is not None and provider.manifest.supports("get"):
            try:
                await provider.get(entry.provider_id)
            except NotFound:
                raise StaleRecord(
                    f"the ledger records {entry.key!r} as created on {provider.alias} "
                    f"(id {entry.provider_id}), but the gateway no longer has it; nothing "
                    f"was sent. To create it again, or just to drop the record, call "
                    f"client.forget({entry.key!r}) (promokit forget {entry.key}), then "
                    "create again if you want it",
                    provider=provider.alias,
                    operation="create",
                    idempotency_key=entry.key,
                    provider_id=entry.provider_id,
                ) from None
        return msgspec.structs.replace(recorded, already_created=True)

    async def _send(self, write: Write, *, resend: bool, after_unknown: bool) -> Promotion:
        provider, key, target = write.provider, write.key, write.target
        # Before the request leaves, say until when the gateway may still process it:
        # a worker taking over after we die waits that long before looking it up.
        bound = call_budget(provider.settings.timeout)
        bound = min(bound, provider.settings.timeout)
        if not await self.ledger.sending(
            target, key, settle_for=bound + provider.settings.settle_margin
        ):
            return await self._lease_lost(write)
        try:
            created = await provider.create(write.promotion)
        except Conflict as error:
            if after_unknown and write.natural is not None:
                # "Already exists" after a lost response is probably our own first write.
                found = await self._lookup(write, error)
                if found is not None:
                    return found
                # ... which the gateway's list does not show yet (it lags its writes):
                # neither "refused" nor "done" is known, so the key stays pending.
                raise outcome_unknown(
                    f"{provider.alias} says {write.natural!r} already exists but does not "
                    f"list it yet; call client.reconcile({key!r}) later",
                    provider=provider,
                    key=key,
                    natural=write.natural,
                ) from error
            await self._failed(write, str(error))
            raise
        except PromokitError as error:
            if error.outcome != "unknown":
                await self._failed(write, str(error))
                raise
            log.warning(
                "create outcome unknown provider=%s key=%s error=%s",
                provider.alias,
                key,
                type(error).__name__,
            )
            found = await self._lookup(write, error)
            if found is not None:
                return found
            if not write.unique:
                raise self._unresendable(write) from error
            if resend:
                return await self._send(write, resend=False, after_unknown=True)
            raise outcome_unknown(
                f"create of {write.natural!r} failed twice without a definite answer; "
                f"call client.reconcile({key!r}) later",
                provider=provider,
                key=key,
                natural=write.natural,
            ) from error
        await self._record(write, created)
        return created

    async def _failed(self, write: Write, reason: str) -> None:
        """Record a definite failure; if the ledger cannot, the gateway's answer still
        stands (the entry stays pending and a retry finds nothing to reconcile)."""
        try:
            await self.ledger.failed(write.key, reason, target=write.target)
        except LedgerError as error:
            log.error(
                "failure not recorded provider=%s key=%s: %s",
                write.provider.alias,
                write.key,
                error.message,
            )

    async def _lease_lost(self, write: Write) -> Promotion:
        """Another worker took our lease over before we sent: we send nothing.

        If it has finished the write, this call answers with its outcome; otherwise
        it says who holds the key now.
        """
        entry = await self.ledger.get(write.key, target=write.target)
        if entry is not None and entry.state == "done" and entry.fingerprint == write.digest:
            return await self._recorded(write.provider, entry)
        holder = entry.owner if entry is not None else None
        until = entry.free_at() if entry is not None else None
        raise WriteInProgress(
            f"{write.natural or write.key!r}: this worker's lease was taken over by "
            f"{holder or 'another worker'} before its request left (it was stopped or "
            "too slow to renew); nothing was sent by this call — call again later",
            provider=write.provider.alias,
            operation="create",
            idempotency_key=write.key,
            holder=holder,
            until=until,
        )

    @staticmethod
    def _unresendable(write: Write) -> OutcomeUnknown:
        """A possibly-committed create the gateway would store twice if resent."""
        return outcome_unknown(
            f"{write.provider.alias} may have created {write.natural!r} and does not list "
            "it (yet); it keeps no such key unique, so a resend could create it twice and "
            f"nothing more was sent; call client.reconcile({write.key!r}) later",
            provider=write.provider,
            key=write.key,
            natural=write.natural,
        )

    async def _record(self, write: Write, created: Promotion) -> None:
        try:
            kept = await self.ledger.done(
                write.key, encode_promotion(created), created.id, target=write.target
            )
        except LedgerError as error:
            # The promotion exists: say so. The row stays pending, so a later create
            # of this key waits out its settle time and finds it by its natural key.
            log.error(
                "created but not recorded provider=%s key=%s id=%s: %s",
                write.provider.alias,
                write.key,
                created.id,
                error.message,
            )
            return
        if not kept:
            log.warning("create lease lost before its outcome was recorded key=%s", write.key)

    async def _lookup(self, write: Write, cause: BaseException | None) -> Promotion | None:
        """The promotion already on the provider under its natural key, verified, or ``None``."""
        provider, key, natural = write.provider, write.key, write.natural
        if natural is None:
            raise outcome_unknown(
                f"{provider.alias} may or may not have created this promotion and it has no "
                "caller-chosen natural key to look it up by (generated codes); check the "
                f"dashboard, then call client.reconcile({key!r}, found_id=...) to record it",
                provider=provider,
                key=key,
                natural=None,
            ) from cause
        try:
            found = await provider.find(write.promotion)
        except PromokitError as error:
            raise outcome_unknown(
                f"could not verify whether {natural!r} was created on {provider.alias}: "
                f"{error.message}; call client.reconcile({key!r}) later",
                provider=provider,
                key=key,
                natural=natural,
            ) from error
        if found is None:
            return None
        differing = differences(write.promotion, found)
        if differing:
            await self._failed(write, f"differs in {', '.join(differing)}")
            raise Conflict(
                f"{natural!r} already exists on {provider.alias} but differs in "
                f"{', '.join(differing)}; nothing was overwritten",
                provider=provider.alias,
                operation="create",
                outcome="rejected",
            ) from cause
        reconciled = msgspec.structs.replace(found, reconciled=True)
        await self._record(write, reconciled)
        return reconciled

    async def reconcile(
        self, provider: WriteProvider, key: str, *, found_id: str | None = None, target: str = ""
    ) -> Promotion | None:
        """Settle a pending write: the promotion if it exists, ``None`` if it does not.

        With ``found_id`` (for generated codes, found by hand), that promotion is
        fetched and recorded as the outcome. Like :meth:`create`, it ends by the
        provider's ``timeout`` or the caller's earlier deadline; a write another
        worker still holds is waited for until then, then :class:`WriteInProgress`.
        """
        with deadline(provider.settings.timeout):
            return await self._reconcile(provider, key, found_id, target)

    async def _reconcile(
        self, provider: WriteProvider, key: str, found_id: str | None, target: str
    ) -> Promotion | None:
        entry = await self.ledger.get(key, target=target)
        if entry is None:
            raise InvalidInput(
                f"no write is recorded under {key!r} in the ledger for {provider.alias}",
                provider=provider.alias,
                operation="reconcile",
            )
        if entry.state == "done" and entry.result is not None:
            return decode_promotion(entry.result)
        intended = decode_promotion(entry.request)
        write = Write(provider, intended, key, entry.natural_key, entry.fingerprint, target)
        claim = await self.ledger.wait_for(
            write.entry(), patience=call_budget(provider.settings.timeout)
        )
        if not claim.owned:
            assert claim.entry.result is not None
            return decode_promotion(claim.entry.result)
        async with self._owning(write):
            if found_id is None:
                found = await self._lookup(write, None)
                if found is None:
                    await self.ledger.failed(
                        key, "not found on the provider at reconciliation", target=target
                    )
                return found
            reconciled = msgspec.structs.replace(await provider.get(found_id), reconciled=True)
            await self._record(write, reconciled)
            return reconciled


ProgressCallback = Callable[[int, int], None]
