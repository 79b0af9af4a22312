"""``promokit apply`` killed with SIGKILL mid-way resumes to exactly the file, nothing twice."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest

from .cli_support import DURIANPAY_KEY
from .test_cli_subprocess import PROMOKIT, Emulated

COUNT = 24


def promotions_file(path: Path) -> Path:
    entries = "".join(
        f"""
[[promotions]]
name = "killed-apply-{index:02d}"
code = "KILLED{index:02d}"
discount = {{ type = "fixed", amount = {1000 + index} }}
limit = {{ type = "quota", uses = 10 }}
starts_at = 2030-01-01T00:00:00Z
ends_at = 2030-12-31T00:00:00Z
payment = {{ type = "card", bins = ["424242"] }}
"""
        for index in range(COUNT)
    )
    path.write_text(entries, encoding="utf-8")
    return path


def test_apply_killed_at_random_points_converges_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMOKIT_EMULATOR_KEY", DURIANPAY_KEY)  # the snippet reads it there
    durianpay = Emulated("durianpay", DURIANPAY_KEY, "--fault", "delay:100000:0.5")
    try:
        config = tmp_path / "promokit.toml"
        config.write_text(durianpay.info["config"] + "timeout = 6\nsettle_margin = 0.7\n")
        file = promotions_file(tmp_path / "promotions.toml")
        base = [*PROMOKIT, "apply", str(file), "--config", str(config)]
        ledger = tmp_path / ".promokit-ledger.sqlite3"

        def created() -> int:
            if not ledger.exists():
                return 0
            with closing(sqlite3.connect(ledger)) as db:
                try:
                    row = db.execute(
                        "SELECT count(*) FROM writes WHERE state = 'done' AND key LIKE 'apply:%'"
                    ).fetchone()
                except sqlite3.OperationalError:  # the schema is not written yet
                    return 0
            return int(row[0])

        for target in sorted(random.Random(11).sample(range(1, COUNT // 2), 2)):
            process = subprocess.Popen(
                [*base, "--yes"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 90
            while created() < target and time.monotonic() < deadline:
                time.sleep(0.01)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            assert target <= created() < COUNT
        # A run right after a kill may meet the killed create before its request
        # settled: that entry fails with a typed "in progress" error and the next run
        # finishes it. Never is anything created twice.
        for _ in range(3):
            finished = subprocess.run(
                [*base, "--yes", "--json"], capture_output=True, text=True, timeout=180, check=False
            )
            if finished.returncode == 0:
                break
        assert finished.returncode == 0, finished.stdout + finished.stderr
        checked = subprocess.run(
            [*PROMOKIT, "diff", str(file), "--config", str(config), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        diff = json.loads(checked.stdout)
        [target_diff] = diff["targets"]
        assert len(target_diff["in_sync"]) == COUNT
        assert target_diff["unmanaged"] == []  # nothing was created twice
    finally:
        durianpay.stop()
