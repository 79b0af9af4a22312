"""Checks that each declared operation does its job on the emulator, through a real client."""

from __future__ import annotations

import math
from collections import Counter

import msgspec
import pytest

from promokit.errors import InvalidInput, NotFound, PromokitError, UnsupportedFeature, plural
from promokit.model import Checkout, Usage, Validation
from promokit.model.capabilities import FIELDS
from promokit.model.evaluate import evaluate
from promokit.testing.conformance.base import ConformanceBase
from promokit.testing.conformance.kit import (
    MISSING_CODE,
    Harness,
    call,
    code_of,
    differing_fields,
    reference_reason,
)
from promokit.testing.variants import (
    base_checkout,
    generate_checkouts,
    invalid_promotion,
    refused_variants,
)


class OperationChecks(ConformanceBase):
    """Operations, round trips, refused input, listing and validation against the reference."""

    @pytest.mark.asyncio
    async def test_declared_operations_work(self, promokit_conformance: Harness) -> None:
        """create, get, list, validate, usage, update and delete each do their job, if declared."""
        harness = promokit_conformance
        client = harness.client
        manifest = self.provider.manifest
        assert manifest.supports("create"), "a provider must offer create"
        created = await client.create(self.sample(0))
        assert created.id, "create must return the provider's id"
        assert created.provider == self.alias, "create must set provider to the alias"
        promotion_id = created.id
        if manifest.supports("get"):
            got = await client.get(promotion_id)
            assert got.id == promotion_id
            assert got.provider == self.alias
        if manifest.supports("list"):
            listed = [item.id async for item in client.list()]
            assert promotion_id in listed, "list does not contain the created promotion"
        code = code_of(created)
        if manifest.supports("validate") or manifest.supports("usage"):
            assert code, "sample(0) must produce a code for validate and usage"
        if manifest.supports("validate"):
            assert code is not None
            checkout = self.adapt_checkout(base_checkout(created))
            validation = await client.validate(code, checkout)
            assert isinstance(validation, Validation)
            missing = await client.validate(MISSING_CODE, checkout)
            assert not missing.valid, "an unknown code must be refused"
        if manifest.supports("usage"):
            assert code is not None
            usage = await client.usage(code)
            assert isinstance(usage, Usage)
            assert usage.code.casefold() == code.casefold()
            assert usage.used == 0, "a promotion nobody used reports used=0"
        if manifest.supports("update"):
            revised = self.revised(0)
            updated = await client.update(promotion_id, revised)
            assert updated.id == promotion_id
            if manifest.supports("get"):
                again = await client.get(promotion_id)
                native = [name for name in FIELDS if manifest.field(name).support == "native"]
                plugin = self.provider.plugin_name
                stale = differing_fields(revised, again, native, plugin)
                assert not stale, "get does not show the update:\n  " + "\n  ".join(stale)
        if manifest.supports("delete"):
            await client.delete(promotion_id)
            if manifest.supports("get"):
                with pytest.raises(NotFound):
                    await client.get(promotion_id)
            if manifest.supports("list"):
                remaining = [item.id async for item in client.list()]
                assert promotion_id not in remaining, "a deleted promotion is still listed"

    @pytest.mark.asyncio
    async def test_create_get_round_trip_preserves_native_fields(
        self, promokit_conformance: Harness
    ) -> None:
        """Every field the manifest calls native comes back from create and get unchanged."""
        harness = promokit_conformance
        manifest = self.provider.manifest
        native = [name for name in FIELDS if manifest.field(name).support == "native"]
        assert native, "the manifest declares no native field"
        sample = self.sample(0)
        created = await harness.client.create(sample)
        plugin = self.provider.plugin_name
        lost = [f"create: {line}" for line in differing_fields(sample, created, native, plugin)]
        if manifest.supports("get"):
            assert created.id is not None
            got = await harness.client.get(created.id)
            lost += [f"get: {line}" for line in differing_fields(sample, got, native, plugin)]
        assert not lost, "native fields changed on the way:\n  " + "\n  ".join(lost)

    @pytest.mark.asyncio
    async def test_unsupported_fields_are_rejected_with_zero_requests(
        self, promokit_conformance: Harness
    ) -> None:
        """Each refused field or value is reported, alone, before any request is sent."""
        harness = promokit_conformance
        manifest = self.provider.manifest
        sample = self.sample(0)
        accepted = harness.client.plan(sample)
        assert accepted.ok, f"sample(0) itself is refused: {[str(p) for p in accepted.problems]}"
        variants = refused_variants(manifest, sample)
        failures: list[str] = []
        for variant in variants:
            writes = ["create"] + (["update"] if manifest.supports("update") else [])
            for operation in writes:
                label = f"{operation} with {variant.field} ({variant.reason})"
                try:
                    await call(harness.client, operation, promotion=variant.promotion)
                except UnsupportedFeature as refused:
                    paths = {problem.path for problem in refused.problems}
                    if variant.field not in paths:
                        failures.append(f"{label}: no problem names {variant.field} ({paths})")
                    elif not paths <= variant.paths:
                        failures.append(f"{label}: unrelated problems too: {sorted(paths)}")
                except PromokitError as other:
                    failures.append(f"{label}: raised {type(other).__name__}: {other.message}")
                else:
                    failures.append(f"{label}: was accepted")
        with pytest.raises((UnsupportedFeature, InvalidInput)) as broken:
            await harness.client.create(invalid_promotion(sample))
        assert any(p.path == "discount.value" for p in broken.value.problems)
        if not variants:
            refusing = [
                name
                for name in FIELDS
                if manifest.field(name).support == "unsupported"
                or manifest.field(name).values is not None
            ]
            assert set(refusing) <= {"name", "discount", "extensions"}, refusing
        assert not failures, "refusals are wrong:\n  " + "\n  ".join(failures)
        assert harness.requests == [], (
            f"{plural(len(harness.requests), 'request')} sent for refused input"
        )

    @pytest.mark.asyncio
    async def test_list_returns_everything_exactly_once(
        self, promokit_conformance: Harness
    ) -> None:
        """Listing walks every page and yields each promotion once."""
        harness = promokit_conformance
        if not self.provider.manifest.supports("list"):
            with pytest.raises(UnsupportedFeature):
                await call(harness.client, "list", promotion=self.sample(0))
            assert harness.requests == []
            return
        count = self.list_count or (2 * self.page_size + 1 if self.page_size else 5)
        created = [await harness.client.create(self.sample(index)) for index in range(1, count + 1)]
        created_ids = [item.id for item in created]
        assert len(set(created_ids)) == count, "samples must be distinct promotions"
        before = len(harness.requests)
        listed = [item.id async for item in harness.client.list()]
        repeated = sorted(str(i) for i, seen in Counter(listed).items() if seen > 1)
        missing = sorted(str(i) for i in set(created_ids) - set(listed))
        assert not repeated, f"listed more than once: {repeated}"
        assert not missing, f"never listed: {missing}"
        assert len(listed) == count, f"listed {len(listed)} promotions, created {count}"
        if self.page_size and self.provider.uses_http:
            pages = len(harness.requests) - before
            assert pages >= math.ceil(count / self.page_size), (
                f"{count} promotions at {self.page_size} per page took only "
                f"{plural(pages, 'request')}"
            )

    @pytest.mark.asyncio
    async def test_validation_agrees_with_reference_evaluator(
        self, promokit_conformance: Harness
    ) -> None:
        """validate() gives the reference evaluator's verdict, reason and amount."""
        harness = promokit_conformance
        manifest = self.provider.manifest
        if not manifest.supports("validate"):
            with pytest.raises(UnsupportedFeature):
                await harness.client.validate(MISSING_CODE, Checkout(amount=100_000))
            assert harness.requests == []
            return
        created = await harness.client.create(self.sample(0))
        assert created.id is not None
        await self.prepare_for_validation(harness.emulator, created)
        stored = await harness.client.get(created.id) if manifest.supports("get") else created
        code = code_of(created)
        assert code, "sample(0) must produce a code to validate"
        checkouts = [
            self.adapt_checkout(c) for c in generate_checkouts(stored, self.checkout_count)
        ]
        verdicts: list[bool] = []
        mismatches: list[str] = []
        for checkout in checkouts:
            reference = evaluate(stored, checkout, now=self.now)
            expected = self.expected_validation(stored, checkout, reference)
            verdicts.append(expected.valid)
            got = await harness.client.validate(code, checkout)
            want = (expected.valid, expected.reason, expected.discount_amount)
            have = (got.valid, got.reason, got.discount_amount)
            if want != have:
                mismatches.append(f"{msgspec.json.encode(checkout).decode()}: {have} != {want}")
        why = reference_reason(stored, checkouts[0], self.now)
        assert verdicts[0], (
            f"the base checkout is refused by the reference ({why}); "
            "sample(0) must be running at `now` (see prepare_for_validation)"
        )
        assert not all(verdicts), "no generated checkout is refused; sample(0) needs some rules"
        assert not mismatches, (
            f"{len(mismatches)} of {len(checkouts)} validations disagree "
            "(checkout: provider != reference):\n  " + "\n  ".join(mismatches)
        )
