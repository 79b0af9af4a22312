"""Diff at scale: 2,000 promotions on one Durianpay emulator target, time and peak memory.

The target is seeded through ``client.apply`` (so the ledger knows every
promotion, as after a real first apply), then one entry of the file is edited and
``client.diff(file, "durianpay")`` is run. Measured per repeat, in the same process:

* **diff**: wall time and tracemalloc peak of the whole diff (ledger read, every
  listing page, matching, comparing 2,000 pairs);
* **list, streamed** (baseline): ``async for p in client.list(...)`` over the same
  pages, keeping nothing: the floor any diff pays for reading the target;
* **list + plan** (baseline, the floor): the streamed listing plus
  ``client.plan`` of every entry, which any diff must do (a plan says what the
  target can express);
* **list, held** (baseline): the same listing kept in a Python list, what a diff
  that loaded the whole target first would hold at least.

Times are measured untraced; each peak in a run of its own under tracemalloc.
Ratios are per repeat. The peak of a diff grows with the file (it
holds the desired promotions and their matches), not with page buffers: the
table shows the peak at 500 and at 2,000 promotions, per promotion.
Requests are counted on the emulator: a diff reads each page once (Durianpay's
list answers are complete, so no detail reads).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import msgspec
from _common import Samples, machine_line, markdown_table, progress, ratio_samples, say, verdict
from promokit_durianpay.emulator import create_emulator

from promokit import CardScope, Client, Percent, Promotion, Quota
from promokit.plugins.emulator import EmulatorServer

KEY = "dp_test_benchdiff00000001"
TARGET_RATIO = 1.5
"""A diff may cost at most this many times its floor: the listing plus a plan per entry."""


def promotions(count: int) -> list[Promotion]:
    """``count`` distinct promotions in the shape a merchant's file holds."""
    return [
        Promotion(
            name=f"bench-promo-{index:05d}",
            code=f"BENCH{index:05d}",
            description=f"promotion number {index}",
            discount=Percent(value=Decimal(5 + index % 40), max_amount=50_000),
            limit=Quota(uses=100 + index),
            min_purchase=10_000 * (index % 7),
            starts_at=datetime(2030, 1, 1, tzinfo=UTC),
            ends_at=datetime(2030, 12, 31, tzinfo=UTC),
            payment=CardScope(bins=("424242",)),
        )
        for index in range(count)
    ]


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    """(seconds, result) of one awaited call, untraced."""
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


async def peak(work: Callable[[], Awaitable[Any]]) -> float:
    """Peak MiB allocated above the start during one awaited call (tracemalloc)."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    await work()
    top = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return top / 2**20


async def one_run(count: int) -> dict[str, float]:
    """Seed a fresh emulator with ``count`` promotions, then time diff and listings."""
    emulator = create_emulator(api_key=KEY)
    wanted = promotions(count)
    with TemporaryDirectory() as directory:
        async with EmulatorServer(emulator, prefix="/v1") as server:
            config: dict[str, Any] = {
                "ledger": str(Path(directory) / "ledger.sqlite"),
                "providers": {
                    "durianpay": {
                        "plugin": "durianpay",
                        "api_key": KEY,
                        "base_url": server.url,
                        "rate_limit": 1_000_000,
                        "timeout": 600,
                    }
                },
            }
            async with Client.from_config(config) as client:
                seeded = await client.apply(await client.diff(wanted, "durianpay"))
                assert seeded.ok, "seeding failed"
                edited = list(wanted)
                edited[count // 2] = msgspec.structs.replace(edited[count // 2], min_purchase=1)
                before = len(emulator.requests)
                diff_s, diff = await timed(lambda: client.diff(edited, "durianpay"))
                requests = len(emulator.requests) - before
                diff_mib = await peak(lambda: client.diff(edited, "durianpay"))
                target = diff.targets[0]
                assert (len(target.update), len(target.in_sync)) == (1, count - 1), "wrong diff"

                async def streamed() -> int:
                    seen = 0
                    async for _ in client.list("durianpay"):
                        seen += 1
                    return seen

                async def held() -> list[Promotion]:
                    return [p async for p in client.list("durianpay")]

                async def floor() -> int:
                    for promotion in edited:
                        client.plan(promotion, "durianpay")
                    return await streamed()

                list_s, seen = await timed(streamed)
                floor_s, _ = await timed(floor)
                list_mib = await peak(streamed)
                held_mib = await peak(held)
                assert seen == count
    return {
        "diff_s": diff_s,
        "diff_mib": diff_mib,
        "list_s": list_s,
        "floor_s": floor_s,
        "list_mib": list_mib,
        "held_mib": held_mib,
        "requests": requests,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; returns 1 if a target was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="1 repeat, 500 promotions")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.count = 1, 500
    small = max(1, args.count // 4)
    runs, smalls = [], []
    for repeat in range(args.repeats):
        progress(f"repeat {repeat + 1}/{args.repeats}: {args.count} and {small} promotions")
        runs.append(asyncio.run(one_run(args.count)))
        smalls.append(asyncio.run(one_run(small)))
    diff_s = Samples([r["diff_s"] for r in runs])
    list_s = Samples([r["list_s"] for r in runs])
    diff_mib = Samples([r["diff_mib"] for r in runs])
    held_mib = Samples([r["held_mib"] for r in runs])
    list_mib = Samples([r["list_mib"] for r in runs])
    floor_s = Samples([r["floor_s"] for r in runs])
    ratio = ratio_samples(diff_s, floor_s)
    over_list = ratio_samples(diff_s, list_s)
    per_small = Samples([r["diff_mib"] * 1024 / small for r in smalls])
    per_large = Samples([r["diff_mib"] * 1024 / args.count for r in runs])
    say("## Diff at scale (bench/bench_diff.py)")
    say()
    say(machine_line())
    say(
        f"{args.repeats} repeats; client.diff of {args.count:,} promotions on one Durianpay "
        "emulator target over loopback (one entry edited), SQLite ledger"
    )
    say()
    say(
        markdown_table(
            ["metric", "value (median, min–max)", "target"],
            [
                ["requests per diff (pages of 25)", f"{int(runs[0]['requests'])}", ""],
                ["diff time", f"{diff_s.spread('{:.2f}')} s", ""],
                ["streamed listing time (baseline)", f"{list_s.spread('{:.2f}')} s", ""],
                ["listing + a plan per entry (floor)", f"{floor_s.spread('{:.2f}')} s", ""],
                ["diff / streamed listing, time", over_list.spread("{:.2f}") + "×", ""],
                [
                    "diff / floor, time",
                    ratio.spread("{:.2f}") + "×",
                    f"{verdict(ratio.median, TARGET_RATIO, higher_is_better=False)} "
                    f"(≤ {TARGET_RATIO:g}×)",
                ],
                ["diff peak memory", f"{diff_mib.spread('{:.1f}')} MiB", ""],
                ["streamed listing peak (baseline)", f"{list_mib.spread('{:.2f}')} MiB", ""],
                ["held listing peak (baseline)", f"{held_mib.spread('{:.1f}')} MiB", ""],
                [
                    f"diff peak per promotion at {small:,} / {args.count:,}",
                    f"{per_small.median:.1f} KiB / {per_large.median:.1f} KiB",
                    "",
                ],
            ],
        )
    )
    return 0 if verdict(ratio.median, TARGET_RATIO, higher_is_better=False) == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
