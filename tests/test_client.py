"""Client facade: plan before I/O, routing by alias, lifecycle, the memory provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import promokit
from promokit import (
    Checkout,
    ConfigurationError,
    Fixed,
    InvalidPromotion,
    Percent,
    Promotion,
    Quota,
    Rejection,
    UnsupportedFeature,
)
from promokit.plugins import Plugins
from promokit.plugins.emulator import EmulatorServer
from promokit.workflows.bulk import bulk_stopped

GOOD = Promotion(name="Echo sale", discount=Fixed(amount=5000))


async def test_create_and_get_over_http(
    echo_client: promokit.Client, echo_server: EmulatorServer
) -> None:
    created = await echo_client.create(GOOD)
    assert created.id == "it_1"
    assert created.provider == "echo"
    again = await echo_client.get(created.id)
    assert again == created
    sent = echo_server.emulator.requests[0]
    assert sent.headers["Authorization"].startswith("Bearer sk_test_")
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-Request-Id"].startswith("pk_")
    # Names go on the wire spelled as documented (a plain dict keeps them exactly).
    wire = {name.decode() for name, _ in sent.raw_headers}
    assert {"Accept", "Authorization", "Content-Type", "X-Request-Id"} <= wire


async def test_every_unsupported_field_is_reported_with_zero_requests(
    echo_client: promokit.Client, echo_server: EmulatorServer
) -> None:
    bad = Promotion(
        name="Echo sale",
        discount=Percent(value=Decimal(10)),
        description="text",
        products=("p1",),
        min_purchase=1000,
        ends_at=datetime(2031, 1, 1, tzinfo=UTC),
        customers="new",
    )
    with pytest.raises(UnsupportedFeature) as caught:
        await echo_client.create(bad)
    fields = [problem.path for problem in caught.value.problems]
    assert fields == ["description", "discount", "min_purchase", "ends_at", "customers", "products"]
    assert "echo has no text field" in str(caught.value)
    assert echo_server.emulator.requests == []


async def test_invalid_model_is_reported_by_the_plan_with_zero_requests(
    echo_client: promokit.Client, echo_server: EmulatorServer
) -> None:
    bad = Promotion(name="", discount=Fixed(amount=-1))
    plan = echo_client.plan(bad)
    assert {problem.path for problem in plan.problems} == {"name", "discount.amount"}
    with pytest.raises(UnsupportedFeature):
        await echo_client.create(bad)
    assert echo_server.emulator.requests == []


def test_drop_policy_drops_optional_fields_and_says_so(echo_client: promokit.Client) -> None:
    promotion = Promotion(
        name="Echo sale", discount=Fixed(amount=5000), description="x", products=("p1",)
    )
    plan = echo_client.plan(promotion, policy="drop")
    assert plan.ok
    assert plan.dropped == ("description", "products")
    assert plan.promotion.description is None
    assert plan.promotion.products == ()
    strict = echo_client.plan(promotion)
    assert not strict.ok
    assert [line.action for line in strict.lines if line.field == "description"] == ["unsupported"]


async def test_undeclared_operations_are_refused_before_io(
    echo_client: promokit.Client, echo_server: EmulatorServer
) -> None:
    with pytest.raises(UnsupportedFeature, match="echo keeps everything forever"):
        await echo_client.delete("it_1")
    with pytest.raises(UnsupportedFeature, match="does not offer validate"):
        await echo_client.validate("CODE", Checkout(amount=1))
    with pytest.raises(UnsupportedFeature):
        async for _ in echo_client.list():
            pass
    assert echo_server.emulator.requests == []


async def test_unknown_alias_names_the_choices(echo_client: promokit.Client) -> None:
    with pytest.raises(ConfigurationError, match="configured: echo, mem"):
        await echo_client.get("x", provider="nope")


async def test_use_after_close_is_a_clear_error(plugins: Plugins) -> None:
    client = promokit.Client.from_config(
        {"providers": {"m": {"plugin": "memory"}}}, plugins=plugins
    )
    await client.aclose()
    await client.aclose()
    with pytest.raises(ConfigurationError, match="closed"):
        await client.get("x")


async def test_memory_provider_full_story(plugins: Plugins) -> None:
    config = {"default": "m", "providers": {"m": {"plugin": "memory"}}}
    async with promokit.Client.from_config(config, plugins=plugins) as client:
        promotion = Promotion(
            name="Ramadan",
            discount=Percent(value=Decimal(20), max_amount=30_000),
            code="RAMADAN",
            min_purchase=50_000,
            limit=Quota(uses=2),
            ends_at=datetime.now(UTC) + timedelta(days=1),
        )
        created = await client.create(promotion)
        assert created.status == "active"
        assert created.coupons[0].code == "RAMADAN"
        ok = await client.validate("RAMADAN", Checkout(amount=200_000))
        assert (ok.valid, ok.discount_amount) == (True, 30_000)
        low = await client.validate("RAMADAN", Checkout(amount=10_000))
        assert low.reason is Rejection.MIN_PURCHASE_NOT_MET
        missing = await client.validate("NOPE", Checkout(amount=10_000))
        assert missing.reason is Rejection.NOT_FOUND
        memory = client.provider()
        memory.redeem("RAMADAN")  # type: ignore[attr-defined]
        memory.redeem("RAMADAN")  # type: ignore[attr-defined]
        usage = await client.usage("RAMADAN")
        assert (usage.used, usage.limit, usage.remaining, usage.exhausted) == (2, 2, 0, True)
        full = await client.validate("RAMADAN", Checkout(amount=200_000))
        assert full.reason is Rejection.USAGE_LIMIT_REACHED
        assert [p.id async for p in client.list()] == [created.id]
        assert [p.id async for p in client.list(status="expired")] == []
        updated = await client.update(created.id or "", promotion.draft())
        assert updated.id == created.id
        await client.delete(created.id or "")
        with pytest.raises(promokit.NotFound):
            await client.get(created.id or "")
        again = await client.create(promotion)
        assert again.id != created.id  # deleted, so the ledger let it be created anew
        assert (await client.create(promotion)).id == again.id  # recorded: no second write
        with pytest.raises(promokit.Conflict):
            await client.create(promotion, idempotency_key="another-write")


async def test_memory_single_use_codes_work_once(plugins: Plugins) -> None:
    config = {"providers": {"m": {"plugin": "memory"}}}
    async with promokit.Client.from_config(config, plugins=plugins) as client:
        created = await client.create(
            Promotion(
                name="Welcome",
                discount=Fixed(amount=1000),
                coupon_type="single_use",
                limit=Quota(uses=3),
            )
        )
        assert len(created.coupons) == 3
        code = created.coupons[0].code
        assert (await client.validate(code, Checkout(amount=5000))).valid
        client.provider().redeem(code)  # type: ignore[attr-defined]
        used = await client.validate(code, Checkout(amount=5000))
        assert used.reason is Rejection.USAGE_LIMIT_REACHED
        assert (await client.validate(created.coupons[1].code, Checkout(amount=5000))).valid


async def test_create_rejects_an_invalid_model_even_on_memory(plugins: Plugins) -> None:
    async with promokit.Client.from_config(
        {"providers": {"m": {"plugin": "memory"}}}, plugins=plugins
    ) as client:
        with pytest.raises(UnsupportedFeature) as caught:
            await client.create(Promotion(name=" ", discount=Fixed(amount=0)))
        assert len(caught.value.problems) == 2
    assert issubclass(InvalidPromotion, promokit.PromokitError)


def test_client_repr_has_no_secret(plugins: Plugins) -> None:
    config = {"providers": {"e": {"plugin": "echo", "api_key": "sk_live_verysecretvalue1234"}}}
    client = promokit.Client.from_config(config, plugins=plugins)
    assert "verysecret" not in repr(client)
    assert "verysecret" not in repr(client.config)
    assert "…1234" in repr(client.config.providers["e"].api_key)


def test_extensions_are_checked_only_for_their_own_plugin(echo_client: promokit.Client) -> None:
    foreign = Promotion(
        name="Echo sale", discount=Fixed(amount=5000), extensions={"durianpay": {"promo_type": ""}}
    )
    plan = echo_client.plan(foreign)
    assert plan.ok
    [line] = [line for line in plan.lines if line.field == "extensions"]
    assert line.action == "not_set"
    assert "only for durianpay" in line.detail
    own = Promotion(
        name="Echo sale", discount=Fixed(amount=5000), extensions={"echo": {"colour": "red"}}
    )
    refused = echo_client.plan(own)
    assert [problem.path for problem in refused.problems] == ["extensions"]
    assert echo_client.plan(own, policy="drop").promotion.extensions == {}


def test_a_stopped_bulk_job_raises_its_first_typed_error_with_the_rest_noted() -> None:
    first = promokit.BadRequest("no", provider="shop", operation="create", status=400)
    second = promokit.RequestTimeout("slow", provider="shop", operation="create")
    nested = ExceptionGroup("inner", [second])
    raised = bulk_stopped(ExceptionGroup("batches", [first, nested]), 1, 3, "bulk:k")
    assert raised is first
    assert first.__notes__ == [
        "create_bulk stopped with 1 of 3 batches created; call it again with the same "
        "arguments (idempotency_key='bulk:k') to resume",
        "another batch failed too: RequestTimeout: [shop create] slow",
    ]
    # Anything but promokit errors is a bug, not an answer: the group stays whole.
    mixed = ExceptionGroup("batches", [promokit.BadRequest("no"), KeyError("oops")])
    assert bulk_stopped(mixed, 0, 3, "bulk:k") is mixed
