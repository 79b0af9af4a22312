"""Durianpay codes live in the ledger per target: any process validates a code another made.

Durianpay never returns a promo's code (create, fetch and list alike; its emulator
follows the documented examples), so the code ↔ id map is kept in the ledger. Each
step below runs in its own OS process, as a web worker, a cron job and the CLI would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

from .pg_cluster import Cluster

KEY = "dp_test_durablecodes0001"
PROMOKIT = [sys.executable, "-m", "promokit.cli"]
CARD = ("--payment-method", "card", "--card-bin", "424242")
CREATE = """
import asyncio, sys
from datetime import datetime, timezone
from decimal import Decimal
import promokit

async def main():
    promo = promokit.Promotion(
        name="WORKER-ONE", code="HEMAT10", discount=promokit.Percent(value=Decimal(10)),
        limit=promokit.Quota(uses=5), starts_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        ends_at=datetime(2030, 1, 1, tzinfo=timezone.utc),
        payment=promokit.CardScope(bins=("424242",)),
    )
    async with promokit.Client.from_config(sys.argv[1]) as client:
        print((await client.create(promo)).id)

asyncio.run(main())
"""


# Another tool's ledger: the codes it sends never reach ours.
DASHBOARD = "from promokit.ledger import Ledger\nMEMORY = Ledger.memory()\n"


class Done:
    """A finished OS process: its exit code and output."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


async def process(*command: str) -> Done:
    """Run ``command`` as its own OS process while this loop keeps serving the emulator."""
    child = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PROMOKIT_CONFIG": ""},
    )
    stdout, stderr = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return Done(child.returncode, stdout.decode(), stderr.decode())


class Gateway:
    def __init__(self, server: EmulatorServer, emulator: Any, config: Path) -> None:
        self.server, self.emulator, self.config = server, emulator, config

    async def cli(self, *args: str) -> Done:
        return await process(*PROMOKIT, *args, "--config", str(self.config))

    def reads(self) -> list[str]:
        return [f"{r.method} {r.path}?{'&'.join(r.query)}" for r in self.emulator.requests]


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with serving(tmp_path) as served:
        yield served


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, ledger: str | None = None) -> AsyncIterator[Gateway]:
    """The Durianpay emulator and a config for it: the SQLite ledger beside the config,
    unless ``ledger`` names another (a PostgreSQL URL)."""
    emulator, prefix = load_emulator("durianpay", api_key=KEY)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        config = tmp_path / "promokit.toml"
        config.write_text(
            ("" if ledger is None else f'ledger = "{ledger}"\n')
            + f'[providers.cards]\nplugin = "durianpay"\napi_key = "{KEY}"\n'
            f'base_url = "{server.url}"\n',
            encoding="utf-8",
        )
        yield Gateway(server, emulator, config)


async def test_a_code_created_by_one_process_is_validated_and_read_by_another(
    gateway: Gateway,
) -> None:
    made = await process(sys.executable, "-c", CREATE, str(gateway.config))
    assert made.returncode == 0, made.stderr
    promo_id = made.stdout.strip()
    gateway.emulator.activate(promo_id)  # on the dashboard: Durianpay has no API for it
    before = len(gateway.emulator.requests)
    validated = await gateway.cli("validate", "HEMAT10", "--amount", "100000", *CARD, "--json")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert json.loads(validated.stdout)["valid"] is True
    used = await gateway.cli("usage", "HEMAT10", "--json")
    assert used.returncode == 0, used.stdout + used.stderr
    assert json.loads(used.stdout)["limit"] == 5
    # Each answered with one fetch by id, not a scan of the listing.
    assert gateway.reads()[before:] == [f"GET /v1/merchants/promos/{promo_id}?"] * 2


async def test_an_unknown_code_says_how_to_register_it(gateway: Gateway) -> None:
    unknown = await gateway.cli("validate", "NOPE10", "--amount", "100000", *CARD, "--json")
    message = json.loads(unknown.stdout)["message"]
    assert "not in promokit's ledger" in message
    assert "promokit codes add NOPE10 PROMO_ID -p cards" in message


async def test_codes_of_dashboard_promos_are_registered_by_hand_or_from_csv(
    gateway: Gateway, tmp_path: Path
) -> None:
    # Two promos made "on the dashboard": another account's tooling, not this ledger.
    ids = []
    for label in ("DASH-ONE", "DASH-TWO"):
        script = (
            CREATE.replace("WORKER-ONE", label)
            .replace("HEMAT10", label.replace("-", ""))
            .replace("from_config(sys.argv[1])", "from_config(sys.argv[1], ledger=MEMORY)")
        )
        made = await process(sys.executable, "-c", DASHBOARD + script, str(gateway.config))
        assert made.returncode == 0, made.stderr
        ids.append(made.stdout.strip())
        gateway.emulator.activate(ids[-1])
    before = await gateway.cli("validate", "DASHONE", "--amount", "1", "--json")
    assert "NOT_FOUND" in before.stdout
    added = await gateway.cli("codes", "add", "DASHONE", ids[0], "-p", "cards")
    assert added.returncode == 0, added.stdout + added.stderr
    assert f"registered DASHONE as {ids[0]}" in added.stdout
    table = tmp_path / "codes.csv"
    table.write_text(f"code,promo_id\nDASHTWO,{ids[1]}\n", encoding="utf-8")
    imported = await gateway.cli("codes", "import", str(table), "-p", "cards")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    for code in ("DASHONE", "DASHTWO"):
        validated = await gateway.cli("validate", code, "--amount", "100000", *CARD, "--json")
        assert json.loads(validated.stdout)["valid"] is True, validated.stdout
    missing = await gateway.cli("codes", "add", "GHOST", "prm_does_not_exist", "-p", "cards")
    assert missing.returncode != 0  # the promo is read by id first: nothing recorded


async def test_codes_import_reads_utf8_with_a_bom_and_refuses_other_encodings(
    gateway: Gateway, tmp_path: Path
) -> None:
    made = await process(
        sys.executable,
        "-c",
        DASHBOARD
        + CREATE.replace("from_config(sys.argv[1])", "from_config(sys.argv[1], ledger=MEMORY)"),
        str(gateway.config),
    )
    assert made.returncode == 0, made.stderr
    promo_id = made.stdout.strip()
    text = f"code,promo_id\nHEMAT10,{promo_id}\n"
    # Excel's "CSV UTF-8" starts with a byte-order mark.
    bom = tmp_path / "bom.csv"
    bom.write_bytes(text.encode("utf-8-sig"))
    imported = await gateway.cli("codes", "import", str(bom), "-p", "cards")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "registered 1 code " in imported.stdout
    for encoding, name in (("utf-16", "utf16.csv"), ("cp1252", "latin.csv")):
        other = tmp_path / name
        other.write_bytes((text + "CAFÉ,prm_x\n").encode(encoding))
        refused = await gateway.cli("codes", "import", str(other), "-p", "cards")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
        assert "UnicodeDecodeError" not in refused.stderr
        assert name in refused.stderr
        assert "UTF-8" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) <= 2  # one message (and its problem)


WORKER = """
import asyncio, json, sys
import promokit

async def main():
    checkout = promokit.Checkout(amount=100000, payment_method="card", card_bin="424242")
    async with promokit.Client.from_config(sys.argv[1]) as client:
        first = await client.validate("HEMAT10", checkout)
        got = await client.get(sys.argv[2])
        print(json.dumps({"valid": first.valid, "code": got.code}), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        old = await client.validate("HEMAT10", checkout)
        new = await client.validate("HEMAT20", checkout)
        got = await client.get(sys.argv[2])
        listed = [p.code async for p in client.list()]
        print(json.dumps({"old": old.valid, "reason": str(old.reason), "new": new.valid,
                          "code": got.code, "listed": listed}), flush=True)

asyncio.run(main())
"""
RENAME = CREATE.replace(
    "print((await client.create(promo)).id)",
    "import msgspec\n        await client.update(sys.argv[2], "
    'msgspec.structs.replace(promo, code="HEMAT20"))',
)


@pytest.fixture(params=["sqlite", "postgresql"])
async def shared(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Gateway]:
    """The gateway, its ledger a SQLite file or a database on the PostgreSQL cluster."""
    ledger = None
    if request.param == "postgresql":
        cluster: Cluster = request.getfixturevalue("postgresql")
        ledger = cluster.database()
    async with serving(tmp_path, ledger) as served:
        yield served


async def test_a_long_lived_worker_sees_a_code_another_process_changed(shared: Gateway) -> None:
    """The worker answers from its copy of the code map only while the ledger's codes
    version says nothing changed: the rename by another process moves it."""
    gateway = shared
    made = await process(sys.executable, "-c", CREATE, str(gateway.config))
    assert made.returncode == 0, made.stderr
    promo_id = made.stdout.strip()
    gateway.emulator.activate(promo_id)
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WORKER,
        str(gateway.config),
        promo_id,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PROMOKIT_CONFIG": ""},
    )
    assert worker.stdin is not None
    assert worker.stdout is not None
    try:
        loaded = json.loads(await asyncio.wait_for(worker.stdout.readline(), 60))
        assert loaded == {"valid": True, "code": "HEMAT10"}
        # Another process (as `promokit update` does) changes the promo's code.
        renamed = await process(sys.executable, "-c", RENAME, str(gateway.config), promo_id)
        assert renamed.returncode == 0, renamed.stderr
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()
        after = json.loads(await asyncio.wait_for(worker.stdout.readline(), 60))
    finally:
        if worker.returncode is None:
            worker.stdin.close()
            await asyncio.wait_for(worker.wait(), 60)
    assert after["old"] is False
    assert after["reason"].endswith("NOT_FOUND")
    assert after["new"] is True
    assert after["code"] == "HEMAT20"
    assert after["listed"] == ["HEMAT20"]
