"""Every error class × where it is raised: the ``outcome`` it carries is what happened.

``not_sent``: nothing reached the gateway. ``rejected``: the gateway answered and
did nothing (for reads, nothing happens anyway). ``unknown``: the gateway may have
acted. Each row provokes the error over loopback and checks the outcome against
the gateway's own count of what it received.
"""

from __future__ import annotations

import inspect
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import promokit
from promokit import Checkout, Client, Fixed, Promotion, errors
from promokit.config import load_config

from .conftest import Rig, promotion_for, settings

Provoke = Callable[[Rig], Awaitable[Any]]


async def bad_config(rig: Rig) -> Any:
    return load_config({"providers": {"x": {"plugin": "mayar", "timeout": float("nan")}}})


async def redirect_read(rig: Rig) -> Any:
    rig.chaos.scenario = "redirect"
    return await rig.client.get("p_1")


async def redirect_write(rig: Rig) -> Any:
    rig.chaos.scenario = "redirect"
    provider = rig.client.provider()
    return await provider.create(promotion_for(rig.provider, "Redirected write"))


async def wrong_type(rig: Rig) -> Any:
    return await rig.client.create(Promotion(name=5, discount=Fixed(amount=1)))  # type: ignore[arg-type]


async def wrong_checkout(rig: Rig) -> Any:
    return await rig.client.validate("C1", Checkout(amount="600000"))  # type: ignore[arg-type]


async def unsupported(rig: Rig) -> Any:
    # Neither provider can express a budget-limited cashback on items only.
    promotion = Promotion(
        name="Unsupported here", discount=Fixed(amount=5), reward="cashback", applies_to="items"
    )
    return await rig.client.create(promotion)


async def limiter_wait(rig: Rig) -> Any:
    async with Client.from_config(settings(rig.provider, rig.url, rate_limit=1)) as client:
        with pytest.raises(errors.NotFound):
            await client.get("p_first")
        return await client.get("p_second")  # the only place of this minute is taken


async def refused_connection(rig: Rig) -> Any:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = settings(rig.provider, f"http://127.0.0.1:{port}{rig.url[rig.url.rfind('/') :]}")
    async with Client.from_config(config) as client:
        return await client.get("p_1")


async def deadline_before_send(rig: Rig) -> Any:
    import asyncio

    with promokit.deadline(0.001):
        await asyncio.sleep(0.01)
        return await rig.client.get("p_1")


async def silent_read(rig: Rig) -> Any:
    rig.chaos.scenario = "silent"
    return await rig.client.get("p_1", timeout=0.3)


async def dropped_read(rig: Rig) -> Any:
    rig.chaos.scenario = "drop_after_commit"
    return await rig.client.get("p_1")


async def answered(status: str, rig: Rig) -> Any:
    rig.chaos.scenario = status
    return await rig.client.get("p_1")


async def missing(rig: Rig) -> Any:
    return await rig.client.get("p_missing")


async def duplicate(rig: Rig) -> Any:
    promotion = promotion_for(rig.provider, "Twice over")
    await rig.client.create(promotion, idempotency_key="one")
    return await rig.client.create(promotion, idempotency_key="two")


async def rate_limited(rig: Rig) -> Any:
    rig.emulator.inner.faults.add("rate_limit", retry_after="120")
    return await rig.client.get("p_1")


async def silent_write(rig: Rig) -> Any:
    rig.chaos.scenario = "silent"
    return await rig.client.create(promotion_for(rig.provider, "Never answered"), timeout=0.4)


# Where the provider's own error reader decides, the class may differ by provider
# (Mayar reads every answer for a failure in its body); the outcome never does.
DEEP_ERROR = (errors.ProviderResponseError, errors.ProviderServerError)
DEEP_SUCCESS = (errors.ProviderResponseError, errors.ResponseValidationError)
Classes = type[errors.PromokitError] | tuple[type[errors.PromokitError], ...]
ROWS: list[tuple[Classes, str, Provoke, str]] = [
    (errors.ConfigurationError, "load_config", bad_config, "not_sent"),
    (errors.ConfigurationError, "a redirected read", redirect_read, "rejected"),
    (errors.ConfigurationError, "a redirected write", redirect_write, "unknown"),
    (errors.InvalidPromotion, "create, wrong type", wrong_type, "not_sent"),
    (errors.InvalidCheckout, "validate, wrong type", wrong_checkout, "not_sent"),
    (errors.UnsupportedFeature, "create, plan", unsupported, "not_sent"),
    (errors.Overloaded, "the rate limiter", limiter_wait, "not_sent"),
    (errors.ConnectError, "connect", refused_connection, "not_sent"),
    (errors.RequestTimeout, "deadline before sending", deadline_before_send, "not_sent"),
    (errors.RequestTimeout, "no answer in time", silent_read, "unknown"),
    (errors.TransportError, "connection dropped", dropped_read, "unknown"),
    (errors.AuthenticationError, "HTTP 401", lambda rig: answered("echo_key_401", rig), "rejected"),
    (errors.BadRequest, "HTTP 400", lambda rig: answered("echo_key_400", rig), "rejected"),
    (errors.NotFound, "HTTP 404", missing, "rejected"),
    (errors.Conflict, "create, already exists", duplicate, "rejected"),
    (errors.RateLimited, "HTTP 429 past the deadline", rate_limited, "rejected"),
    (
        errors.ProviderServerError,
        "HTTP 502",
        lambda rig: answered("echo_key_html_502", rig),
        "unknown",
    ),
    (
        errors.ProviderResponseError,
        "HTML under 200",
        lambda rig: answered("html_200", rig),
        "unknown",
    ),
    (
        DEEP_ERROR,
        "error body nested too deep",
        lambda rig: answered("nested_json_error", rig),
        "unknown",
    ),
    (
        DEEP_SUCCESS,
        "success body nested too deep",
        lambda rig: answered("nested_json", rig),
        "unknown",
    ),
    (errors.OutcomeUnknown, "create, never answered", silent_write, "unknown"),
]


def _name(cls: Classes) -> str:
    return "|".join(c.__name__ for c in cls) if isinstance(cls, tuple) else cls.__name__


ELSEWHERE = {
    errors.PromokitError: "the root: never raised itself",
    errors.ProviderError: "the base of the HTTP-status errors above",
    errors.InvalidInput: "tests/test_call_deadline.py (a bad timeout, before any request)",
    errors.PluginError: "tests/test_plugins.py (raised while registering, before any call)",
    errors.UnknownFields: "plugins/durianpay/tests/test_scopes.py (refused by plan)",
    errors.WriteInProgress: "tests/test_ownership.py (another worker's write: none sent)",
    errors.StaleRecord: "tests/test_writes.py, tests/test_targets.py (the create not sent)",
    errors.LedgerError: "tests/test_ledger_errors.py (the ledger failed; nothing sent)",
}
"""Classes proved elsewhere (each raised before this call sent anything), by test."""


@pytest.mark.rig(timeout=1.0, max_retries=0)
@pytest.mark.parametrize(
    ("cls", "where", "provoke", "outcome"),
    ROWS,
    ids=[f"{_name(cls)}-{where}" for cls, where, _, _ in ROWS],
)
async def test_outcome_of(
    rig: Rig, cls: Classes, where: str, provoke: Provoke, outcome: str
) -> None:
    before = len(rig.chaos.seen)
    with pytest.raises(errors.PromokitError) as caught:
        await provoke(rig)
    seen = len(rig.chaos.seen) - before
    allowed = cls if isinstance(cls, tuple) else (cls,)
    assert type(caught.value) in allowed, f"{where}: {type(caught.value).__name__}"
    assert caught.value.outcome == outcome
    if outcome == "not_sent":
        assert seen == 0 or (cls is errors.Overloaded and seen == 1)  # the minute's one place
    else:
        assert seen >= 1


def test_every_error_class_has_a_row_or_names_its_test() -> None:
    classes = {
        value
        for value in vars(errors).values()
        if inspect.isclass(value) and issubclass(value, errors.PromokitError)
    }
    covered = {one for cls, _, _, _ in ROWS for one in (cls if isinstance(cls, tuple) else (cls,))}
    covered |= set(ELSEWHERE)
    assert classes - covered == set()
