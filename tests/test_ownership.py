"""Ownership of writes across OS processes: 8 workers, the same 20 promotions, one ledger
(a SQLite file, then a PostgreSQL server).

Each worker is a real ``python`` process running ``tests/ownership_worker.py`` against
a provider emulator on loopback that commits slowly or drops the answer after
committing; some runs are SIGKILLed at random and re-run at once. The gateway must
end with exactly one of each promotion and every report must be truthful.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

from .pg_cluster import Cluster

WORKER = Path(__file__).with_name("ownership_worker.py")
PROMOTIONS = 20
WORKERS = 8
SUCCESS = {"created", "already_created", "reconciled"}
TRUTHFUL = SUCCESS | {"WriteInProgress", "OutcomeUnknown"}


@dataclass(frozen=True)
class Gateway:
    plugin: str
    key: str
    extra: str
    names: Callable[[Any], list[str]]


GATEWAYS = {
    "mayar": Gateway(
        "mayar",
        "ownership-mayar-key-0001",
        'environment = "sandbox"\nrate_limit = 100000\n',
        lambda emulator: [d.name for d in emulator.discounts.values()],
    ),
    "durianpay": Gateway(
        "durianpay",
        "dp_test_ownership000001",
        "",
        lambda emulator: [p.fields["label"] for p in emulator.promos.values()],
    ),
}
FAULTS = {
    # The gateway takes 0.4 s to commit: every worker but the owner must wait.
    "slow-commit": {"kind": "delay", "delay": 0.4},
    # The write commits, the answer is lost: the owner must find it again by name.
    "drop-after-commit": {"kind": "drop_after"},
}


@dataclass
class Setup:
    gateway: Gateway
    emulator: Any
    config: Path
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)

    def stored(self) -> Counter[str]:
        return Counter(self.gateway.names(self.emulator))


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest) -> str:
    """The ledger every worker shares: a SQLite file beside the config, or PostgreSQL."""
    if request.param == "sqlite":
        return "ledger.sqlite3"
    cluster: Cluster = request.getfixturevalue("postgresql")
    return cluster.database()


@pytest.fixture(params=sorted(GATEWAYS))
async def setup(
    request: pytest.FixtureRequest, tmp_path: Path, ledger: str
) -> AsyncIterator[Setup]:
    gateway = GATEWAYS[request.param]
    emulator, prefix = load_emulator(gateway.plugin, api_key=gateway.key)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = tmp_path / "promokit.toml"
        config.write_text(
            f'ledger = "{ledger}"\n[providers.gw]\nplugin = "{gateway.plugin}"\n'
            f'api_key = "{gateway.key}"\nbase_url = "{server.url}"\n{gateway.extra}'
            # A killed owner's request is over once its 5 s timeout passed; the emulator
            # has surely finished with it 1 s later (its slowest fault is 0.4 s).
            "timeout = 5\nsettle_margin = 1\n",
            encoding="utf-8",
        )
        setup = Setup(gateway, emulator, config)
        try:
            yield setup
        finally:
            # A failed assertion leaves workers running: kill and reap them here, or
            # their pipes are found unclosed in whichever test this worker runs next.
            for process in setup.processes:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                await process.communicate()


async def start(setup: Setup) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        str(setup.config),
        setup.gateway.plugin,
        str(PROMOTIONS),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    setup.processes.append(process)
    return process


async def report(process: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    stdout, stderr = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode == 0, stderr.decode()
    results: list[dict[str, Any]] = json.loads(stdout)
    return results


def check_truthful(results: list[dict[str, Any]]) -> None:
    for result in results:
        if result["outcome"] == "LedgerError" and result["said"] == "not_sent":
            # Eight processes of twenty creates each on a loaded machine: a create whose
            # whole 5 s deadline went by waiting for the shared SQLite file may give up
            # before it sends, and says so; the last, undisturbed run must then make it.
            continue
        # Never a Conflict for its own promotion, never an untyped failure.
        assert result["outcome"] in TRUTHFUL, result
        if result["outcome"] in SUCCESS:
            assert result["id"]
        else:
            assert result["key"], result  # says which key to come back for


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_eight_processes_racing_for_the_same_promotions_create_each_once(
    setup: Setup, fault: str
) -> None:
    setup.emulator.faults.add(count=10**6, method="POST", **FAULTS[fault])
    # No worker is killed here, so nothing waits out a dead owner's timeout: a generous
    # one keeps eight processes (and a PostgreSQL server) on a loaded 2-core machine
    # from reporting RequestTimeout for calls that were only slow.
    setup.config.write_text(
        setup.config.read_text(encoding="utf-8").replace("timeout = 5\n", "timeout = 60\n"),
        encoding="utf-8",
    )
    processes = [await start(setup) for _ in range(WORKERS)]
    reports = [await report(process) for process in processes]
    for results in reports:
        check_truthful(results)
    stored = setup.stored()
    assert len(stored) == PROMOTIONS
    assert set(stored.values()) == {1}  # exactly one of each on the gateway
    posts = sum(1 for r in setup.emulator.requests if r.method == "POST")
    assert posts == PROMOTIONS  # one create sent per promotion, by its owner
    outcomes = Counter(result["outcome"] for results in reports for result in results)
    made = outcomes["created"] + outcomes["reconciled"]
    assert made == PROMOTIONS, outcomes  # one owner per promotion reports making it
    if fault == "drop-after-commit":
        assert outcomes["reconciled"] == PROMOTIONS
    assert outcomes["already_created"] + outcomes["WriteInProgress"] == (WORKERS - 1) * PROMOTIONS


async def test_random_sigkills_and_immediate_reruns_still_create_each_once(setup: Setup) -> None:
    setup.emulator.faults.add("delay", count=10**6, delay=0.4, method="POST")
    chance = random.Random(16)
    settled: set[str] = set()
    for _ in range(4):
        processes = [await start(setup) for _ in range(WORKERS)]
        victims = chance.sample(processes, 4)
        for victim in victims:
            # Killed somewhere between starting up and finishing its creates; on a
            # fast machine a victim may finish first, and there is nothing to kill.
            await asyncio.sleep(chance.uniform(0.0, 0.5))
            with contextlib.suppress(ProcessLookupError):
                victim.send_signal(signal.SIGKILL)
        for process in processes:
            if process in victims:
                await process.wait()
                continue
            results = await report(process)
            check_truthful(results)
            settled |= {r["name"] for r in results if r["outcome"] in SUCCESS}
    # Whatever the kills left pending is finished by a last, undisturbed run.
    last = await report(await start(setup))
    check_truthful(last)
    assert all(result["outcome"] in SUCCESS for result in last), last
    stored = setup.stored()
    assert len(stored) == PROMOTIONS
    assert set(stored.values()) == {1}
