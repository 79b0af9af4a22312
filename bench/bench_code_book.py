"""What a coherent code book costs per read: the codes-version check against the
indexed lookup it replaced, a whole-map reload and a dict.

Durianpay never returns codes, so ``validate``/``usage`` by code and ``get`` by id
read the code ↔ promo map. Each such read must see another process's change. Until
issue 21 every read asked the ledger with one indexed query in a worker thread; now
the :class:`~promokit.plugins.codes.CodeBook` asks for the target's codes version (on
SQLite a primary-key read on the event loop, no thread) and reads the whole map only
when it moved. This times, in CPU time of this process (all threads) per read, on a
SQLite file holding ``--codes`` codes: a dict lookup (no coherence at all), the
book's read with nothing changed, the old indexed query, and a whole-map reload;
then the book's read on an in-memory ledger (no other process can write it).

    python bench/bench_code_book.py [--codes 10000] [--calls 2000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import _common  # noqa: F401  (puts the repository on the path)

from promokit.ledger import Ledger
from promokit.plugins.codes import CodeBook

TARGET = "bench https://bench.invalid - acct-0000000000000000"


async def per_read(calls: int, read: Callable[[int], Awaitable[object] | object]) -> float:
    """CPU µs per ``read(i)`` (awaited when it returns an awaitable), best of 3 rounds."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for index in range(calls):
            result = read(index)
            if isinstance(result, Awaitable):
                await result
        best = min(best, (time.process_time() - started) / calls * 1e6)
    return best


async def book_on(ledger: Ledger) -> CodeBook:
    async def target() -> str:
        return TARGET

    book = CodeBook()
    book.bind(ledger, target)
    await book.ready()
    return book


async def run(count: int, calls: int) -> None:
    wanted = [f"CODE{index * 7919 % count:06d}" for index in range(calls)]
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger.at(Path(folder) / "ledger.sqlite3")
        memory = Ledger.memory()
        for store in (ledger.store, memory.store):
            for index in range(count):
                store.remember_code(TARGET, f"CODE{index:06d}", f"prm_{index:06d}", timeout=5)
        held = await ledger.codes(TARGET)
        book, in_memory = await book_on(ledger), await book_on(memory)
        rows = [
            (
                "in-process dict (no coherence)",
                await per_read(calls, lambda i: held.get(wanted[i])),
            ),
            (
                "code book, nothing changed (validate, usage, get)",
                await per_read(calls, lambda i: book.id_for(wanted[i])),
            ),
            (
                "ledger query by code in a thread (before issue 21)",
                await per_read(calls, lambda i: ledger.codes(TARGET, code=wanted[i])),
            ),
            (
                "ledger, whole map (after a change)",
                await per_read(max(1, calls // 100), lambda i: ledger.codes(TARGET)),
            ),
            (
                "code book on an in-memory ledger",
                await per_read(calls, lambda i: in_memory.id_for(wanted[i])),
            ),
        ]
        ledger.close()
        memory.close()
    print(f"{count:,} codes on a SQLite ledger file, {calls:,} reads, CPU time, best of 3")
    base = rows[2][1]
    print("| read | CPU µs per read | vs the query in a thread |\n|---|---:|---:|")
    for name, micro in rows:
        print(f"| {name} | {micro:.1f} | {micro / base:.2f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="1,000 codes, 200 reads")
    args = parser.parse_args()
    if args.quick:
        args.codes, args.calls = 1000, 200
    asyncio.run(run(args.codes, args.calls))


if __name__ == "__main__":
    main()
