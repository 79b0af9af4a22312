"""A dict config names its ledger: a create on a gateway refuses the in-memory trap, and a
durable ledger keeps a retry from a new OS process from creating a one-time coupon again."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import ConfigurationError, Fixed, Promotion, Quota
from promokit.ledger import Ledger
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

KEY = "dict-ledger-mayar-key-01"
ONE_TIME = Promotion(
    name="One-time gift",
    discount=Fixed(amount=1500),
    coupon_type="single_use",
    limit=Quota(uses=1),
    ends_at=datetime(2030, 1, 1, tzinfo=UTC),
)

# One create in its own OS process, from a dict config given as JSON; prints its outcome.
WORKER = """
import asyncio, json, sys
from datetime import datetime, UTC
import promokit
from promokit import Fixed, Promotion, PromokitError, Quota

PROMO = Promotion(name="One-time gift", discount=Fixed(amount=1500),
                  coupon_type="single_use", limit=Quota(uses=1),
                  ends_at=datetime(2030, 1, 1, tzinfo=UTC))

async def main() -> None:
    async with promokit.Client.from_config(json.loads(sys.argv[1])) as client:
        try:
            made = await client.create(PROMO)
        except PromokitError as error:
            print(json.dumps({"error": type(error).__name__, "outcome": error.outcome,
                              "paths": [p.path for p in error.problems]}))
            return
        print(json.dumps({"id": made.id, "already_created": made.already_created}))

asyncio.run(main())
"""


def config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "providers": {
            "mayar": {"plugin": "mayar", "api_key": KEY, "environment": "sandbox", "base_url": url}
        },
    }


async def run_worker(conf: dict[str, Any]) -> dict[str, Any]:
    # Asynchronously: the emulator answers from this test's event loop meanwhile.
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER,
        json.dumps(conf),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(worker.communicate(), timeout=120)
    assert worker.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result


async def test_a_retry_from_a_new_process_with_a_durable_ledger_creates_nothing_twice(
    tmp_path: Path,
) -> None:
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        durable = config(server.url, ledger=str(tmp_path / "ledger.sqlite3"))
        first = await run_worker(durable)
        retry = await run_worker(durable)  # a new OS process: its memory knows nothing
        assert first["already_created"] is False
        assert retry == {"id": first["id"], "already_created": True}
        assert len(emulator.discounts) == 1  # one-time coupons have no code to dedupe on


async def test_the_dict_config_trap_is_refused_in_a_new_process_and_nothing_is_sent() -> None:
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        for _ in range(2):  # the retry that used to duplicate is refused too
            refused = await run_worker(config(server.url))
            assert refused == {
                "error": "ConfigurationError",
                "outcome": "not_sent",
                "paths": ["ledger"],
            }
    assert emulator.discounts == {}
    assert emulator.requests == []


async def test_create_and_create_bulk_refuse_without_a_ledger_before_any_request() -> None:
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY)
    async with (
        EmulatorServer(emulator, prefix=prefix) as server,
        promokit.Client.from_config(config(server.url)) as client,
    ):
        with pytest.raises(ConfigurationError) as caught:
            await client.create(ONE_TIME)
        assert caught.value.problems[0].path == "ledger"
        assert "PROMOKIT_LEDGER_URL" in str(caught.value)
        assert "Ledger.memory()" in str(caught.value)
        with pytest.raises(ConfigurationError, match="durable ledger"):
            await client.create_bulk(ONE_TIME, 3)
    assert emulator.requests == []


async def test_an_explicit_in_memory_ledger_is_accepted() -> None:
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        ledger = Ledger.memory()
        try:
            async with promokit.Client.from_config(config(server.url), ledger=ledger) as client:
                made = await client.create(ONE_TIME)
                again = await client.create(ONE_TIME)
        finally:
            ledger.close()
        async with promokit.Client.from_config(config(server.url, ledger=":memory:")) as client:
            other = await client.create(ONE_TIME)
    assert again.already_created
    assert again.id == made.id
    assert other.id != made.id  # a fresh in-memory ledger knows nothing: that was the choice
    assert len(emulator.discounts) == 2


async def test_the_memory_provider_needs_no_ledger_in_a_dict_config() -> None:
    async with promokit.Client.from_config({"providers": {"m": {"plugin": "memory"}}}) as client:
        made = await client.create(ONE_TIME)
        assert [p.id async for p in client.list()] == [made.id]


async def test_the_ledger_url_from_the_environment_makes_a_dict_config_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMOKIT_LEDGER_URL", str(tmp_path / "env-ledger.sqlite3"))
    emulator: Any
    emulator, prefix = load_emulator("mayar", api_key=KEY)
    async with (
        EmulatorServer(emulator, prefix=prefix) as server,
        promokit.Client.from_config(config(server.url)) as client,
    ):
        await client.create(ONE_TIME)
    assert (tmp_path / "env-ledger.sqlite3").exists()
    assert len(emulator.discounts) == 1
