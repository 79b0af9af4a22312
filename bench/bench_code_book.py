"""What a coherent code book costs per read: one indexed ledger lookup vs the old
in-process map, and vs reloading the whole map.

Durianpay never returns codes, so ``validate``/``usage`` by code and ``get`` by id
read the code ↔ promo map. It used to be loaded once per process (stale after
another process changed a code); now each such read asks the ledger with one
indexed query. This times that query on a SQLite file holding ``--codes`` codes,
next to a dict lookup (the old hit) and a whole-map reload (``codes(target)``).

    python bench/bench_code_book.py [--codes 10000] [--calls 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (puts the repository on the path)

from promokit.ledger import Ledger

TARGET = "bench https://bench.invalid - acct-0000000000000000"


async def run(count: int, calls: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger.at(Path(folder) / "ledger.sqlite3")
        for index in range(count):
            ledger.store.remember_code(TARGET, f"CODE{index:06d}", f"prm_{index:06d}", timeout=5)
        held = await ledger.codes(TARGET)
        wanted = [f"CODE{index * 7919 % count:06d}" for index in range(calls)]
        started = time.perf_counter()
        for code in wanted:
            held.get(code)
        in_memory = (time.perf_counter() - started) / calls * 1e6
        started = time.perf_counter()
        for code in wanted:
            await ledger.codes(TARGET, code=code)
        by_code = (time.perf_counter() - started) / calls * 1e6
        started = time.perf_counter()
        for index in range(calls):
            await ledger.codes(TARGET, promo_id=f"prm_{index * 7919 % count:06d}")
        by_id = (time.perf_counter() - started) / calls * 1e6
        reloads = max(1, calls // 100)
        started = time.perf_counter()
        for _ in range(reloads):
            await ledger.codes(TARGET)
        whole = (time.perf_counter() - started) / reloads * 1e6
        ledger.close()
    print(f"{count:,} codes on a SQLite ledger, {calls:,} reads")
    print("| read | µs per read | vs indexed by code |\n|---|---:|---:|")
    for name, micro in (
        ("in-process dict (the old, stale hit)", in_memory),
        ("ledger, indexed by code (validate, usage)", by_code),
        ("ledger, indexed by promo id (get)", by_id),
        ("ledger, whole map (once per list walk)", whole),
    ):
        print(f"| {name} | {micro:.1f} | {micro / by_code:.2f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.codes, args.calls))


if __name__ == "__main__":
    main()
