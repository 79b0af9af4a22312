"""Every operation given ``timeout=`` ends within it, with a truthful outcome, on both gateways.

The gateway (a real plugin's emulator on loopback, the fault matrix's rig) answers
later than both the call's ``timeout`` and the provider's own (1 s): the call ends by
its own deadline. A request that was sent and got no answer in time is
``RequestTimeout`` with ``outcome="unknown"`` (it may have been applied), naming the
operation sent.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import msgspec
import pytest

import promokit
from promokit import Checkout, Promotion, RequestTimeout
from promokit.http.call_deadline import CALL_DEADLINE

from .test_fault_matrix import DURIANPAY, MAYAR, Rig, opened

TIMEOUT = 0.3
SLACK = 0.35  # a loaded 2-core machine: still well short of the provider's 1 s
LINK = "0b4f1c2e-5d6a-4e7b-8c9d-0a1b2c3d4e5f"  # a Mayar payment link, made in the emulator
CHECKOUTS = {
    "mayar": Checkout(amount=200_000, product_id=LINK),
    "durianpay": Checkout(amount=200_000, payment_method="card", card_bin="424242"),
}


@dataclass
class Made:
    """A rig with one promotion created at full speed, and a checkout it applies to."""

    rig: Rig
    created: Promotion
    checkout: Checkout

    @property
    def client(self) -> promokit.Client:
        return self.rig.client

    @property
    def id(self) -> str:
        assert self.created.id is not None
        return self.created.id

    @property
    def code(self) -> str:
        assert self.created.code is not None
        return self.created.code


@pytest.fixture(params=[MAYAR, DURIANPAY], ids=["mayar", "durianpay"])
async def made(request: pytest.FixtureRequest) -> AsyncIterator[Made]:
    async with opened(request.param) as rig:
        if rig.gateway.plugin == "mayar":
            rig.emulator.add_product(LINK)
        created = await rig.client.create(rig.gateway.sample)
        yield Made(rig, created, CHECKOUTS[rig.gateway.plugin])


Call = Callable[[Made], Awaitable[object]]


async def first_listed(made: Made) -> object:
    return await anext(made.client.list(timeout=TIMEOUT))


def renamed(promotion: Promotion) -> Promotion:
    return msgspec.structs.replace(promotion, id=None, name="FLASH-NEW")


# operation -> (the call, the operation its cut-short request names); update and
# delete are Durianpay's only (Mayar cannot change or remove a coupon).
CALLS: dict[str, tuple[Call, str]] = {
    "get": (lambda m: m.client.get(m.id, timeout=TIMEOUT), "get"),
    "list": (first_listed, "list"),
    "validate": (lambda m: m.client.validate(m.code, m.checkout, timeout=TIMEOUT), "validate"),
    "usage": (lambda m: m.client.usage(m.code, timeout=TIMEOUT), "usage"),
    "register_code": (lambda m: m.client.register_code("FLASH2", m.id, timeout=TIMEOUT), "get"),
    "diff": (lambda m: m.client.diff([m.created], timeout=TIMEOUT), "list"),
    "update": (lambda m: m.client.update(m.id, renamed(m.created), timeout=TIMEOUT), "update"),
    "delete": (lambda m: m.client.delete(m.id, timeout=TIMEOUT), "delete"),
}


@pytest.mark.usefixtures("settled_gc")
@pytest.mark.parametrize("operation", sorted(CALLS))
async def test_an_operation_given_a_timeout_fails_in_time_saying_the_outcome_is_unknown(
    made: Made, operation: str
) -> None:
    call, sent = CALLS[operation]
    if not made.client.provider().manifest.supports(sent):
        with pytest.raises(promokit.UnsupportedFeature):
            await call(made)
        return
    made.rig.emulator.faults.add("delay", delay=2.0, count=100)
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as caught:
        await call(made)
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + SLACK, f"{operation} took {elapsed:.2f}s"
    assert caught.value.outcome == "unknown"
    assert caught.value.operation == sent
    assert caught.value.provider == "gw"
    assert CALL_DEADLINE.get() is None  # nothing left behind for the next call


async def test_without_a_timeout_only_the_providers_own_bounds_the_call(made: Made) -> None:
    assert promokit.deadline(None) is promokit.deadline(None)  # one shared, stateless block
    made.rig.emulator.faults.add("delay", delay=TIMEOUT + SLACK, count=3)
    for read in (
        made.client.get(made.id),
        made.client.usage(made.code),
        made.client.validate(made.code, made.checkout),
    ):
        assert await read is not None
    assert CALL_DEADLINE.get() is None


async def test_register_codes_given_a_timeout_bounds_the_whole_import(made: Made) -> None:
    # Each read by id answers within the timeout, the four together do not: the timeout
    # is the import's, as every operation's is, not each pair's.
    made.rig.emulator.faults.add("delay", delay=TIMEOUT * 2 / 3, count=100)
    pairs = [(f"FLASH{index}", made.id) for index in range(4)]
    with pytest.raises(RequestTimeout) as caught:
        await made.client.register_codes(pairs, timeout=TIMEOUT)
    # Cut short in a read (unknown), or between two on a loaded machine (not sent).
    assert caught.value.outcome in ("unknown", "not_sent")
    assert caught.value.operation == "get"
    assert CALL_DEADLINE.get() is None


async def test_register_codes_refuses_a_bad_timeout_even_with_nothing_to_import(
    made: Made,
) -> None:
    with pytest.raises(promokit.InvalidInput) as caught:
        await made.client.register_codes([], timeout=0)
    assert [problem.path for problem in caught.value.problems] == ["timeout"]


@pytest.mark.usefixtures("settled_gc")
async def test_a_create_given_a_timeout_ends_in_time_with_the_key_to_reconcile(
    made: Made,
) -> None:
    # An exactly-once write cut short says so as OutcomeUnknown: its lookup of what the
    # gateway did ran out of time too, and the key is what reconcile() takes later.
    made.rig.emulator.faults.add("delay", delay=2.0, count=100)
    started = time.monotonic()
    with pytest.raises(promokit.OutcomeUnknown) as caught:
        await made.client.create(
            renamed(made.created), idempotency_key="deadline-create", timeout=TIMEOUT
        )
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + SLACK, f"create took {elapsed:.2f}s"
    assert caught.value.outcome == "unknown"
    assert caught.value.operation == "create"
    assert caught.value.idempotency_key == "deadline-create"
    assert CALL_DEADLINE.get() is None
