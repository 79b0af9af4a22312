"""Asking first: widening drops and deletes need a yes; Ctrl-C ends with 130 and a way on."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from promokit.cli import confirm

from .cli_support import BackgroundEmulators, config, emulators, invoke, write
from .promotion_toml import card_promotion

__all__ = ["config", "emulators"]  # fixtures used by name below

CARD_ONLY = card_promotion("Kartu saja", "KARTU5", percent="5")

DURIANPAY_PROMO = CARD_ONLY.replace("KARTU5", "HAPUS1").replace("Kartu saja", "Hapus saja")


def test_a_drop_that_widens_the_promotion_is_listed_and_refused_without_a_terminal(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "c.toml", CARD_ONLY)
    cfg = ("--policy", "drop", "--config", str(config))
    for extra in ((), ("--json",)):
        refused = invoke("create", file, *extra, *cfg)
        assert refused.exit_code == 2
        assert "Kartu saja @ mayar: starts_at, payment" in refused.output
        assert "re-run with --yes" in refused.output
    assert emulators.mayar.discounts == {}


def test_a_person_at_a_terminal_is_asked(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(confirm, "interactive", lambda: True)
    file = write(tmp_path, "c.toml", CARD_ONLY)
    cfg = ("--policy", "drop", "--config", str(config))
    declined = invoke("create", file, *cfg, input="n\n")
    assert declined.exit_code == 2
    assert "Create anyway? [y/N]" in declined.output
    assert emulators.mayar.discounts == {}
    accepted = invoke("create", file, *cfg, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Kartu saja @ mayar: dropped: starts_at, payment" in accepted.output


def test_the_create_json_lists_dropped_and_emulated_fields_per_provider(
    config: Path, tmp_path: Path
) -> None:
    file = write(tmp_path, "c.toml", CARD_ONLY)
    done = invoke(
        "create", file, "--all", "--policy", "drop", "--yes", "--json", "--config", str(config)
    )
    assert done.exit_code == 0, done.output
    outcomes = {o["provider"]: o for o in json.loads(done.output)[0]["outcomes"]}
    assert outcomes["mayar"]["dropped"] == ["starts_at", "payment"]
    assert outcomes["durianpay"]["dropped"] == []
    assert "emulated" in outcomes["durianpay"]


def test_a_drop_that_does_not_widen_needs_no_question(config: Path, tmp_path: Path) -> None:
    text = CARD_ONLY.replace('payment = { type = "card", bins = ["424242"] }\n', "").replace(
        "starts_at = 2026-01-01T00:00:00Z\n", 'description = "only words"\n'
    )
    done = invoke(
        "create", write(tmp_path, "d.toml", text), "--policy", "drop", "--config", str(config)
    )
    assert done.exit_code == 0, done.output
    assert "dropped: description" in done.output


def test_delete_shows_what_goes_and_asks(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = ("-p", "durianpay", "--config", str(config))
    made = invoke("create", write(tmp_path, "h.toml", DURIANPAY_PROMO), "--json", *cfg)
    promo_id = json.loads(made.output)[0]["outcomes"][0]["promotion"]["id"]
    refused = invoke("delete", promo_id, *cfg)
    assert refused.exit_code == 2
    assert promo_id in refused.output
    assert "Hapus saja" in refused.output
    assert "re-run with --yes" in refused.output
    assert promo_id in emulators.durianpay.promos
    monkeypatch.setattr(confirm, "interactive", lambda: True)
    declined = invoke("delete", promo_id, *cfg, input="n\n")
    assert declined.exit_code == 2
    assert promo_id in emulators.durianpay.promos
    accepted = invoke("delete", promo_id, *cfg, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert promo_id not in emulators.durianpay.promos


def test_delete_with_yes_and_where_the_provider_cannot(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    cfg = ("-p", "durianpay", "--config", str(config))
    made = invoke("create", write(tmp_path, "h.toml", DURIANPAY_PROMO), "--json", *cfg)
    promo_id = json.loads(made.output)[0]["outcomes"][0]["promotion"]["id"]
    gone = invoke("delete", promo_id, "--yes", "--json", *cfg)
    assert gone.exit_code == 0, gone.output
    assert json.loads(gone.output) == {"deleted": promo_id, "provider": "durianpay"}
    mayar = invoke("delete", "any-id", "-p", "mayar", "--yes", "--config", str(config))
    assert mayar.exit_code == 2
    assert "does not offer delete" in mayar.output
    assert emulators.mayar.requests == []  # refused before asking the provider anything


def read_until(fd: int, wanted: bytes, timeout: float = 30, *, must: bool = True) -> bytes:
    """What the terminal shows until ``wanted`` appears (``must``: or fail at ``timeout``)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0 and not must:
            break
        assert remaining > 0, f"waited for {wanted!r}, saw {seen.decode(errors='replace')!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def wait_until_blocked_reading(pid: int) -> None:
    """Wait until ``pid`` sleeps in its read of the terminal, as a person's Ctrl-C finds it.

    A SIGINT that lands after input() wrote its prompt but before the read() call
    starts is lost by CPython (nothing interrupts the read), so the test waits as a
    person would; this is about ordering, not time, and asserts nothing on duration.
    """
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        time.sleep(0.5)  # no procfs: give the prompt a moment
        return
    deadline = time.monotonic() + 10
    sleeping = 0
    while sleeping < 3 and time.monotonic() < deadline:
        state = stat.read_text().rpartition(")")[2].split()[0]
        sleeping = sleeping + 1 if state == "S" else 0
        time.sleep(0.05)


def press_ctrl_c(leader: int, process: subprocess.Popen[bytes], wanted: bytes) -> bytes:
    """Ctrl-C at the question until the terminal shows ``wanted``, as a person would.

    The process may still be between its prompt and its read of the terminal (a busy
    machine, another thread holding the GIL: asleep, but not yet reading); CPython
    then keeps the signal pending while the read blocks. A person presses Ctrl-C
    again when nothing happens; two pending SIGINTs still raise one KeyboardInterrupt.
    """
    shown = b""
    for _ in range(6):
        wait_until_blocked_reading(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        shown += read_until(leader, wanted, 5, must=False)
        if shown:  # the process answered: never interrupt its way out
            return shown + read_until(leader, wanted)
    status = Path(f"/proc/{process.pid}/status")
    signals = [line for line in status.read_text().splitlines() if line.startswith("Sig")]
    raise AssertionError(f"six Ctrl-Cs went unanswered (exit {process.poll()}): {signals}")


AS_FROM_A_SHELL = (
    "import os, signal, sys; "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'promokit.cli', *sys.argv[1:]])"
)
"""Start ``promokit`` as a shell starts a foreground job: Ctrl-C neither ignored nor
blocked, whatever an earlier test in this worker left to its children (both are
inherited through fork and exec, and either makes a SIGINT go unanswered)."""


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_at_a_real_terminal_delete_asks_and_ctrl_c_exits_130(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    cfg = ("-p", "durianpay", "--config", str(config))
    made = invoke("create", write(tmp_path, "h.toml", DURIANPAY_PROMO), "--json", *cfg)
    promo_id = json.loads(made.output)[0]["outcomes"][0]["promotion"]["id"]
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", AS_FROM_A_SHELL, "delete", promo_id, *cfg],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "COLUMNS": "80"},
        start_new_session=True,
    )
    os.close(follower)
    try:
        shown = read_until(leader, b"[y/N]: ")
        assert promo_id.encode() in shown
        shown += press_ctrl_c(leader, process, b"interrupted")
        assert process.wait(timeout=30) == 130
        assert b"check with `promokit get ID`" in shown + read_until(leader, b"\n", 5)
        assert b"Traceback" not in shown
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()  # reaped, or Popen warns that it still runs (in a later test)
        os.close(leader)
    assert promo_id in emulators.durianpay.promos


MIGRATE = (
    *(sys.executable, "-m", "promokit.cli", "migrate"),
    *("--from", "durianpay", "--to", "mayar", "--policy", "drop"),
)


def _migrate_process(config: Path, *extra: str, **options: Any) -> subprocess.Popen[str]:
    """``promokit migrate`` at 80 columns; answers read from stdout unless ``options`` say."""
    streams: dict[str, Any] = {
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.STDOUT,
        **options,
    }
    return subprocess.Popen(
        [*MIGRATE, "--config", str(config), *extra],
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        **streams,
    )


def _create_on_durianpay(config: Path, tmp_path: Path) -> None:
    """The card promotion migrate moves, made on Durianpay first."""
    made = invoke(
        "create",
        write(tmp_path, "h.toml", DURIANPAY_PROMO),
        "-p",
        "durianpay",
        "--config",
        str(config),
    )
    assert made.exit_code == 0, made.output


def test_migrate_asks_before_a_widening_drop_as_create_does(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    _create_on_durianpay(config, tmp_path)
    for extra in ((), ("--json",)):
        refused = _migrate_process(config, *extra)
        shown, _ = refused.communicate(timeout=120)
        assert refused.returncode == 2, shown
        assert "Hapus saja @ mayar: " in shown
        assert "payment" in shown
        assert "re-run with --yes" in shown
        assert "Traceback" not in shown
    assert emulators.mayar.discounts == {}  # planned, asked, refused: nothing created
    done = _migrate_process(config, "--yes", "--json")
    shown, _ = done.communicate(timeout=120)
    assert done.returncode == 0, shown
    report = json.loads(shown)
    assert [item["status"] for item in report["items"]] == ["migrated"]
    assert "payment" in report["items"][0]["dropped"]
    assert len(emulators.mayar.discounts) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_at_a_real_terminal_migrate_asks_and_no_creates_nothing(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    _create_on_durianpay(config, tmp_path)
    leader, follower = pty.openpty()
    process = _migrate_process(
        config, stdin=follower, stdout=follower, stderr=follower, start_new_session=True
    )
    os.close(follower)
    try:
        shown = read_until(leader, b"[y/N]: ")
        assert b"Hapus saja @ mayar: " in shown
        os.write(leader, b"n\n")
        shown += read_until(leader, b"nothing was done")
        assert process.wait(timeout=60) == 2
        assert b"Traceback" not in shown
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(leader)
    assert emulators.mayar.discounts == {}
