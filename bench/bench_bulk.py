"""Rate-limited bulk: 10,000 one-time codes on the Mayar emulator at its documented 20/min.

``client.create_bulk(promotion, count=10000, provider="mayar")`` splits the job
into 200 creates of 50 codes (Mayar's per-request cap). The emulator enforces
20 requests per sliding 60 s window and answers 429 beyond it; the client's own
limiter is configured at the same 20/min. Both share one
:class:`promokit.plugins.emulator.VirtualClock` (the client's ``clock=`` and ``sleep=``
advance it), so ten virtual minutes pass in a few seconds of real time.

A virtual sleep first lets the requests already on the wire land (20 ms of real
time, far above a loopback round trip), then moves the clock: in real time a
minute-long wait dwarfs a round trip. ``--jumpy`` moves the clock at once
instead, so requests still in flight reach the emulator a whole wait later than
they were sent: a stress case with no real-world equivalent, where the limiter
trades rate for safety (it never lets the provider see more than its limit).

Achieved rate = requests / elapsed virtual time, against the best a sliding
window allows: ``rate`` requests at once, then ``rate`` more every ``period``,
i.e. ``(ceil(n / rate) - 1) * period`` seconds for ``n`` requests. The run is
repeated (fresh emulator, client and clock each time) and must never see a 429.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from datetime import UTC, datetime
from typing import Any

from _common import Samples, machine_line, markdown_table, say, verdict
from promokit_mayar.emulator import DOCS_PLACEHOLDER_KEY, create_emulator, create_server

from promokit import Client, Fixed, Promotion
from promokit.plugins.emulator import VirtualClock

RATE, PERIOD = 20, 60.0
TARGET = 0.95
START = datetime(2030, 1, 1, tzinfo=UTC)


async def one_run(count: int, *, jumpy: bool = False) -> dict[str, float]:
    """One bulk job on a fresh emulator, client and virtual clock."""
    clock = VirtualClock(START)
    emulator = create_emulator(clock=clock, rate_limit=RATE, rate_period=PERIOD)

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0 if jumpy else 0.02)
        clock.advance(seconds)

    template = Promotion(
        name="Bulk launch codes",
        discount=Fixed(amount=10_000),
        coupon_type="single_use",
        ends_at=datetime(2031, 1, 1, tzinfo=UTC),
    )
    async with create_server(emulator) as server:
        config: dict[str, Any] = {
            "ledger": ":memory:",  # a virtual-clock run: nothing outlives it
            "providers": {
                "mayar": {
                    "plugin": "mayar",
                    "api_key": DOCS_PLACEHOLDER_KEY,
                    "base_url": server.url,
                    "rate_limit": RATE,
                    "timeout": 3600,
                }
            },
        }
        async with Client.from_config(config, clock=clock.monotonic, sleep=sleep) as client:
            started, wall = clock.monotonic(), time.perf_counter()
            result = await client.create_bulk(template, count=count, provider="mayar")
            elapsed, wall = clock.monotonic() - started, time.perf_counter() - wall
    assert emulator.rate is not None
    requests = len(emulator.requests)
    ideal = (math.ceil(requests / RATE) - 1) * PERIOD
    return {
        "codes": len(result.codes),
        "unique": len(set(result.codes)),
        "requests": requests,
        "elapsed": elapsed,
        "ideal": ideal,
        "fraction": ideal / elapsed if elapsed else 1.0,
        "per_minute": (requests - RATE) / (elapsed / 60) if elapsed else math.inf,
        "rejected": emulator.rate.rejected,
        "max_in_window": emulator.rate.max_in_window,
        "wall": wall,
    }


async def real_run(count: int, rate: int, period: float, ledger: str) -> dict[str, float]:
    """One bulk job in real time: the emulator and the client both at ``rate`` per
    ``period`` seconds of the wall clock, the client's window in a SQLite ledger file
    (as the CLI's is), so the shared budget's ledger round trips are in the figure."""
    emulator = create_emulator(rate_limit=rate, rate_period=period)
    template = Promotion(
        name="Real-time bulk codes",
        discount=Fixed(amount=10_000),
        coupon_type="single_use",
        ends_at=datetime(2031, 1, 1, tzinfo=UTC),
    )
    waits: list[float] = []
    async with create_server(emulator) as server:
        config: dict[str, Any] = {
            "ledger": ledger,
            "providers": {
                "mayar": {
                    "plugin": "mayar",
                    "api_key": DOCS_PLACEHOLDER_KEY,
                    "base_url": server.url,
                    "rate_limit": rate,
                    "rate_period": period,
                }
            },
        }
        async with Client.from_config(config) as client:
            started = time.perf_counter()
            result = await client.create_bulk(
                template, count=count, provider="mayar", on_wait=waits.append
            )
            elapsed = time.perf_counter() - started
    assert emulator.rate is not None
    requests = len(emulator.requests)
    ideal = (math.ceil(requests / rate) - 1) * period
    return {
        "codes": len(set(result.codes)),
        "requests": requests,
        "elapsed": elapsed,
        "ideal": ideal,
        "fraction": ideal / elapsed if elapsed else 1.0,
        "achieved": (requests - rate) / elapsed * 60 if elapsed else math.inf,
        "allowed": rate / period * 60,
        "rejected": emulator.rate.rejected,
        "max_in_window": emulator.rate.max_in_window,
        "waits": len(waits),
    }


def main_real(count: int, rate: int, period: float) -> int:
    """``--real``: one job on the wall clock; prints the achieved rate vs the limit."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as directory:
        run = asyncio.run(real_run(count, rate, period, str(Path(directory) / "ledger.sqlite3")))
    ok = verdict(run["fraction"], TARGET, higher_is_better=True)
    say("## Rate-limited bulk in real time (bench/bench_bulk.py --real)")
    say()
    say(machine_line())
    say(
        f"create_bulk(count={count:,}) on the Mayar emulator, {rate} requests per "
        f"{period:g} s of the wall clock (client and emulator), SQLite ledger"
    )
    say()
    say(
        markdown_table(
            ["metric", "value", "target"],
            [
                ["codes created (unique)", f"{int(run['codes']):,} of {count:,}", ""],
                ["requests (creates)", f"{int(run['requests'])}", ""],
                [
                    "wall time taken / best possible",
                    f"{run['elapsed']:.2f} s / {run['ideal']:.0f} s",
                    "",
                ],
                ["achieved / allowed rate", f"{run['fraction']:.4f}", f"{ok} (≥ {TARGET:.2f})"],
                [
                    "rate after the first window",
                    f"{run['achieved']:.1f} per minute (allowed {run['allowed']:.0f})",
                    "",
                ],
                ["waits reported to on_wait", f"{int(run['waits'])}", ""],
                [
                    "429s received",
                    str(int(run["rejected"])),
                    "PASS (0)" if not run["rejected"] else "MISS (0)",
                ],
                [
                    f"most requests in any {period:g} s window",
                    f"{int(run['max_in_window'])}",
                    f"≤ {rate}",
                ],
            ],
        )
    )
    return 0 if ok == "PASS" and not run["rejected"] and run["codes"] == count else 1


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; returns 1 if a target was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1 repeat")
    parser.add_argument(
        "--jumpy", action="store_true", help="move the clock while requests are in flight"
    )
    parser.add_argument(
        "--real",
        action="store_true",
        help="one job on the wall clock (default 3,500 codes at 10 per 5 s: about 30 s)",
    )
    parser.add_argument("--rate", type=int, default=10, help="--real: requests per period")
    parser.add_argument("--period", type=float, default=5.0, help="--real: seconds")
    args = parser.parse_args(argv)
    if args.real:
        count = 3_500 if args.count == 10_000 else args.count
        return main_real(count, args.rate, args.period)
    if args.quick:
        args.repeats = 1
    runs = [asyncio.run(one_run(args.count, jumpy=args.jumpy)) for _ in range(args.repeats)]
    fraction = Samples([run["fraction"] for run in runs])
    rejected = sum(int(run["rejected"]) for run in runs)
    say("## Rate-limited bulk (bench/bench_bulk.py)")
    say()
    say(machine_line())
    say(
        f"{args.repeats} runs of create_bulk(count={args.count:,}) on the Mayar emulator, "
        f"{RATE} requests per {PERIOD:g} s on a shared virtual clock"
        + (" (--jumpy: the clock moves while requests are in flight)" if args.jumpy else "")
    )
    say()
    first = runs[0]
    ok = verdict(fraction.median, TARGET, higher_is_better=True) == "PASS" and rejected == 0
    ok = ok and all(run["unique"] == args.count for run in runs)
    say(
        markdown_table(
            ["metric", "value (median over runs, min–max)", "target"],
            [
                ["codes created (unique)", f"{int(first['unique']):,} of {args.count:,}", ""],
                ["requests (creates)", f"{int(first['requests'])}", ""],
                [
                    "virtual time taken / best possible",
                    f"{first['elapsed']:.1f} s / {first['ideal']:.0f} s",
                    "",
                ],
                [
                    "achieved / allowed rate",
                    fraction.spread("{:.4f}"),
                    f"{verdict(fraction.median, TARGET, higher_is_better=True)} (≥ {TARGET:.2f})",
                ],
                [
                    "steady rate after the first window",
                    f"{first['per_minute']:.2f} per minute (allowed {RATE})",
                    "",
                ],
                [
                    "429s received (all runs)",
                    str(rejected),
                    "PASS (0)" if rejected == 0 else "MISS (0)",
                ],
                ["most requests in any 60 s window", f"{int(first['max_in_window'])}", ""],
                [
                    "real time per run",
                    Samples([run["wall"] for run in runs]).spread("{:.2f}") + " s",
                    "",
                ],
            ],
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
