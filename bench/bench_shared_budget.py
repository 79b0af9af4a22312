"""What the shared rate budget costs per call: local window vs SQLite vs PostgreSQL.

Times ``acquire()`` + ``release()`` (and the release's write-back) of one
:class:`promokit.http.limits.RateLimiter` (one process) against a
:class:`promokit.ledger.shared_limits.SharedRateLimiter` on a SQLite file and on
PostgreSQL, with a rate high enough that nothing ever waits: the difference is
the ledger's cost per request. PostgreSQL is a throwaway cluster started from
the installed server binaries (skipped, saying so, without them), or
``--postgresql URL``.

    python bench/bench_shared_budget.py [--calls 2000] [--postgresql URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT

from promokit.http.limits import RateLimiter
from promokit.ledger import Ledger
from promokit.ledger.shared_limits import SharedRateLimiter

TARGET = "bench https://bench.invalid - acct-0000000000000000"


async def per_call(limiter: RateLimiter, calls: int) -> float:
    """Microseconds per acquire + release, the write-back included."""
    for _ in range(20):  # warm up: connection, schema, caches
        await limiter.acquire()
        limiter.release()
    started = time.perf_counter()
    for _ in range(calls):
        await limiter.acquire()
        limiter.release()
    if isinstance(limiter, SharedRateLimiter):
        await limiter.settle()
    return (time.perf_counter() - started) / calls * 1e6


def shared(ledger: Ledger) -> SharedRateLimiter:
    async def target() -> str:
        return TARGET

    return SharedRateLimiter(10**9, 60.0, ledger=ledger, target=target, hold_for=90.0)


async def run(calls: int, postgresql: str | None) -> None:
    rows: list[tuple[str, float]] = [
        ("local window (one process)", await per_call(RateLimiter(10**9, 60.0), calls))
    ]
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger.at(Path(folder) / "ledger.sqlite3")
        rows.append(("shared, SQLite file (WAL)", await per_call(shared(ledger), calls)))
        ledger.close()
    cluster = None
    if postgresql is None:
        sys.path.insert(0, str(ROOT))
        from tests.pg_cluster import Cluster, binaries

        found = binaries()
        if found is None:
            print("PostgreSQL server binaries not installed: PostgreSQL row skipped")
        else:
            cluster = Cluster(found)
            cluster.start()
            postgresql = cluster.database()
    try:
        if postgresql is not None:
            ledger = Ledger.at(postgresql)
            rows.append(("shared, PostgreSQL (loopback)", await per_call(shared(ledger), calls)))
            ledger.close()
    finally:
        if cluster is not None:
            cluster.stop()
    base = rows[0][1]
    print("| limiter | µs per call | vs local |\n|---|---:|---:|")
    for name, micro in rows:
        print(f"| {name} | {micro:.1f} | {micro / base:.1f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--postgresql", default=None, help="a postgresql:// URL to use")
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.postgresql))


if __name__ == "__main__":
    main()
