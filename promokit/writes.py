"""Exactly-once creates without provider idempotency: ledger, single-flight, reconciliation."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from promokit import codec
from promokit.call_deadline import CALL_DEADLINE, deadline
from promokit.capabilities import FIELDS
from promokit.errors import Conflict, InvalidInput, OutcomeUnknown, PromokitError
from promokit.ledger import Entry, Ledger
from promokit.model import Promotion
from promokit.provider import Provider

log = logging.getLogger("promokit.writes")

_COMPARED = tuple(
    field for field in FIELDS if field not in ("description", "discount.max_amount", "extensions")
)
"""Fields that identify what was asked for (``discount`` covers its cap)."""
_PROMOTION = msgspec.json.Decoder(Promotion)
_ENCODER = msgspec.json.Encoder()


def _normalised(value: Any) -> Any:
    if isinstance(value, datetime):
        # Providers keep milliseconds at best; compare at that precision.
        utc = codec.as_utc(value)
        assert utc is not None
        return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    if isinstance(value, tuple):
        return tuple(sorted(map(str, value)))
    return value


def fingerprint(promotion: Promotion) -> str:
    """A stable digest of what the merchant asked for (read-only fields excluded)."""
    fields = {name: _normalised(getattr(promotion, name)) for name in _COMPARED}
    fields["description"] = promotion.description
    fields["extensions"] = promotion.extensions
    digest = hashlib.sha256(codec.encode(codec.to_builtins(fields)))
    return digest.hexdigest()[:32]


def differences(intended: Promotion, found: Promotion) -> list[str]:
    """Fields where ``found`` contradicts ``intended``; fields ``found`` lacks are skipped."""
    differing = []
    for name in _COMPARED:
        theirs = getattr(found, name)
        if theirs is None or theirs == ():
            continue
        if _normalised(getattr(intended, name)) != _normalised(theirs):
            differing.append(name)
    return differing


def encode_promotion(promotion: Promotion) -> bytes:
    """Serialise a promotion for the ledger."""
    return _ENCODER.encode(promotion)


def decode_promotion(data: bytes) -> Promotion:
    """Read a promotion stored by :func:`encode_promotion`."""
    return _PROMOTION.decode(data)


class _Flight:
    """A create in progress: what it writes, its task, how many callers await it."""

    __slots__ = ("callers", "digest", "ends", "task")

    def __init__(self, digest: str, task: asyncio.Task[Promotion], ends: float) -> None:
        self.digest = digest
        self.task = task
        self.ends = ends
        """The loop time by which the write ends (its deadline)."""
        self.callers = 0


def _unknown(message: str, *, provider: Provider, key: str, natural: str | None) -> OutcomeUnknown:
    """The error for a create that may or may not have happened, with what reconcile needs."""
    return OutcomeUnknown(
        message,
        provider=provider.alias,
        operation="create",
        idempotency_key=key,
        natural_key=natural,
    )


class ExactlyOnce:
    """Runs creates so each logical create happens once, even when responses are lost.

    * The intent is recorded in the ledger **before** the request, the outcome after.
    * A key already ``done`` returns the recorded promotion with no request.
    * Concurrent creates of the same natural key share one request (single-flight).
    * An unknown outcome (timeout after send, dropped connection, 5xx, a crash) is
      never resent blindly: the promotion is looked up by its natural key first.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._inflight: dict[tuple[str, str], _Flight] = {}

    async def create(
        self, provider: Provider, promotion: Promotion, *, key: str | None = None
    ) -> Promotion:
        """Create ``promotion`` (already planned) on ``provider`` exactly once.

        The whole create — the send, and the lookup that settles an unknown outcome
        — ends by the provider's ``timeout`` from now, or the caller's deadline if
        that is earlier (:func:`promokit.deadline`).
        """
        digest = fingerprint(promotion)
        natural = provider.natural_key(promotion)
        key = key or f"create:{provider.alias}:{digest}"
        flight_key = (provider.alias, natural if natural is not None else key)
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
                self._create(provider, promotion, key, natural, digest)
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
        self, flight: _Flight, provider: Provider, key: str, natural: str | None
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
            raise _unknown(
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

    async def _create(
        self, provider: Provider, promotion: Promotion, key: str, natural: str | None, digest: str
    ) -> Promotion:
        existing = await self.ledger.get(key)
        if existing is not None and existing.fingerprint != digest:
            raise Conflict(
                f"idempotency key {key!r} was used for a different promotion",
                provider=provider.alias,
                operation="create",
                outcome="not_sent",
            )
        if existing is not None and existing.state == "done" and existing.result is not None:
            return decode_promotion(existing.result)
        unknown_before = existing is not None and existing.state == "pending"
        await self.ledger.begin(
            Entry(
                key=key,
                provider=provider.alias,
                operation="create",
                state="pending",
                fingerprint=digest,
                natural_key=natural,
                request=encode_promotion(promotion),
            )
        )
        if unknown_before:
            # An earlier attempt (maybe another process) never learned its outcome.
            found = await self._lookup(provider, promotion, key, natural, None)
            if found is not None:
                return found
        return await self._send(
            provider, promotion, key, natural, resend=True, after_unknown=unknown_before
        )

    async def _send(
        self,
        provider: Provider,
        promotion: Promotion,
        key: str,
        natural: str | None,
        *,
        resend: bool,
        after_unknown: bool,
    ) -> Promotion:
        try:
            created = await provider.create(promotion)
        except Conflict as error:
            if after_unknown and natural is not None:
                # "Already exists" after a lost response is probably our own first write.
                found = await self._lookup(provider, promotion, key, natural, error)
                if found is not None:
                    return found
            await self.ledger.failed(key, str(error))
            raise
        except PromokitError as error:
            if error.outcome != "unknown":
                await self.ledger.failed(key, str(error))
                raise
            log.warning(
                "create outcome unknown provider=%s key=%s error=%s",
                provider.alias,
                key,
                type(error).__name__,
            )
            found = await self._lookup(provider, promotion, key, natural, error)
            if found is not None:
                return found
            if resend:
                return await self._send(
                    provider, promotion, key, natural, resend=False, after_unknown=True
                )
            raise _unknown(
                f"create of {natural!r} failed twice without a definite answer; "
                f"call client.reconcile({key!r}) later",
                provider=provider,
                key=key,
                natural=natural,
            ) from error
        await self.ledger.done(key, encode_promotion(created), created.id)
        return created

    async def _lookup(
        self,
        provider: Provider,
        promotion: Promotion,
        key: str,
        natural: str | None,
        cause: BaseException | None,
    ) -> Promotion | None:
        """The promotion already on the provider under ``natural``, verified, or ``None``."""
        if natural is None:
            raise _unknown(
                f"{provider.alias} may or may not have created this promotion and it has no "
                "caller-chosen natural key to look it up by (generated codes); check the "
                f"dashboard, then call client.reconcile({key!r}, found_id=...) to record it",
                provider=provider,
                key=key,
                natural=None,
            ) from cause
        try:
            found = await provider.find(promotion)
        except PromokitError as error:
            raise _unknown(
                f"could not verify whether {natural!r} was created on {provider.alias}: "
                f"{error.message}; call client.reconcile({key!r}) later",
                provider=provider,
                key=key,
                natural=natural,
            ) from error
        if found is None:
            return None
        differing = differences(promotion, found)
        if differing:
            await self.ledger.failed(key, f"differs in {', '.join(differing)}")
            raise Conflict(
                f"{natural!r} already exists on {provider.alias} but differs in "
                f"{', '.join(differing)}; nothing was overwritten",
                provider=provider.alias,
                operation="create",
                outcome="rejected",
            ) from cause
        reconciled = msgspec.structs.replace(found, reconciled=True)
        await self.ledger.done(key, encode_promotion(reconciled), reconciled.id)
        return reconciled

    async def reconcile(
        self, provider: Provider, key: str, *, found_id: str | None = None
    ) -> Promotion | None:
        """Settle a pending write: the promotion if it exists, ``None`` if it does not.

        With ``found_id`` (for generated codes, found by hand), that promotion is
        fetched and recorded as the outcome. Like :meth:`create`, it ends by the
        provider's ``timeout`` or the caller's earlier deadline.
        """
        with deadline(provider.settings.timeout):
            return await self._reconcile(provider, key, found_id)

    async def _reconcile(
        self, provider: Provider, key: str, found_id: str | None
    ) -> Promotion | None:
        entry = await self.ledger.get(key)
        if entry is None:
            raise InvalidInput(
                f"no write is recorded under {key!r} in the ledger",
                provider=provider.alias,
                operation="reconcile",
            )
        if entry.state == "done" and entry.result is not None:
            return decode_promotion(entry.result)
        intended = decode_promotion(entry.request)
        if found_id is None:
            found = await self._lookup(provider, intended, key, entry.natural_key, None)
            if found is None:
                await self.settle_absent(key)
            return found
        reconciled = msgspec.structs.replace(await provider.get(found_id), reconciled=True)
        await self.ledger.done(key, encode_promotion(reconciled), reconciled.id)
        return reconciled

    async def settle_absent(self, key: str) -> None:
        """Record that a pending write did not happen, so the key can be used again."""
        await self.ledger.failed(key, "not found on the provider at reconciliation")


ProgressCallback = Callable[[int, int], None]
