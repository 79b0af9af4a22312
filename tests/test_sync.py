"""SyncClient: one loop on a background thread, shared by many threads, closed cleanly."""

from __future__ import annotations

import asyncio
import gc
import os
import re
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import CardScope, Checkout, Fixed, Promotion, Quota, SyncClient
from promokit.config import load_config

from .cli_support import BackgroundEmulators

THREADS = 8
PER_PROVIDER = 24


@pytest.fixture
def emulators() -> Iterator[BackgroundEmulators]:
    running = BackgroundEmulators()
    yield running
    running.close()


def promotion_for(provider: str, index: int) -> Promotion:
    common: dict[str, Any] = {
        "name": f"Sync {index}",
        "code": f"SYNC{provider[0].upper()}{index}",
        "discount": Fixed(amount=5000),
        "limit": Quota(uses=10),
        "ends_at": datetime(2031, 1, 1, tzinfo=UTC),
    }
    if provider == "durianpay":
        common["payment"] = CardScope(bins=("424242",))
        common["starts_at"] = datetime(2030, 1, 1, tzinfo=UTC)
    return Promotion(**common)


def test_many_threads_share_one_client_and_loop(
    emulators: BackgroundEmulators, tmp_path: Path
) -> None:
    config = emulators.write_config(tmp_path)
    jobs = [(p, i) for i in range(PER_PROVIDER) for p in ("mayar", "durianpay")]

    def create_then_get(job: tuple[str, int]) -> tuple[Promotion, Promotion]:
        provider, index = job
        created = client.create(promotion_for(provider, index), provider)
        return created, client.get(created.id or "", provider)

    # Reads that wait a little at the gateway, so overlapping calls are seen overlapping.
    emulators.mayar.faults.add("delay", delay=0.2, count=THREADS, method="GET")
    with SyncClient.from_config(config) as client, ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(create_then_get, jobs))
        listed = {p.name for p in client.list("mayar")}  # Mayar lists no codes
        checkout = Checkout(amount=600_000, product_id=emulators.product)
        verdicts = list(pool.map(lambda i: client.validate(f"SYNCM{i}", checkout), range(8)))
    for (provider, index), (created, fetched) in zip(jobs, results, strict=True):
        assert created.provider == provider
        assert created.code == fetched.code == f"SYNC{provider[0].upper()}{index}"
    assert listed == {f"Sync {i}" for i in range(PER_PROVIDER)}
    assert all(verdict.valid for verdict in verdicts)
    # The calls really overlapped on the one loop; each gateway saw every create once.
    assert emulators.mayar.max_in_flight > 1
    creates = [r for e in emulators.emulators() for r in e.requests if r.method == "POST"]
    assert len([r for r in creates if "validate" not in r.path]) == 2 * PER_PROVIDER


def test_close_with_and_calls_after_close(emulators: BackgroundEmulators, tmp_path: Path) -> None:
    client = SyncClient.from_config(emulators.write_config(tmp_path))
    with client:
        assert client.plan(promotion_for("mayar", 1)).ok
        assert "SyncClient(" in repr(client)
    client.close()  # idempotent
    with pytest.raises(promokit.ConfigurationError, match="closed"):
        client.get("anything")
    assert not client._thread.is_alive()
    assert client._loop.is_closed()


def test_a_list_stopped_early_is_closed_on_the_loop(
    emulators: BackgroundEmulators, tmp_path: Path
) -> None:
    with SyncClient.from_config(emulators.write_config(tmp_path)) as client:
        for index in range(3):
            client.create(promotion_for("mayar", index))
        pages = client.list()
        first = next(pages)
        pages.close()  # the async generator underneath is closed too
        assert first.name.startswith("Sync ")
        assert len(list(client.list())) == 3


def test_a_call_from_its_own_loop_is_refused(
    emulators: BackgroundEmulators, tmp_path: Path
) -> None:
    with SyncClient.from_config(emulators.write_config(tmp_path)) as client:

        async def inside() -> None:
            client.get("x")  # would wait on the loop it blocks

        future = asyncio.run_coroutine_threadsafe(inside(), client._loop)
        with pytest.raises(promokit.ConfigurationError, match="its own event loop"):
            future.result(timeout=10)


def test_interpreter_exit_closes_an_open_client_without_warnings(
    emulators: BackgroundEmulators, tmp_path: Path
) -> None:
    config = emulators.write_config(tmp_path)
    script = textwrap.dedent(
        f"""
        import promokit
        from datetime import UTC, datetime
        client = promokit.SyncClient.from_config({str(config)!r})
        promotion = promokit.Promotion(
            name="Exit sale", code="EXIT1", discount=promokit.Fixed(amount=5000),
            limit=promokit.Quota(uses=10), ends_at=datetime(2031, 1, 1, tzinfo=UTC),
        )
        print(client.get(client.create(promotion).id).code)
        # no close(): the interpreter's exit must close the session and the ledger
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "EXIT1"
    assert done.stderr == ""  # no unclosed session, socket or loop


def test_the_sync_guide_example_runs_as_written(
    emulators: BackgroundEmulators, tmp_path: Path
) -> None:
    page = Path(__file__).resolve().parents[1] / "docs" / "sync.md"
    (block,) = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    namespace = {"CONFIG": str(emulators.write_config(tmp_path)), "PRODUCT": emulators.product}
    exec(compile(block, str(page), "exec"), namespace)
    assert len(namespace["answers"]) == 16


def test_options_the_client_refuses_leave_no_event_loop_unclosed() -> None:
    config = load_config({"providers": {"mem": {"plugin": "memory"}}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match="bogus"):
            SyncClient(config, bogus=1)
        gc.collect()
    assert [str(warning.message) for warning in caught] == []
