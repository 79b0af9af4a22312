"""Every operation over real HTTP on loopback: promokit.Client -> provider -> emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import msgspec
import pytest
from promokit_durianpay import mapping
from promokit_durianpay.emulator import DurianpayEmulator
from promokit_durianpay.provider import DurianpayProvider

import promokit
from promokit.model import Rejection
from promokit.model.evaluate import evaluate
from promokit.plugins.emulator import EmulatorServer, VirtualClock


def _named(promotion: promokit.Promotion, index: int) -> promokit.Promotion:
    return msgspec.structs.replace(promotion, name=f"{promotion.name}-{index}", code=f"C{index}")


async def test_create_sends_the_documented_body_and_returns_the_promo(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    created = await client.create(promotion)

    [sent] = emulator.requests
    assert (sent.method, sent.path) == ("POST", "/v1/merchants/promos")
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == mapping.request_body(promotion)
    assert created.id is not None
    assert created.id.startswith("prm_")
    assert created.status == "inactive"
    assert created.provider == "dp"
    assert created.code == "PAYDAY30", "the emulator does not echo codes; ours is kept"
    assert created.draft() == promotion


async def test_get_wrapped_and_unwrapped(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    created = await client.create(promotion)
    assert created.id is not None

    wrapped = await client.get(created.id)
    emulator.wrap_fetch_one = False
    unwrapped = await client.get(created.id)

    assert wrapped == unwrapped
    assert wrapped.draft() == promotion
    assert wrapped.code == "PAYDAY30", "filled in from the code book"


async def test_get_of_a_missing_promo_is_not_found(client: promokit.Client) -> None:
    with pytest.raises(promokit.NotFound) as caught:
        await client.get("prm_missing")

    assert caught.value.code == "DPAY_PROMO_NOT_FOUND"
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("dp_")


async def test_list_pages_lazily_with_skip_and_limit(
    server: EmulatorServer,
    emulator: DurianpayEmulator,
    make_client: Callable[..., promokit.Client],
    promotion: promokit.Promotion,
) -> None:
    async with make_client(server.url, options={"page_size": 2}) as client:
        for index in range(5):
            await client.create(_named(promotion, index))
        emulator.requests.clear()

        listing = client.list()
        first = await anext(listing)
        assert len(emulator.requests) == 1, "only the first page is fetched"
        rest = [promotion async for promotion in listing]

    names = [first.name, *(promotion.name for promotion in rest)]
    assert names == [f"PAYDAY-2030-{index}" for index in range(5)]
    pages = [(r.query["skip"], r.query["limit"]) for r in emulator.requests]
    # A short page is not the end (a server may cap the page size): the empty one is.
    assert pages == [("0", "2"), ("2", "2"), ("4", "2"), ("5", "2")]


async def test_list_stops_on_an_exact_multiple_with_an_empty_page(
    server: EmulatorServer,
    emulator: DurianpayEmulator,
    make_client: Callable[..., promokit.Client],
    promotion: promokit.Promotion,
) -> None:
    async with make_client(server.url, options={"page_size": 2}) as client:
        for index in range(4):
            await client.create(_named(promotion, index))
        emulator.requests.clear()
        listed = [promotion async for promotion in client.list()]

    assert len(listed) == 4
    assert [r.query["skip"] for r in emulator.requests] == ["0", "2", "4"]


async def test_list_filters_locally(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    made = [await client.create(_named(promotion, index)) for index in range(3)]
    assert made[1].id is not None
    emulator.activate(made[1].id)

    active = [p.name async for p in client.list(status="active")]
    searched = [p.name async for p in client.list(search="2030-2")]
    by_code = [p.name async for p in client.list(search="c0")]
    by_product = [p.name async for p in client.list(product_id="anything")]

    assert active == ["PAYDAY-2030-1"]
    assert searched == ["PAYDAY-2030-2"]
    assert by_code == ["PAYDAY-2030-0"]
    assert by_product == []


async def test_update_sends_the_full_payload(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    created = await client.create(promotion)
    assert created.id is not None
    changed = msgspec.structs.replace(
        promotion,
        name="PAYDAY-2030-B",
        discount=promokit.Fixed(amount=20_000),
        payment=promokit.VirtualAccountScope(banks=("BNI", "BRI")),
    )

    updated = await client.update(created.id, changed)

    sent = emulator.requests[-1]
    assert (sent.method, sent.path) == ("PATCH", f"/v1/merchants/promos/{created.id}")
    assert json.loads(sent.body) == mapping.request_body(changed)
    assert updated.id == created.id
    assert updated.draft() == changed
    assert (await client.get(created.id)).draft() == changed


async def test_delete_then_not_found(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    created = await client.create(promotion)
    assert created.id is not None

    await client.delete(created.id)

    assert emulator.promos == {}
    with pytest.raises(promokit.NotFound):
        await client.get(created.id)
    with pytest.raises(promokit.NotFound):
        await client.delete(created.id)


async def test_a_duplicate_label_is_a_conflict(
    client: promokit.Client, provider: DurianpayProvider, promotion: promokit.Promotion
) -> None:
    await client.create(promotion)
    twin = msgspec.structs.replace(promotion, code="OTHER", discount=promokit.Fixed(amount=1))

    with pytest.raises(promokit.Conflict) as direct:
        await provider.create(twin)
    with pytest.raises(promokit.Conflict):
        await client.create(twin)

    assert direct.value.status == 409
    assert promotion.name in direct.value.message


async def test_a_failed_create_is_reconciled_not_duplicated(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    emulator.fail_next("create")

    created = await client.create(promotion)

    assert len(emulator.promos) == 1
    assert created.id in emulator.promos
    methods = [r.method for r in emulator.requests]
    assert methods == ["POST", "GET", "POST"], "500 -> look up by label -> send once more"


async def test_server_errors_keep_code_and_request_id(
    client: promokit.Client,
    provider: DurianpayProvider,
    emulator: DurianpayEmulator,
    promotion: promokit.Promotion,
) -> None:
    created = await client.create(promotion)
    assert created.id is not None
    emulator.fail_next("delete", count=3)
    emulator.fail_next("create")

    with pytest.raises(promokit.ProviderServerError) as deleting:
        await client.delete(created.id)
    with pytest.raises(promokit.ProviderServerError) as creating:
        await provider.create(_named(promotion, 9))

    assert deleting.value.code == "DPAY_INTERNAL_ERROR"
    assert deleting.value.message == "error deleting promo"
    assert deleting.value.request_id is not None
    assert deleting.value.request_id.startswith("dp_")
    assert creating.value.code is None
    assert creating.value.message == "error creating promo"
    assert creating.value.outcome == "unknown"


async def test_a_read_500_is_retried(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    created = await client.create(promotion)
    assert created.id is not None
    emulator.requests.clear()
    emulator.fail_next("get")

    fetched = await client.get(created.id)

    assert fetched.id == created.id
    assert len(emulator.requests) == 2


# -- validate (emulated) and usage ----------------------------------------------------------


def _card_checkout(amount: int = 200_000) -> promokit.Checkout:
    return promokit.Checkout(amount=amount, payment_method="card", card_bin="42424242")


async def test_validate_agrees_with_the_reference_evaluator(
    client: promokit.Client,
    emulator: DurianpayEmulator,
    clock: VirtualClock,
    promotion: promokit.Promotion,
) -> None:
    created = await client.create(promotion)
    assert created.id is not None
    emulator.activate(created.id)
    emulator.redeem(created.id, 25_000)
    fetched = await client.get(created.id)
    checkouts = [
        _card_checkout(),
        _card_checkout(50_000),
        _card_checkout(10_000_000),
        promokit.Checkout(amount=200_000, payment_method="ewallet", wallet="OVO"),
        promokit.Checkout(amount=200_000, payment_method="card", card_bin="511111", bank="BCA"),
        promokit.Checkout(amount=200_000, currency="USD", card_bin="424242"),
    ]

    for checkout in checkouts:
        result = await client.validate("PAYDAY30", checkout)
        expected = evaluate(fetched, checkout, now=clock.now(), used=1)
        assert result == msgspec.structs.replace(expected, provider="dp"), checkout
        assert result.evaluated_locally is True

    valid = await client.validate("PAYDAY30", _card_checkout())
    assert (valid.valid, valid.discount_amount) == (True, 25_000)
    assert valid.coupon is not None
    assert valid.coupon.code == "PAYDAY30"
    assert valid.coupon.used == 1


async def test_validate_reports_inactive_and_expired(
    client: promokit.Client,
    emulator: DurianpayEmulator,
    clock: VirtualClock,
    promotion: promokit.Promotion,
) -> None:
    created = await client.create(promotion)
    assert created.id is not None

    inactive = await client.validate("PAYDAY30", _card_checkout())
    emulator.activate(created.id)
    active = await client.validate("PAYDAY30", _card_checkout())
    clock.advance(timedelta(days=31).total_seconds())
    expired = await client.validate("PAYDAY30", _card_checkout())

    assert (inactive.valid, inactive.reason) == (False, Rejection.INACTIVE)
    assert active.valid is True
    assert (expired.valid, expired.reason) == (False, Rejection.EXPIRED)


async def test_promo_usage_feeds_the_evaluator(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    quota = await client.create(promotion)
    budget = await client.create(
        msgspec.structs.replace(
            promotion,
            name="BUDGET-2030",
            code="BUDGET30",
            discount=promokit.Fixed(amount=10_000),
            limit=promokit.Budget(amount=25_000),
        )
    )
    assert quota.id is not None
    assert budget.id is not None
    emulator.activate(quota.id)
    emulator.activate(budget.id)
    emulator.redeem("BUDGET30", 10_000)
    emulator.redeem("BUDGET30", 10_000)
    emulator.redeem("PAYDAY30", 25_000)
    emulator.redeem("PAYDAY30", 25_000)

    capped = await client.validate("BUDGET30", _card_checkout())
    last_use = await client.validate("PAYDAY30", _card_checkout())
    emulator.redeem("PAYDAY30", 25_000)
    used_up = await client.validate("PAYDAY30", _card_checkout())

    assert (capped.valid, capped.discount_amount) == (True, 5_000), "budget left: 5000"
    assert last_use.valid is True
    # Durianpay expires a promo whose quota is used up, so the status says why first.
    assert (used_up.valid, used_up.reason) == (False, Rejection.EXPIRED)


async def test_validate_of_an_unknown_code_is_not_found(
    client: promokit.Client, promotion: promokit.Promotion
) -> None:
    await client.create(promotion)

    result = await client.validate("NOPE", _card_checkout())

    assert result.valid is False
    assert result.reason == Rejection.NOT_FOUND
    assert result.evaluated_locally is True
    assert result.provider == "dp"


async def test_codes_are_found_by_listing_when_echoed_then_read_by_id(
    server: EmulatorServer,
    emulator: DurianpayEmulator,
    make_client: Callable[..., promokit.Client],
    provider_for: Callable[..., DurianpayProvider],
    clock: VirtualClock,
    promotion: promokit.Promotion,
) -> None:
    async with make_client(server.url) as writer:
        created = await writer.create(promotion)
    assert created.id is not None
    emulator.activate(created.id)

    async with make_client(server.url) as fresh:
        provider = provider_for(fresh, clock)
        unechoed = await fresh.validate("PAYDAY30", _card_checkout())
        emulator.echo_code = True
        emulator.requests.clear()
        echoed = await fresh.validate("PAYDAY30", _card_checkout())
        listed = [(request.method, request.path) for request in emulator.requests]
        emulator.requests.clear()
        again = await fresh.validate("PAYDAY30", _card_checkout())
        fetched = [(request.method, request.path) for request in emulator.requests]
        remembered = await provider.codes.id_for("PAYDAY30")
        usage = await fresh.usage("PAYDAY30")

    # Without echoed codes only the provider instance that sent the code can match it.
    assert unechoed.reason == Rejection.NOT_FOUND
    assert echoed.valid is True
    assert usage.used == 0
    # A code Durianpay echoed in a page is remembered: the next validate reads one promo.
    assert listed == [("GET", "/v1/merchants/promos")]
    assert again == echoed
    assert fetched == [("GET", f"/v1/merchants/promos/{created.id}")]
    assert remembered == created.id


async def test_usage_reads_promo_usage_and_limit_value(
    client: promokit.Client, emulator: DurianpayEmulator, promotion: promokit.Promotion
) -> None:
    created = await client.create(promotion)
    unlimited = await client.create(
        msgspec.structs.replace(promotion, name="FREE-2030", code="FREE", limit=None)
    )
    assert created.id is not None
    emulator.redeem(created.id, 1_000)
    emulator.redeem("FREE", 1_000)

    counted = await client.usage("PAYDAY30")
    emulator.redeem(created.id, 1_000)
    emulator.redeem(created.id, 1_000)
    exhausted = await client.usage("PAYDAY30")
    endless = await client.usage("FREE")

    assert counted == promokit.Usage(code="PAYDAY30", used=1, limit=3, remaining=2)
    assert exhausted == promokit.Usage(
        code="PAYDAY30", used=3, limit=3, remaining=0, exhausted=True
    )
    assert endless == promokit.Usage(code="FREE", used=1, limit=None, remaining=None)
    assert unlimited.limit is None
    with pytest.raises(promokit.NotFound):
        await client.usage("NOPE")


async def test_a_deleted_code_is_forgotten(
    client: promokit.Client, provider: DurianpayProvider, promotion: promokit.Promotion
) -> None:
    created = await client.create(promotion)
    assert created.id is not None
    assert await provider.codes.id_for("PAYDAY30") == created.id

    await client.delete(created.id)

    assert await provider.codes.id_for("PAYDAY30") is None
    assert (await client.validate("PAYDAY30", _card_checkout())).reason == Rejection.NOT_FOUND


async def test_a_code_whose_promo_vanished_falls_back_to_listing(
    client: promokit.Client,
    provider: DurianpayProvider,
    emulator: DurianpayEmulator,
    promotion: promokit.Promotion,
) -> None:
    created = await client.create(promotion)
    assert created.id is not None
    del emulator.promos[created.id]

    result = await client.validate("PAYDAY30", _card_checkout())

    assert result.reason == Rejection.NOT_FOUND
    assert await provider.codes.id_for("PAYDAY30") is None


# -- reconciliation helpers -------------------------------------------------------------------


async def test_find_by_label(
    client: promokit.Client, provider: DurianpayProvider, promotion: promokit.Promotion
) -> None:
    created = await client.create(promotion)

    found = await provider.find(promotion)
    missing = await provider.find(msgspec.structs.replace(promotion, name="ABSENT"))

    assert found is not None
    assert found.id == created.id
    assert missing is None
    assert provider.natural_key(promotion) == "PAYDAY-2030"
