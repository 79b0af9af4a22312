"""Checks under injected faults: retries only where safe, reads end by the caller's deadline."""

from __future__ import annotations

import time
from typing import Any

import pytest

from promokit.errors import ConfigurationError, OutcomeUnknown, PromokitError, RequestTimeout
from promokit.http.call_deadline import deadline
from promokit.model import Promotion
from promokit.testing.conformance.base import ConformanceBase
from promokit.testing.conformance.kit import MISSING_ID, Harness


class FaultChecks(ConformanceBase):
    """Retries, reconciliation of a lost create, and deadlines while the gateway stalls."""

    @pytest.mark.asyncio
    async def test_retries_happen_only_where_safe(self, promokit_conformance: Harness) -> None:
        """Reads are retried (honouring Retry-After); a create is never resent blindly."""
        harness = promokit_conformance
        client, provider = harness.client, harness.provider
        if harness.emulator is None:
            with pytest.raises(ConfigurationError):
                _ = provider.http
            first = await client.create(self.sample(1))
            again = await client.create(self.sample(1))
            assert again.id == first.id, "the same create twice must not write twice"
            return
        emulator = harness.emulator
        # Learn which request a create writes with.
        start = len(harness.requests)
        created = await client.create(self.sample(1))
        assert created.id is not None
        writes = harness.writes(start)
        assert writes, "create sent no write request"
        write = writes[-1]
        # 1. A server error on the write is not retried by the transport.
        emulator.faults.add("status", status=503, body=b"{}", method=write.method, path=write.path)
        start = len(harness.requests)
        failure: PromokitError | None = None
        try:
            await provider.create(self.sample(2))
        except PromokitError as error:
            failure = error
        sent = [
            r for r in harness.requests[start:] if (r.method, r.path) == (write.method, write.path)
        ]
        if not self.idempotent_create:
            assert len(sent) == 1, f"a failed create was sent {len(sent)} times by the transport"
            assert failure is not None, "a create answered 503 did not raise"
            assert failure.outcome == "unknown", "a 503 after sending leaves the outcome unknown"
        # 2. A write whose answer is lost is reconciled by natural key, not resent.
        sample = self.sample(3)
        emulator.faults.add("drop_after", method=write.method, path=write.path)
        start = len(harness.requests)
        if provider.natural_key(sample) is None:
            with pytest.raises(OutcomeUnknown):
                await client.create(sample)
        else:
            recovered = await client.create(sample)
            assert recovered.reconciled, "the lost create was not reconciled by its natural key"
        resent = [
            r for r in harness.requests[start:] if (r.method, r.path) == (write.method, write.path)
        ]
        if not self.idempotent_create:
            assert len(resent) == 1, f"a create whose answer was lost was sent {len(resent)} times"
        # 3. Reads are retried after a server error and after 429 + Retry-After.
        read = await self._read_operation(harness, created)
        emulator.faults.add("status", status=503, body=b"{}", method="GET")
        harness.sleep.calls.clear()
        await read()
        assert harness.sleep.calls, "a read that failed with 503 was not retried"
        emulator.faults.add("rate_limit", method="GET", retry_after="7")
        harness.sleep.calls.clear()
        await read()
        assert harness.sleep.calls, "a read answered 429 was not retried"
        assert max(harness.sleep.calls) >= 7, (
            f"Retry-After: 7 was not honoured (slept {harness.sleep.calls})"
        )

    @pytest.mark.asyncio
    async def test_reads_end_by_the_callers_deadline(self, promokit_conformance: Harness) -> None:
        """A read under ``promokit.deadline()`` ends by it even when the gateway stalls.

        Requests sent through ``self.http`` get the caller's deadline for free; one
        sent any other way would wait for the stalled gateway.
        """
        harness = promokit_conformance
        created = await harness.client.create(self.sample(1))
        read = await self._read_operation(harness, created)
        if harness.emulator is None:
            with deadline(0.5):  # no HTTP, nothing to stall: the read just works
                await read()
            return
        harness.emulator.faults.add("delay", delay=3.0, method="GET", count=3)
        started = time.monotonic()
        try:
            with deadline(0.3):
                await read()
        except RequestTimeout:
            pass
        else:
            raise AssertionError(
                "a read under a 0.3 s deadline waited out a 3 s stall: "
                "send every request through self.http"
            )
        took = time.monotonic() - started
        # Far below the stall (3 s) and the provider's own timeout (30 s): slack for CI.
        assert took < 2.0, f"a read under a 0.3 s deadline took {took:.1f} s"

    async def _read_operation(self, harness: Harness, created: Promotion) -> Any:
        manifest = self.provider.manifest
        promotion_id = created.id or MISSING_ID
        client = harness.client

        async def get() -> Any:
            return await client.get(promotion_id)

        async def listing() -> Any:
            return [item async for item in client.list()]

        if manifest.supports("get"):
            return get
        if manifest.supports("list"):
            return listing
        raise AssertionError("declare get or list: promokit needs a way to read promotions back")
