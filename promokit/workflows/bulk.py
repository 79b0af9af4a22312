"""Bulk code generation: one job of single-use codes, batched, paced, resumable after a crash."""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import msgspec

from promokit.errors import (
    InvalidInput,
    Overloaded,
    Problem,
    PromokitError,
    WriteInProgress,
    plural,
)
from promokit.http.call_deadline import deadline
from promokit.http.limits import Sleep
from promokit.ledger import call_budget
from promokit.ledger.fingerprints import fingerprint
from promokit.ledger.pacing import WaitCallback, listening, reporting
from promokit.ledger.writes import ProgressCallback
from promokit.model import Promotion, Quota
from promokit.plugins.provider import Provider

if TYPE_CHECKING:
    from promokit.client import Client

MAX_BULK = 100_000
"""The most codes one :meth:`Client.create_bulk` job makes (2,000 Mayar batches)."""


class BulkResult(msgspec.Struct, frozen=True, kw_only=True):
    """The promotions a bulk job created (one per batch) and every generated code."""

    promotions: tuple[Promotion, ...]
    codes: tuple[str, ...]
    idempotency_key: str


def check_count(count: int) -> None:
    """Refuse a ``count`` that is not a whole number from 1 to :data:`MAX_BULK`."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BULK:
        raise InvalidInput(
            f"count must be a whole number from 1 to {MAX_BULK:,}, got {count!r}",
            problems=[Problem("count", f"from 1 to {MAX_BULK:,}")],
        )


async def create_bulk(
    client: Client,
    instance: Provider,
    promotion: Promotion,
    count: int,
    *,
    idempotency_key: str | None,
    on_progress: ProgressCallback | None,
    on_wait: WaitCallback | None,
    concurrency: int,
    timeout: float | None,
    sleep: Sleep,
) -> BulkResult:
    """:meth:`Client.create_bulk` on ``instance``; ``count`` and ``promotion`` are checked."""
    template = msgspec.structs.replace(promotion, coupon_type="single_use", code=None)
    size = instance.manifest.limits.max_codes_per_request or count
    batches = -(-count // size)
    key = idempotency_key or f"bulk:{instance.alias}:{fingerprint(template)}:{count}"
    # The tag makes each batch's name unique to this job, so a batch whose answer
    # was lost can be found again by name (one-time codes have no other key).
    tag = hashlib.sha256(key.encode()).hexdigest()[:6]

    def part(index: int) -> Promotion:
        # Built when its turn comes: a big job holds no list of every batch.
        return msgspec.structs.replace(
            template,
            name=f"{promotion.name} [{index + 1}/{batches} {tag}]",
            limit=Quota(uses=min(size, count - index * size)),
        )

    # Batches differ only in their name's number and the last one's quota: the
    # first and the last (the longest name) stand for all of them in the plan.
    for index in {0, batches - 1}:
        client.plan(part(index), instance.alias).raise_for_problems()
    results: list[Promotion | None] = [None] * batches
    done = 0
    turns = iter(range(batches))

    async def worker() -> None:
        nonlocal done
        for index in turns:
            batch = part(index)
            results[index] = await _batch(
                client, instance, batch, f"{key}:{index + 1}/{batches}", target, sleep
            )
            limit = batch.limit
            done += limit.uses if isinstance(limit, Quota) else 0
            if on_progress is not None:
                on_progress(done, count)

    try:
        # Tasks copy the context they start in: every batch inherits the deadline.
        with deadline(timeout), listening(on_wait):
            target = await client.target(instance.alias)
            async with asyncio.TaskGroup() as group:
                for _ in range(min(max(1, concurrency), batches)):
                    group.create_task(worker())
    except ExceptionGroup as failed:
        finished = sum(result is not None for result in results)
        raise bulk_stopped(failed, finished, batches, key) from None
    created = tuple(result for result in results if result is not None)
    codes = tuple(coupon.code for result in created for coupon in result.coupons)
    return BulkResult(promotions=created, codes=codes, idempotency_key=key)


async def _batch(
    client: Client, instance: Provider, part: Promotion, key: str, target: str, sleep: Sleep
) -> Promotion:
    """One batch of a bulk job, waiting while the job may run (its ``timeout``), not
    just one create's deadline: for a rate-limit place (the job paces itself) and
    for a batch another run holds."""
    while True:
        try:
            return await client.writes.create(instance, part, key=key, target=target)
        except Overloaded as full:
            # Nothing was sent: wait for the place the limiter named, then go on.
            after = getattr(full, "retry_after", None)
            wait = 0.25 if after is None else max(0.01, float(after))
            if wait >= call_budget(math.inf):
                raise
            await reporting(sleep)(wait)
        except WriteInProgress as held:
            wait = max(0.05, (held.until or 0.0) - time.time())
            left = call_budget(math.inf)
            if wait >= left:
                raise
            await asyncio.sleep(wait)


def bulk_stopped(
    failed: ExceptionGroup[Exception], finished: int, batches: int, key: str
) -> Exception:
    """The typed error a bulk job stopped on, noting how far it got and how to resume.

    A ``TaskGroup`` reports failures as an ``ExceptionGroup``, which ``except
    PromokitError`` does not catch: the first failure is raised instead, the others
    noted on it. A group holding anything but promokit errors (a bug, not
    an answer) is kept whole.
    """
    errors = list(_leaves(failed))
    typed = [error for error in errors if isinstance(error, PromokitError)]
    if not typed or len(typed) != len(errors):
        return failed
    first = typed[0]
    first.add_note(
        f"create_bulk stopped with {finished} of {plural(batches, 'batch', 'batches')} created; "
        f"call it again with the same arguments (idempotency_key={key!r}) to resume"
    )
    for other in typed[1:]:
        first.add_note(f"another batch failed too: {type(other).__name__}: {other}")
    return first


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error


__all__ = ["MAX_BULK", "BulkResult", "bulk_stopped", "check_count", "create_bulk"]
