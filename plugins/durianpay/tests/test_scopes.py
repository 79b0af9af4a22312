"""Scopes are never widened on read: unreadable ones are unknown, unknown keys kept verbatim."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from promokit_durianpay import mapping
from promokit_durianpay.emulator import DurianpayEmulator
from promokit_durianpay.wire import Promo, PromoEnvelope

import promokit
from promokit.http import codec
from promokit.model import Rejection
from promokit.plugins.emulator import EmulatorServer, VirtualClock
from promokit.workflows.migrate import migrate

from .conftest import FIXTURES, START, TEST_KEY


async def _no_sleep(seconds: float) -> None:
    return None


def _config(url: str) -> dict[str, Any]:
    return {
        "default": "dp",
        "ledger": ":memory:",
        "providers": {
            "dp": {"plugin": "durianpay", "api_key": TEST_KEY, "base_url": url},
            "mem": {"plugin": "memory"},
        },
    }


@dataclass
class World:
    """An e-wallet promo created on a server that answers its wallets under another key."""

    emulator: DurianpayEmulator
    client: promokit.Client
    created: promokit.Promotion

    async def read_back(self) -> promokit.Promotion:
        [read] = [item async for item in self.client.list()]
        return read


@pytest.fixture
async def world(clock: VirtualClock, promotion: promokit.Promotion) -> AsyncIterator[World]:
    ewallet = msgspec.structs.replace(
        promotion, name="OVO-2030", code="OVO30", payment=promokit.EwalletScope(wallets=("OVO",))
    )
    emulator = DurianpayEmulator(clock=clock, seed=5, wallet_key="ewallet_types")
    async with (
        EmulatorServer(emulator, prefix="/v1") as server,
        promokit.Client.from_config(_config(server.url), sleep=_no_sleep) as client,
    ):
        yield World(emulator, client, await client.create(ewallet))


def _read(body: dict[str, Any]) -> promokit.Promotion:
    promo = codec.decode(json.dumps(body).encode(), Promo, provider="dp", operation="get")
    return mapping.to_promotion(promo, provider="dp", operation="get", at="$")


def _promo(**changes: Any) -> dict[str, Any]:
    return {
        "id": "prm_1",
        "label": "L1",
        "code": "L1CODE",  # echoed here, so only the scope is in question
        "type": "ewallet_promos",
        "discount": "10",
        "discount_type": "percentage",
        "starts_at": "2030-01-01T00:00:00Z",
        "ends_at": "2030-02-01T00:00:00Z",
        "promo_details": {"promo_id": "prm_1", "wallet_types": ["OVO"]},
        **changes,
    }


def test_a_readable_scope_is_known() -> None:
    read = _read(_promo())
    assert read.payment == promokit.EwalletScope(wallets=("OVO",))
    assert read.unknown == ()
    assert "durianpay" not in read.extensions


@pytest.mark.parametrize(
    ("changes", "placeholder", "kept"),
    [
        # The e-wallet key is undocumented: another name is kept, and the scope unknown.
        (
            {"promo_details": {"promo_id": "prm_1", "ewallet_types": ["OVO"]}},
            promokit.EwalletScope(),
            {"ewallet_types": ["OVO"]},
        ),
        ({"promo_details": None}, promokit.EwalletScope(), None),
        (
            {"type": "va_promos", "promo_details": {"va_banks": ["BCA"]}},
            promokit.VirtualAccountScope(),
            {"va_banks": ["BCA"]},
        ),
        (
            {"type": "card_promos", "promo_details": {"bin_list": [], "bank_codes": []}},
            promokit.CardScope(),
            None,
        ),
        # Known lists plus a key promokit does not know (it may narrow the scope).
        (
            {"type": "card_promos", "promo_details": {"bin_list": [424242], "tenor": [3]}},
            promokit.CardScope(bins=("424242",)),
            {"tenor": [3]},
        ),
    ],
)
def test_an_unreadable_scope_is_unknown_never_all(
    changes: dict[str, Any], placeholder: promokit.PaymentScope, kept: dict[str, Any] | None
) -> None:
    read = _read(_promo(**changes))
    assert read.unknown == ("payment",)
    assert read.payment == placeholder
    assert read.extensions.get("durianpay", {}).get("promo_details") == kept


def test_a_malformed_list_names_its_path() -> None:
    with pytest.raises(promokit.ResponseValidationError) as caught:
        _read(_promo(promo_details={"wallet_types": "OVO"}))
    assert caught.value.path == "$.promo_details.wallet_types"


def test_the_assumed_ewallet_example_keeps_its_key_and_reads_as_unknown() -> None:
    body = (FIXTURES / "assumed_fetch_one_ewallet.json").read_bytes()
    promo = codec.decode(body, PromoEnvelope, provider="dp", operation="get").data
    read = mapping.to_promotion(promo, provider="dp", operation="get")
    assert read.unknown == ("code", "payment")  # the documented fetch echoes no code
    assert read.payment == promokit.EwalletScope()
    assert read.extensions == {"durianpay": {"promo_details": {"ewallet_types": ["OVO"]}}}


async def test_read_back_from_a_server_with_another_key_the_scope_is_unknown(
    world: World,
) -> None:
    assert world.created.id is not None
    listed = await world.read_back()
    fetched = await world.client.get(world.created.id)

    for read in (listed, fetched, world.created):
        assert read.unknown == ("payment",)
        assert read.payment == promokit.EwalletScope()
        assert read.extensions["durianpay"]["promo_details"] == {"ewallet_types": ["OVO"]}


async def test_plan_and_create_refuse_to_copy_an_unknown_scope_unless_told(world: World) -> None:
    client = world.client
    draft = (await world.read_back()).draft()

    plan = client.plan(draft, "mem")
    assert not plan.ok
    assert plan.unknown == ("payment",)
    assert [problem.path for problem in plan.problems] == ["payment"]
    with pytest.raises(promokit.UnknownFields) as caught:
        await client.create(draft, "mem")
    assert caught.value.outcome == "not_sent"
    assert [problem.path for problem in caught.value.problems] == ["payment"]
    assert "payment" in str(caught.value)
    # Told: the placeholder (an empty e-wallet list) is still no valid scope.
    allowed = client.plan(draft, "mem", allow_unknown=True)
    assert [problem.path for problem in allowed.problems] == ["payment.wallets"]
    # Told with the real value: it is a fact again.
    fixed = msgspec.structs.replace(
        draft, payment=promokit.EwalletScope(wallets=("OVO",)), unknown=()
    )
    copied = await client.create(fixed, "mem")

    assert copied.payment == promokit.EwalletScope(wallets=("OVO",))
    assert copied.unknown == ()


async def test_migrate_skips_an_unknown_scope_naming_it_and_fill_resolves_it(
    world: World,
) -> None:
    skipped = await migrate(world.client, "dp", "mem")
    [item] = skipped.items
    assert item.status == "skipped"
    assert [reason.path for reason in item.reasons] == ["payment"]

    wallets = {"payment": {"type": "ewallet", "wallets": ["OVO"]}}
    [done] = (await migrate(world.client, "dp", "mem", fill=wallets)).items
    assert done.status == "migrated", done
    assert done.filled == ("payment",)
    [copy] = [item async for item in world.client.list("mem")]

    assert copy.payment == promokit.EwalletScope(wallets=("OVO",))
    assert copy.unknown == ()


async def test_a_round_trip_to_durianpay_resends_the_kept_keys(world: World) -> None:
    read = await world.read_back()
    assert read.id is not None
    fixed = msgspec.structs.replace(
        read, payment=promokit.EwalletScope(wallets=("OVO",)), unknown=()
    )
    await world.client.update(read.id, fixed)

    sent = json.loads(world.emulator.requests[-1].body)
    assert sent["promo_details"] == {"wallet_types": ["OVO"], "ewallet_types": ["OVO"]}


async def test_an_update_of_what_was_read_is_refused_while_the_scope_is_unknown(
    world: World,
) -> None:
    read = await world.read_back()
    assert read.id is not None
    world.emulator.requests.clear()
    with pytest.raises(promokit.UnknownFields):
        await world.client.update(read.id, read)
    assert world.emulator.requests == []


async def test_validate_cannot_say_yes_or_no_for_an_unknown_wallet_list(world: World) -> None:
    assert world.created.id is not None
    world.emulator.activate(world.created.id)
    world.client.provider("dp").clock = lambda: START  # type: ignore[attr-defined]
    wallet = promokit.Checkout(amount=200_000, payment_method="ewallet", wallet="OVO")
    card = promokit.Checkout(amount=200_000, payment_method="card", card_bin="424242")
    by_wallet = await world.client.validate("OVO30", wallet)
    by_card = await world.client.validate("OVO30", card)

    assert not by_wallet.valid
    assert by_wallet.reason is Rejection.UNKNOWN
    assert by_card.reason is Rejection.PAYMENT_METHOD_NOT_ELIGIBLE
