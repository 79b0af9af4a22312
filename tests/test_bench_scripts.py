"""Every bench script still runs on today's code, in its smallest mode (none may rot).

Scripts, not timed tests: each runs as its own process with the fewest requests,
repeats and rows it accepts, and must finish and print its report; whether a
target is met is the script's verdict (exit 1), never this test's. The two
valgrind scripts are run as their children, natively: that is the part that
builds promokit's calls and patches its modules (``bench_parts.py``'s stand-ins);
their parents only count and tabulate (and take minutes under valgrind).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
HELPERS = {"_common.py", "handwritten.py", "stub_server.py"}
"""Modules the scripts import, not scripts."""

SMALLEST: dict[str, list[str]] = {
    "bench_bulk.py": ["--quick", "--count", "500"],
    "bench_client.py": [
        *("--repeats", "1", "--sequential", "20", "--concurrent", "64"),
        *("--warmup", "4", "--chunk", "1"),
    ],
    "bench_code_book.py": ["--codes", "100", "--calls", "20"],
    "bench_codec.py": ["--repeats", "1", "--block", "0.005"],
    "bench_construction.py": ["--repeats", "1", "--block", "0.005"],
    "bench_diff.py": ["--repeats", "1", "--count", "50"],
    "bench_evaluate.py": ["--repeats", "1"],
    "bench_import.py": ["--repeats", "1"],
    "bench_shared_budget.py": ["--calls", "20"],
    "request_path.py": [],
    "run_all.py": ["--help"],
}
"""Each script's smallest run (``run_all.py`` runs the others: its own run is theirs)."""


def run(script: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: a target missed
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.strip(), done.stderr
    return done.stdout


def test_every_script_has_a_smallest_mode_here() -> None:
    scripts = {path.name for path in BENCH.glob("*.py")} - HELPERS
    assert scripts == set(SMALLEST) | {"bench_instructions.py", "bench_parts.py"}


@pytest.mark.parametrize("script", sorted(SMALLEST))
def test_the_script_runs_in_its_smallest_mode(script: str) -> None:
    run(script, *SMALLEST[script])


def bench_module(name: str) -> Any:
    """A bench script imported as a module (bench/ is its import path)."""
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def stub_url() -> Iterator[str]:
    """The canned-response stub of bench_client.py, for the valgrind scripts' children."""
    bench_client = bench_module("bench_client")
    with tempfile.TemporaryDirectory() as directory:
        stub, url = bench_client.start_stub(Path(directory), 600, None)
        try:
            yield url
        finally:
            stub.terminate()
            stub.wait(timeout=10)
            stub.stdout.close()


def test_a_stand_in_for_a_name_that_moved_fails_instead_of_adding_it() -> None:
    class Part:
        def check(self) -> None:
            """A part bench_parts.py swaps."""

    replace = bench_module("bench_parts").replace
    with pytest.raises(AttributeError, match="stale"):
        replace(Part, "renamed_check", lambda self: None)
    assert not hasattr(Part, "renamed_check")
    replace(Part, "check", lambda self: "swapped")
    assert Part().check() == "swapped"  # type: ignore[func-returns-value]


@pytest.mark.parametrize("provider", ["mayar", "durianpay"])
@pytest.mark.parametrize("call", ["get", "validate"])
def test_every_part_bench_parts_swaps_still_exists(stub_url: str, provider: str, call: str) -> None:
    # Its own process: the stand-ins patch promokit's modules for good.
    parts = bench_module("bench_parts").PARTS_OF[provider]
    every = "|".join(part for part in parts if part != "none")
    for in_flight in ("1", "32"):
        subprocess.run(
            [sys.executable, str(BENCH / "bench_parts.py"), "--child", stub_url, in_flight, "64"],
            check=True,
            timeout=300,
            env={**os.environ, "BENCH_PARTS": every, "BENCH_CALL": f"{provider} {call} promokit"},
        )


def test_every_variant_bench_instructions_counts_still_runs(
    stub_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In this process, as its children run them under valgrind (they patch nothing).
    monkeypatch.syspath_prepend(str(BENCH))  # they import bench_client, bench_codec
    instructions = bench_module("bench_instructions")
    for variant in bench_module("bench_client").every_variant():
        asyncio.run(instructions.child(variant, stub_url, 32, 64))
    for case in instructions.CODEC_CASES:
        instructions.codec_child(case, 2)
