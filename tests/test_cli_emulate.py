"""``promokit emulate`` replays the demo: products, active promos, echoed codes, clear errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .test_cli_subprocess import Emulated, run

HARIBAIK = """
[[promotions]]
name = "Diskon Murmer"
code = "HARIBAIK"
discount = { type = "fixed", amount = 100000 }
min_purchase = 500000
limit = { type = "quota", uses = 100 }
ends_at = 2030-01-01T09:06:14.933Z
products = ["kelas-python"]
"""

KARTU10 = """
[[promotions]]
name = "KARTU10-2030"
code = "KARTU10"
discount = { type = "percent", value = "10", max_amount = 50000 }
limit = { type = "quota", uses = 500 }
starts_at = 2026-01-01T00:00:00Z
ends_at = 2030-12-31T16:59:59Z
payment = { type = "card", bins = ["424242"], banks = ["BCA"] }
"""


def test_the_printed_snippet_and_commands_replay_the_demo_on_mayar(tmp_path: Path) -> None:
    mayar = Emulated("mayar", "emulate-test-key-0001", "--product", "kelas-python")
    try:
        assert mayar.info["alias"] == "mayar-emulator"
        examples = mayar.info["examples"]
        assert any(line.startswith("promokit validate HARIBAIK") for line in examples)
        assert any("--product kelas-python" in line for line in examples)
        assert not any(line.startswith("promokit update") for line in examples)  # Mayar cannot
        (tmp_path / "promokit.toml").write_text(mayar.info["config"], encoding="utf-8")
        (tmp_path / "h.toml").write_text(HARIBAIK, encoding="utf-8")
        cwd = {"cwd": str(tmp_path), "env": {"PROMOKIT_EMULATOR_KEY": "emulate-test-key-0001"}}
        created = run("create", str(tmp_path / "h.toml"), **cwd)
        assert created.returncode == 0, created.stderr
        valid = run(
            "validate",
            "HARIBAIK",
            "--amount",
            "600000",
            "--product",
            "kelas-python",
            **cwd,
        )
        assert valid.returncode == 0, valid.stdout + valid.stderr
        assert "accepted, discount 100000" in valid.stdout
    finally:
        mayar.stop()


def test_durianpay_promos_can_start_active_and_echo_their_codes(tmp_path: Path) -> None:
    durianpay = Emulated("durianpay", "dp_test_emulatetest0001", "--activate", "--echo-codes")
    try:
        assert any(line.startswith("promokit update") for line in durianpay.info["examples"])
        (tmp_path / "promokit.toml").write_text(durianpay.info["config"], encoding="utf-8")
        (tmp_path / "k.toml").write_text(KARTU10, encoding="utf-8")
        cwd = {"cwd": str(tmp_path), "env": {"PROMOKIT_EMULATOR_KEY": "dp_test_emulatetest0001"}}
        created = run("create", str(tmp_path / "k.toml"), "--json", **cwd)
        assert created.returncode == 0, created.stderr
        promotion = json.loads(created.stdout)[0]["outcomes"][0]["promotion"]
        assert promotion["status"] == "active"
        assert promotion["code"] == "KARTU10"
        valid = run(
            "validate",
            "KARTU10",
            "--amount",
            "300000",
            "--payment-method",
            "card",
            "--card-bin",
            "42424242",
            **cwd,
        )
        assert valid.returncode == 0, valid.stdout + valid.stderr
        assert "accepted" in valid.stdout
    finally:
        durianpay.stop()


def test_human_start_up_prints_the_snippet_and_one_command_per_operation() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "promokit.cli", "emulate", "durianpay"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].lstrip().startswith("promokit delete"):
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    text = "".join(lines)
    assert "[providers.durianpay-emulator]" in text  # brackets kept
    assert 'api_key = "dp_test_' in text
    for verb in ("plan", "create", "list", "validate", "usage", "export", "update", "delete"):
        assert f"  promokit {verb} " in text, verb


def busy_port() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fault", "bogus"), "--fault 'bogus': unknown kind 'bogus' (known: delay,"),
        (("--fault", "status:two"), "the count must be a whole number"),
        (("--fault", "status:1:99"), "an HTTP status (100-599)"),
        (("--fault", "delay:1:-1"), "seconds >= 0"),
        (("--port", "99999"), "99999 is not in the range 0<=x<=65535"),
        (("--activate",), "the mayar emulator has no --activate option"),
    ],
)
def test_bad_options_are_one_line_errors_with_exit_2(args: tuple[str, ...], message: str) -> None:
    done = run("emulate", "mayar", *args, timeout=30)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_a_one_line_error() -> None:
    listener = busy_port()
    try:
        port = str(listener.getsockname()[1])
        done = run("emulate", "mayar", "--port", port, timeout=30)
    finally:
        listener.close()
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "choose another --port" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(textwrap.dedent(done.stderr).strip().splitlines()) == 1
