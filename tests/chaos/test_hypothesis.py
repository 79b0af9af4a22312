"""Bounded property tests: any wrongly typed input is a typed error and sends nothing.

Promotions, checkouts and config tables are built field by field from valid
values mixed with values of the wrong type, non-finite numbers and hostile
strings. Each operation then either raises a promokit error before any request
(the gateway saw nothing), or — only when the input is in fact well typed — may
reach the gateway. An oracle independent of promokit's rules (msgspec's strict
conversion of the same data) says which inputs are wrongly typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promokit import (
    Budget,
    CardScope,
    Checkout,
    Client,
    ConfigurationError,
    Fixed,
    InvalidCheckout,
    InvalidPromotion,
    Percent,
    PromokitError,
    Promotion,
    Quota,
)
from promokit.config import load_config
from promokit.http import codec

from .conftest import settings as rig_settings
from .gateway import gateway, server_for
from .tally import TALLY

EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 0.0, -1.0, 2**70]),
    st.decimals(),  # NaN, sNaN and infinities included
    st.text(max_size=8),
    st.text(alphabet="\x00\n\t ", min_size=1, max_size=3),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
    st.just(Fixed(amount=5)),
    st.just(Quota(uses=3)),
)
"""Values of the wrong type (or the right type and a hostile value) for any field."""

AWARE = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
GOOD_PROMOTION: dict[str, st.SearchStrategy[Any]] = {
    "name": st.text(min_size=5, max_size=20),
    "discount": st.one_of(
        st.builds(Fixed, amount=st.integers(1, 10**6)),
        st.builds(Percent, value=st.decimals(1, 50, places=1)),
    ),
    "description": st.none() | st.text(max_size=20),
    "code": st.none() | st.text(alphabet="ABCDEFGH0123", min_size=3, max_size=10),
    "coupon_type": st.sampled_from(["reusable", "single_use"]),
    "currency": st.just("IDR"),
    "min_purchase": st.none() | st.integers(0, 10**6),
    "limit": st.none() | st.builds(Quota, uses=st.integers(1, 100)),
    "starts_at": st.none() | AWARE,
    "ends_at": st.none() | AWARE,
    "customers": st.sampled_from(["all", "new", "returning"]),
    "products": st.lists(st.text(min_size=1, max_size=5), max_size=2).map(tuple),
    "payment": st.none() | st.builds(CardScope, bins=st.just(("424242",))),
    "reward": st.sampled_from(["discount", "cashback"]),
    "applies_to": st.sampled_from(["order", "items", "shipping"]),
    "extensions": st.just({}),
}
NESTED: dict[str, st.SearchStrategy[Any]] = {
    "discount": st.one_of(
        st.builds(Fixed, amount=WRONG),
        st.builds(Percent, value=WRONG),
        st.builds(Percent, value=st.just(Decimal(10)), max_amount=WRONG),
    ),
    "limit": st.one_of(st.builds(Quota, uses=WRONG), st.builds(Budget, amount=WRONG)),
    "payment": st.one_of(
        st.builds(CardScope, bins=WRONG), st.builds(CardScope, bins=st.lists(WRONG).map(tuple))
    ),
    "products": st.lists(WRONG, min_size=1, max_size=2).map(tuple),
    "extensions": st.one_of(
        st.dictionaries(st.sampled_from(["mayar", "durianpay"]), WRONG, min_size=1),
        WRONG,
    ),
}


def marked_values(
    good: dict[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[tuple[dict[str, Any], frozenset[str]]]:
    """Every field good, then up to three of them (named) replaced by wrong values."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[dict[str, Any], frozenset[str]]:
        values = {name: draw(strategy) for name, strategy in good.items()}
        replaced = draw(st.lists(st.sampled_from(sorted(good)), max_size=3, unique=True))
        for name in replaced:
            choices = [WRONG] + ([NESTED[name]] if name in NESTED else [])
            values[name] = draw(st.one_of(*choices))
        return values, frozenset(replaced)

    return build()


def field_values(good: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Every field good, then up to three of them replaced by wrong values."""
    return marked_values(good).map(lambda marked: marked[0])


_KEPT = (datetime, Decimal)


def well_typed(cls: type[msgspec.Struct], value: msgspec.Struct) -> bool:
    """The oracle: does ``value`` survive msgspec's strict conversion to ``cls``?"""
    try:
        builtins = msgspec.to_builtins(value, builtin_types=_KEPT, enc_hook=codec.enc_hook)
        msgspec.convert(builtins, cls, dec_hook=codec.dec_hook)
    except (msgspec.ValidationError, TypeError, ValueError, OverflowError, NotImplementedError):
        return False
    except RecursionError:
        return False
    for number in _numbers(builtins):
        if isinstance(number, float) and number != number:
            return False
    return True


def _numbers(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    else:
        yield value


class Gateways:
    """Both providers' chaos gateways and a client on each, on one event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.rigs: dict[str, Any] = {}

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def start(self) -> None:
        for provider in ("mayar", "durianpay"):
            emulator, prefix = gateway(provider)
            server = server_for(emulator, prefix)
            await server.start()
            client = Client.from_config(rig_settings(provider, server.url))
            self.rigs[provider] = (server, emulator.chaos, client)

    async def stop(self) -> None:
        for server, _, client in self.rigs.values():
            await client.aclose()
            await server.stop()


@pytest.fixture(scope="module")
def gateways() -> Iterator[Gateways]:
    rigs = Gateways()
    rigs.run(rigs.start())
    yield rigs
    rigs.run(rigs.stop())
    rigs.loop.close()


def check_operation(rigs: Gateways, provider: str, call: Any, valid: bool) -> None:
    """``call(client)`` raised a promokit error before any request, or ``valid`` holds."""
    _, chaos, client = rigs.rigs[provider]
    before = len(chaos.seen)
    failure: PromokitError | None = None
    try:
        rigs.run(call(client))
    except PromokitError as error:
        failure = error
    except Exception as error:
        TALLY.scenario(typed=False)
        raise AssertionError(f"untyped {type(error).__name__}: {error}") from error
    TALLY.scenario(typed=True)
    sent = len(chaos.seen) - before
    if failure is not None and sent == 0:
        assert failure.outcome == "not_sent"
        return
    # It reached the gateway (or succeeded): only a well-typed input may.
    assert valid, f"a wrongly typed input was sent: {failure!r}"


@EXAMPLES
@given(values=field_values(GOOD_PROMOTION), provider=st.sampled_from(["mayar", "durianpay"]))
def test_any_promotion_is_typed_or_sent_only_when_well_typed(
    gateways: Gateways, values: dict[str, Any], provider: str
) -> None:
    try:
        promotion = Promotion(**values)  # a wrong type is refused right here, by field
    except InvalidPromotion as refused:
        problems = refused.problems
    else:
        problems = ()
    if problems:
        TALLY.scenario(typed=True)
        return
    valid = well_typed(Promotion, promotion)
    assert valid, f"built although msgspec's strict rules refuse it: {promotion!r}"
    for operation in ("create", "update"):
        if operation == "create":

            async def call(client: Client) -> Any:
                return await client.create(promotion)
        else:

            async def call(client: Client) -> Any:
                return await client.update("p_1", promotion)

        check_operation(gateways, provider, call, valid)


@EXAMPLES
@given(marked=marked_values(GOOD_PROMOTION))
def test_building_a_promotion_refuses_every_wrong_type_by_field(
    marked: tuple[dict[str, Any], frozenset[str]],
) -> None:
    """Any constructor input: a promotion msgspec's strict rules accept, or InvalidPromotion."""
    values, replaced = marked
    refusal: InvalidPromotion | None = None
    try:
        promotion = Promotion(**values)
    except InvalidPromotion as refused:
        refusal = refused
    except Exception as error:
        raise AssertionError(f"untyped {type(error).__name__}: {error}") from error
    if refusal is None:
        assert well_typed(Promotion, promotion), promotion
        return
    assert refusal.problems
    assert refusal.outcome == "not_sent"
    for problem in refusal.problems:  # each names a field that was given a wrong value
        assert problem.path.partition(".")[0].partition("[")[0] in replaced, problem


GOOD_CHECKOUT: dict[str, st.SearchStrategy[Any]] = {
    "amount": st.integers(1, 10**7),
    "currency": st.just("IDR"),
    "product_id": st.none() | st.text(min_size=1, max_size=5),
    "customer_email": st.none() | st.just("a@example.com"),
    "customer_type": st.none() | st.sampled_from(["new", "returning"]),
    "payment_method": st.none() | st.sampled_from(["card", "ewallet", "virtual_account"]),
    "card_bin": st.none() | st.just("424242"),
    "bank": st.none() | st.just("BCA"),
    "wallet": st.none() | st.just("OVO"),
    "items_amount": st.none() | st.integers(0, 10**6),
    "shipping_amount": st.none() | st.integers(0, 10**6),
}


@EXAMPLES
@given(values=field_values(GOOD_CHECKOUT), provider=st.sampled_from(["mayar", "durianpay"]))
def test_any_checkout_is_typed_or_sent_only_when_well_typed(
    gateways: Gateways, values: dict[str, Any], provider: str
) -> None:
    try:
        checkout = Checkout(**values)  # a wrong type is refused right here, by field
    except InvalidCheckout as refused:
        problems = refused.problems
    else:
        problems = ()
    if problems:
        TALLY.scenario(typed=True)
        return
    valid = well_typed(Checkout, checkout)

    async def call(client: Client) -> Any:
        return await client.validate("CODE1", checkout)

    check_operation(gateways, provider, call, valid)


GOOD_TABLE: dict[str, st.SearchStrategy[Any]] = {
    "timeout": st.floats(0.5, 5),
    "connect_timeout": st.floats(0.5, 5),
    "max_retries": st.integers(0, 3),
    "rate_limit": st.none() | st.floats(1, 1000),
    "max_concurrency": st.integers(1, 20),
    "max_queue_wait": st.none() | st.floats(0.5, 5),
    "environment": st.just("sandbox"),
}


@EXAMPLES
@given(values=field_values(GOOD_TABLE), provider=st.sampled_from(["mayar", "durianpay"]))
def test_any_config_table_is_a_configuration_error_or_works(
    gateways: Gateways, values: dict[str, Any], provider: str
) -> None:
    server, _, _ = gateways.rigs[provider]
    raw = rig_settings(provider, server.url, **values)
    try:
        config = load_config(raw)
    except ConfigurationError:
        TALLY.scenario(typed=True)
        return
    except Exception as error:
        TALLY.scenario(typed=False)
        raise AssertionError(f"untyped {type(error).__name__}: {error}") from error
    # Accepted: every number in it is finite and of the right type ...
    settings_ = config.settings("shop")
    for name in ("timeout", "connect_timeout"):
        value = getattr(settings_, name)
        assert isinstance(value, float | int)
        assert 0 < value < float("inf")

    # ... and a call with it is a request or a typed error, never a crash.
    async def call() -> None:
        async with Client(config) as client:
            await client.get("p_1", timeout=1.0)

    try:
        gateways.run(call())
    except PromokitError:
        pass
    except Exception as error:
        TALLY.scenario(typed=False)
        raise AssertionError(f"untyped {type(error).__name__}: {error}") from error
    TALLY.scenario(typed=True)
