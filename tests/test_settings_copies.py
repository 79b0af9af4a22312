"""A copied config keeps its API key; a pickled one carries none and refuses before sending."""

from __future__ import annotations

import copy
import pickle
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import promokit
from promokit.config import Config, load_config
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

KEY = "copies-mayar-key-00000001"


@pytest.fixture
async def served() -> AsyncIterator[tuple[Any, Config]]:
    emulator, prefix = load_emulator("mayar", api_key=KEY)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = load_config(
            {
                "ledger": ":memory:",
                "providers": {
                    "gw": {
                        "plugin": "mayar",
                        "api_key": KEY,
                        "base_url": server.url,
                        "environment": "sandbox",
                    }
                },
            }
        )
        yield emulator, config


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
async def test_a_copied_config_keeps_its_key_and_works(
    served: tuple[Any, Config], duplicate: Callable[[Config], Config]
) -> None:
    _, config = served
    copied = duplicate(config)
    assert copied == config
    settings = copied.settings("gw")
    assert settings.api_key is not None
    assert settings.api_key.reveal() == KEY
    async with promokit.Client(copied) as client:
        assert [promotion async for promotion in client.list()] == []


async def test_a_pickled_config_carries_no_key_and_refuses_before_any_request(
    served: tuple[Any, Config],
) -> None:
    emulator, config = served
    data = pickle.dumps(config)
    assert KEY.encode() not in data
    unpickled = pickle.loads(data)
    async with promokit.Client(unpickled) as client:
        with pytest.raises(promokit.ConfigurationError) as caught:
            [promotion async for promotion in client.list()]
    assert [problem.path for problem in caught.value.problems] == ["api_key"]
    assert "pickle" in str(caught.value)
    assert emulator.requests == []  # nothing was sent
