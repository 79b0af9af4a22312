"""A worker whose lease was taken over never sends (two OS processes, SIGSTOP).

Worker A claims a Mayar one-time coupon's key and is stopped (SIGSTOP) before its
request leaves, for longer than the lease lives; worker B takes the key over and
creates the coupon; A is continued (SIGCONT). A must see that its lease is gone and
not send: the gateway receives exactly one create.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from promokit import Client, Fixed, Promotion, Quota
from promokit.config import load_config
from promokit.ledger import LEASE_TTL, Entry
from promokit.ledger.fingerprints import encode_promotion, fingerprint
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

WORKER = Path(__file__).with_name("lease_worker.py")
KEY = "lease-lost-mayar-key-0001"


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[tuple[Any, Path]]:
    emulator, prefix = load_emulator("mayar", api_key=KEY)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = tmp_path / "promokit.toml"
        config.write_text(
            f'ledger = "ledger.sqlite3"\n[providers.gw]\nplugin = "mayar"\napi_key = "{KEY}"\n'
            f'base_url = "{server.url}"\nenvironment = "sandbox"\ntimeout = 30\n'
            "settle_margin = 0\n",
            encoding="utf-8",
        )
        yield emulator, config


async def start(config: Path, mode: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        str(config),
        mode,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def outcome(process: asyncio.subprocess.Process) -> dict[str, Any]:
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    result: dict[str, Any] = json.loads(stdout.decode().splitlines()[-1])
    return result


async def test_a_worker_whose_lease_was_taken_over_does_not_send(
    gateway: tuple[Any, Path],
) -> None:
    emulator, config = gateway
    first = await start(config, "pause")
    assert first.stdout is not None
    line = await asyncio.wait_for(first.stdout.readline(), 30)
    assert line.strip() == b"claimed"
    first.send_signal(signal.SIGSTOP)
    try:
        await asyncio.sleep(LEASE_TTL + 0.5)  # its lease runs out unrenewed
        second = await outcome(await start(config, "plain"))
    finally:
        first.send_signal(signal.SIGCONT)
    assert second["outcome"] == "created"
    late = await outcome(first)
    creates = [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/create")]
    assert len(creates) == 1
    assert len(emulator.discounts) == 1
    # A reports what happened: nothing sent by it, the key done by the other worker.
    assert late["outcome"] in ("already_created", "WriteInProgress"), late
    if late["outcome"] == "already_created":
        assert late["id"] == second["id"]
    else:
        assert late["sent"] == "not_sent"


async def test_a_reconcile_in_the_same_process_waits_for_the_create_working_on_the_key(
    tmp_path: Path,
) -> None:
    """Our own lease names this process, yet a concurrent reconcile must not decide the
    entry a create task is still working on ("never created" while it was created)."""
    emulator, prefix = load_emulator("mayar", api_key=KEY)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        path = str(tmp_path / "ledger.sqlite3")
        table = {"plugin": "mayar", "api_key": KEY, "base_url": server.url}
        table |= {"environment": "sandbox", "settle_margin": 0}
        config = load_config({"ledger": path, "providers": {"gw": table}})
        config = msgspec.structs.replace(config, ledger_path=path)
        promotion = Promotion(
            name="Same owner",
            code="SAMEOWN1",
            discount=Fixed(amount=5000),
            limit=Quota(uses=3),
            ends_at=datetime(2031, 1, 1, tzinfo=UTC),
        )
        async with Client(config) as client:
            instance = client.provider("gw")
            target = await client.target("gw")
            key = f"create:gw:{fingerprint(promotion)}"
            # A dead process's pending intent whose lease and settle time are past.
            dead = Entry(
                key=key,
                target=target,
                provider="gw",
                operation="create",
                state="pending",
                fingerprint=fingerprint(promotion),
                natural_key="SAMEOWN1",
                request=encode_promotion(promotion),
                owner="deadhost:1:abc",
            )
            client.ledger.store.claim(dead, lease_for=0.0, timeout=1)
            find = instance.find

            async def slow_find(wanted: Promotion) -> Promotion | None:
                found = await find(wanted)
                await asyncio.sleep(0.5)  # the create's lookup is still going on
                return found

            instance.find = slow_find  # type: ignore[method-assign]
            creating = asyncio.create_task(client.create(promotion, "gw"))
            await asyncio.sleep(0.1)
            reconciled = await client.reconcile(key, "gw")
            created = await creating
            assert reconciled is not None
            assert reconciled.id == created.id
            entry = await client.ledger.get(key, target=target)
            assert entry is not None
            assert entry.state == "done"
            assert len(emulator.discounts) == 1
