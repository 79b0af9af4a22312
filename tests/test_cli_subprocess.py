"""The promokit command as real subprocesses: demo, emulate, create --all, migrate."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from .cli_support import DURIANPAY_KEY, MAYAR_KEY
from .promotion_toml import card_promotion

PROMOKIT = [sys.executable, "-m", "promokit.cli"]


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PROMOKIT, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
        cwd=cwd,
    )


def test_demo_runs_the_whole_story_in_seconds() -> None:
    result = run("demo", timeout=60)
    assert result.returncode == 0, result.stderr
    for step in (
        "Plan each promotion",
        "Create each promotion",
        "Validate checkouts",
        "Show usage",
        "Migrate from Mayar to Durianpay",
        "Done",
    ):
        assert step in result.stdout
    assert "accepted, discount 100000" in result.stdout
    assert "MIN_PURCHASE_NOT_MET" in result.stdout
    assert "Kode diskon ini hanya berlaku" in result.stdout
    assert "migrated 1" in result.stdout
    assert "Traceback" not in result.stderr


def test_console_script_is_installed() -> None:
    script = shutil.which("promokit", path=str(Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "version" in result.stdout


class Emulated:
    """A ``promokit emulate`` subprocess and the base URL it printed."""

    def __init__(self, plugin: str, key: str, *extra: str) -> None:
        self.process = subprocess.Popen(
            [*PROMOKIT, "emulate", plugin, "--key", key, "--json", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        lines = []
        while True:
            line = self.process.stdout.readline()
            assert line, self.process.stderr.read() if self.process.stderr else "no output"
            lines.append(line)
            if line.startswith("}"):
                break
        self.info = json.loads("".join(lines))
        self.url: str = self.info["base_url"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def servers() -> Iterator[tuple[Emulated, Emulated]]:
    mayar = Emulated("mayar", MAYAR_KEY)
    durianpay = Emulated("durianpay", DURIANPAY_KEY)
    yield mayar, durianpay
    mayar.stop()
    durianpay.stop()


def two_gateways(
    directory: Path, servers: tuple[Emulated, Emulated], *, keys_from_env: bool
) -> Path:
    """A promokit.toml for both emulate subprocesses (keys inline or from the environment)."""
    mayar, durianpay = servers
    if keys_from_env:
        keys = ('api_key_env = "DEMO_MAYAR_KEY"', 'api_key_env = "DEMO_DURIANPAY_KEY"')
    else:
        keys = (f'api_key = "{MAYAR_KEY}"', f'api_key = "{DURIANPAY_KEY}"')
    config = directory / "promokit.toml"
    config.write_text(
        textwrap.dedent(f"""
        default = "mayar"
        [providers.mayar]
        plugin = "mayar"
        {keys[0]}
        environment = "sandbox"
        base_url = "{mayar.url}"
        rate_limit = 6000
        [providers.durianpay]
        plugin = "durianpay"
        {keys[1]}
        base_url = "{durianpay.url}"
        """)
    )
    return config


def test_emulate_prints_a_working_config_snippet(
    servers: tuple[Emulated, Emulated], tmp_path: Path
) -> None:
    mayar, _ = servers
    assert mayar.url.startswith("http://127.0.0.1:")
    assert mayar.url.endswith("/hl/v2")
    # The key given to --key is never printed: the snippet reads it from the environment.
    assert MAYAR_KEY not in json.dumps(mayar.info)
    assert 'api_key_env = "PROMOKIT_EMULATOR_KEY"' in mayar.info["config"]
    config = tmp_path / "promokit.toml"
    config.write_text(mayar.info["config"] + 'environment = "sandbox"\n')
    result = run(
        "list", "--json", "--config", str(config), env={"PROMOKIT_EMULATOR_KEY": MAYAR_KEY}
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_create_all_and_migrate_against_emulate_subprocesses(
    servers: tuple[Emulated, Emulated], tmp_path: Path
) -> None:
    config = two_gateways(tmp_path, servers, keys_from_env=True)
    promotions = tmp_path / "promotions.toml"
    promotions.write_text(card_promotion("Kartu semua", "SEMUA10", uses=50))
    env = {"DEMO_MAYAR_KEY": MAYAR_KEY, "DEMO_DURIANPAY_KEY": DURIANPAY_KEY}
    created = run(
        "create",
        str(promotions),
        "--all",
        "--policy",
        "drop",
        "--yes",
        "--json",
        "--config",
        str(config),
        env=env,
    )
    assert created.returncode == 0, created.stderr
    outcomes = json.loads(created.stdout)[0]["outcomes"]
    assert sorted(o["outcome"] for o in outcomes) == ["created", "created"]
    migrated = run(
        "migrate",
        "--from",
        "mayar",
        "--to",
        "durianpay",
        "--fill",
        'payment={"type":"card","bins":["424242"]}',
        "--fill",
        'starts_at="2026-01-01T00:00:00Z"',
        "--json",
        "--config",
        str(config),
        env=env,
    )
    # The promotion already exists on Durianpay under the same label: a verified
    # duplicate of what we would create is recorded, a different one is a failure.
    report = json.loads(migrated.stdout)
    assert [item["name"] for item in report["items"]] == ["Kartu semua"]
    assert MAYAR_KEY not in migrated.stdout + migrated.stderr
    assert DURIANPAY_KEY not in created.stdout + created.stderr


def test_bulk_killed_at_random_points_ends_with_exactly_the_requested_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random
    import signal

    monkeypatch.setenv("PROMOKIT_EMULATOR_KEY", MAYAR_KEY)  # the snippet reads it from there

    mayar = Emulated("mayar", MAYAR_KEY, "--fault", "delay:100000:0.3")
    try:
        config = tmp_path / "promokit.toml"
        # A killed run's batch in flight is taken over once it settled: its request's
        # timeout plus the margin by which the emulator is surely done (0.3 s delays).
        config.write_text(
            mayar.info["config"]
            + 'environment = "sandbox"\nrate_limit = 6000\ntimeout = 8\nsettle_margin = 0.5\n'
        )
        promotions = tmp_path / "welcome.toml"
        promotions.write_text(
            textwrap.dedent("""
            [[promotions]]
            name = "Welcome gift"
            discount = { type = "fixed", amount = 10000 }
            ends_at = 2030-01-01T00:00:00Z
        """)
        )
        command = [
            *PROMOKIT,
            "create",
            str(promotions),
            "--count",
            "600",
            "--json",
            "--config",
            str(config),
        ]

        ledger = tmp_path / ".promokit-ledger.sqlite3"

        def batches_done() -> int:
            if not ledger.exists():
                return 0
            with closing(sqlite3.connect(ledger)) as db:  # `with` alone leaves it open
                try:
                    row = db.execute(
                        "SELECT count(*) FROM writes WHERE state = 'done' AND key LIKE 'bulk:%'"
                    ).fetchone()
                except sqlite3.OperationalError:  # the schema is not written yet
                    return 0
            return int(row[0])

        # Kill the job (SIGKILL: no cleanup) once a random number of batches is done,
        # three times; each run resumes from what the ledger of the last one recorded.
        # A run that meets the last run's killed batch before it settled may stop by
        # itself with the typed "call again to resume" error (see below): start it again.
        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        for target in sorted(random.Random(7).sample(range(1, 11), 3)):
            process = start()
            deadline = time.monotonic() + 120  # a killed batch settles first (timeout 8 s)
            while batches_done() < target and time.monotonic() < deadline:
                if process.poll() is not None:
                    process = start()
                time.sleep(0.01)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            assert target <= batches_done() < 12
        # A run started right after a kill may meet a killed batch whose request has
        # not settled yet: waiting for it takes most of that batch's one deadline,
        # and the job stops with a typed error saying to call again. Calling again
        # (at most twice more) finishes it; no batch is ever created twice.
        for _ in range(3):
            finished = subprocess.run(
                command, capture_output=True, text=True, timeout=180, check=False
            )
            if finished.returncode == 0:
                break
            assert "to resume" in finished.stdout + finished.stderr, finished.stderr
        assert finished.returncode == 0, finished.stderr
        codes = json.loads(finished.stdout)[0]["codes"]
        assert len(codes) == len(set(codes)) == 600
        listed = run("list", "--json", "--config", str(config))
        names = [p["name"] for p in json.loads(listed.stdout)]
        assert len(names) == len(set(names)) == 12  # 600 codes / 50 per batch, none twice
    finally:
        mayar.stop()


SCRIPT = """
import asyncio, json
from datetime import datetime, timezone
from decimal import Decimal
import promokit

async def main():
    promotion = promokit.Promotion(
        name="Same script sale", code="SAMESCRIPT", discount=promokit.Percent(value=Decimal(10)),
        limit=promokit.Quota(uses=5),
        starts_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        ends_at=datetime(2030, 1, 1, tzinfo=timezone.utc),
        payment=promokit.CardScope(bins=("424242",)),
    )
    async with promokit.Client.from_config() as client:
        plan = client.plan(promotion, policy="drop")
        created = await client.create(promotion, policy="drop")
        fetched = await client.get(created.id)
        listed = [p.id async for p in client.list()]
        print(json.dumps({"provider": created.provider, "dropped": plan.dropped,
                          "same": fetched.id == created.id, "listed": created.id in listed}))

asyncio.run(main())
"""


def test_the_same_script_runs_unchanged_on_both_gateways(
    servers: tuple[Emulated, Emulated], tmp_path: Path
) -> None:
    config = two_gateways(tmp_path, servers, keys_from_env=False)
    script = tmp_path / "shop.py"
    script.write_text(SCRIPT)
    outputs = {}
    for gateway in ("mayar", "durianpay"):
        result = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            check=False,
            env={**os.environ, "PROMOKIT_PROVIDER": gateway, "PROMOKIT_CONFIG": str(config)},
        )
        assert result.returncode == 0, result.stderr
        outputs[gateway] = json.loads(result.stdout)
    assert outputs["mayar"] == {
        "provider": "mayar",
        "dropped": ["starts_at", "payment"],
        "same": True,
        "listed": True,
    }
    assert outputs["durianpay"] == {
        "provider": "durianpay",
        "dropped": [],
        "same": True,
        "listed": True,
    }
