"""Bad input of every kind is a typed promokit error naming the field, before any request."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from promokit import ConfigurationError, InvalidInput
from promokit.config import load_config
from promokit.workflows.files import load_promotions

DEEP = 100_000


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".json", "[" * DEEP + "]" * DEEP),
        (".json", '{"promotions": [{"name": "x", "extensions": {"a": ' + "[" * DEEP + "]" * DEEP),
        (".toml", "promotions = " + "[" * DEEP + "]" * DEEP),
    ],
    ids=["json-top", "json-inside", "toml"],
)
def test_a_promotions_file_nested_too_deep_is_invalid_input(
    tmp_path: Path, suffix: str, text: str
) -> None:
    path = tmp_path / f"deep{suffix}"
    path.write_text(text)
    with pytest.raises(InvalidInput, match="deep"):
        load_promotions(path)


def table(**options: Any) -> dict[str, Any]:
    key = options.pop("api_key", "mayar_test_0123456789abcdef")
    return {"providers": {"shop": {"plugin": "mayar", "api_key": key, **options}}}


@pytest.mark.parametrize("name", ["timeout", "connect_timeout", "max_queue_wait", "rate_limit"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_non_finite_number_in_the_config_is_refused_naming_it(name: str, value: float) -> None:
    with pytest.raises(ConfigurationError, match=name):
        load_config(table(**{name: value}))


@pytest.mark.parametrize("key", ["mayar\x00test_0123456789", "mayar_test_\x7f0123456789"])
def test_a_control_character_in_the_api_key_is_refused_at_load(key: str) -> None:
    with pytest.raises(ConfigurationError, match="api_key") as caught:
        load_config(table(api_key=key))
    assert key not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("timeout", "3"), ("max_retries", 1.5), ("max_concurrency", True), ("rate_limit", "x")],
)
def test_a_wrongly_typed_config_value_is_refused_naming_it(name: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=name):
        load_config(table(**{name: value}))


async def test_wrongly_typed_model_inputs_are_refused_before_any_request() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from promokit import Checkout, Client, Fixed, InvalidCheckout, InvalidPromotion, Promotion

    config = {"providers": {"mem": {"plugin": "memory"}}}
    good = Promotion(name="Typed input", discount=Fixed(amount=10), code="TYPED1")
    cases: list[tuple[str, Any]] = [
        ("name", 5),
        ("discount.amount", "10"),
        ("code", Decimal("Infinity")),
        ("starts_at", "2030-01-01"),
        ("products[0]", 7),
        ("extensions.mayar", {"mayar": 5}),
    ]
    async with Client.from_config(config) as client:
        for path, value in cases:
            head = path.split(".")[0].split("[")[0]
            if head == "discount":
                fields = {"name": good.name, "discount": Fixed(amount=value)}
            elif head == "products":
                fields = {"name": good.name, "discount": good.discount, "products": (value,)}
            else:
                fields = {"name": good.name, "discount": good.discount, head: value}
            with pytest.raises(InvalidPromotion) as caught:  # refused when built: no create
                Promotion(**fields)
            assert [problem.path for problem in caught.value.problems] == [path]
        assert [p async for p in client.list("mem")] == []
        with pytest.raises(InvalidCheckout) as refused:
            await client.validate("TYPED1", Checkout(amount="600000"), "mem")  # type: ignore[arg-type]
        assert refused.value.problems[0].path == "amount"
        assert datetime.now(UTC)  # the clock is not part of any of these checks


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "600000"),
        ("amount", True),
        ("currency", 5),
        ("customer_type", "vip"),
        ("items_amount", 1.5),
        ("extensions", {"mayar": 5}),
        ("extensions", {"mayar": {7: "a key that is not text"}}),
    ],
)
def test_a_checkout_refuses_a_wrong_type_when_built(field: str, value: Any) -> None:
    from promokit import Checkout, InvalidCheckout

    fields: dict[str, Any] = {"amount": 600_000, field: value}
    with pytest.raises(InvalidCheckout) as caught:
        Checkout(**fields)
    assert [problem.path for problem in caught.value.problems] == [field]


@pytest.mark.parametrize(
    ("plugin", "key"),
    [("mayar", "mayar_test_0123456789abcdef"), ("durianpay", "dp_test_0123456789abcdef")],
)
@pytest.mark.parametrize("value", [5, None, {7: "a key that is not text"}])
async def test_checkout_extensions_changed_after_it_was_built_are_refused_before_any_request(
    plugin: str, key: str, value: Any
) -> None:
    from promokit import Checkout, Client, InvalidCheckout
    from promokit.plugins.emulator import EmulatorServer
    from promokit.plugins.emulators import load_emulator

    emulator, prefix = load_emulator(plugin, api_key=key)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = {
            "ledger": ":memory:",
            "providers": {"gw": {"plugin": plugin, "api_key": key, "base_url": server.url}},
        }
        async with Client.from_config(config) as client:
            checkout = Checkout(amount=600_000)
            # Frozen, but its dicts are not: a change after the check made when built.
            checkout.extensions[plugin] = value
            with pytest.raises(InvalidCheckout) as caught:
                await client.validate("CHANGED1", checkout)
    assert [problem.path for problem in caught.value.problems] == ["extensions"]
    assert emulator.requests == []
