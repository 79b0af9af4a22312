"""Where ``client.get``'s instructions go: each part replaced by its result, counted by valgrind.

A profile for the client-overhead targets, not a target of its own. Every row runs
``client.get`` against the canned stub as ``bench_instructions.py`` does, with
one part of the call swapped for a stand-in that returns what the part returned
the first time (the decoded wire Struct, the mapped ``Promotion``, a fixed clock
reading, "no failure", a watch that never fires, logging switched off). The
instructions a row saves are what that part costs per request; "all" swaps them
together. Rows are counted in separate processes, two runs each (``--small`` and
``--large`` requests), so start-up and warm-up cancel out. Needs ``valgrind``.

The stand-ins patch today's modules (``promokit/http/``: transport, failures,
deadlines, limits, tracing); ``tests/test_bench_scripts.py`` runs every row's child
natively, so a part that moves fails there rather than here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import markdown_table, progress, say

PARTS = {
    "none": "nothing swapped: the whole call",
    "mapping": "wire Struct → Promotion (promokit_mayar.mapping.promotion_from_detail)",
    "decode": "body → wire Struct (MayarProvider._decode: msgspec and its wrapper)",
    "clock": "the clock read for the derived status (MayarProvider.now)",
    "error parser": "reading a failure out of every response (Mayar's parse_error)",
    "failure check": "the whole reading of an answer (Failures.check: redirect, keys, parser)",
    "deadline watch": "the attempt's deadline watch (Deadlines.watch and close)",
    "slots": "the concurrency slot (Slots.try_acquire and release)",
    "rate limiter": "the rate-limit place (RateLimiter.try_acquire and release)",
    "request id": "our X-Request-Id (tracing.new_request_id)",
    "logging guard": "the INFO-level check per response (logger disabled)",
}
ALL = "all of the above"


def swap(parts: set[str]) -> None:
    """Replace ``parts`` in the imported modules by stand-ins returning remembered results."""
    from promokit_mayar import mapping
    from promokit_mayar.provider import MayarProvider

    from promokit.http import deadlines, failures, limits, tracing, transport

    if "mapping" in parts:
        mapped: dict[str, Any] = {}
        real_mapping = mapping.promotion_from_detail

        def remembered_mapping(data: Any, *, alias: str, now: datetime) -> Any:
            if "promotion" not in mapped:
                mapped["promotion"] = real_mapping(data, alias=alias, now=now)
            return mapped["promotion"]

        mapping.promotion_from_detail = remembered_mapping  # type: ignore[assignment]
    if "decode" in parts:
        decoded: dict[Any, Any] = {}
        real_decode = MayarProvider._decode

        def remembered_decode(self: Any, response: Any, tp: Any, operation: str) -> Any:
            if tp not in decoded:
                decoded[tp] = real_decode(self, response, tp, operation)
            return decoded[tp]

        MayarProvider._decode = remembered_decode  # type: ignore[method-assign]
    if "clock" in parts:
        moment = datetime.now(UTC)
        real_init = MayarProvider.__init__

        def fixed_clock_init(self: Any, *args: Any, **kwargs: Any) -> None:
            real_init(self, *args, **kwargs)
            self.now = lambda: moment

        MayarProvider.__init__ = fixed_clock_init  # type: ignore[method-assign]
    if "error parser" in parts:
        MayarProvider.parse_error = classmethod(lambda cls, response: None)  # type: ignore[method-assign,assignment]
    if "failure check" in parts:
        failures.Failures.check = lambda self, response, request, request_id: response  # type: ignore[method-assign]
    if "deadline watch" in parts:

        class Unwatched:
            def close(self) -> bool:
                return False

            def expired(self) -> bool:
                return False

        unwatched = Unwatched()
        deadlines.Deadlines.watch = lambda self, when: unwatched  # type: ignore[assignment,method-assign,return-value]
    if "slots" in parts:
        limits.Slots.try_acquire = lambda self: True  # type: ignore[method-assign]
        limits.Slots.release = lambda self: None  # type: ignore[method-assign]
    if "rate limiter" in parts:
        limits.RateLimiter.try_acquire = lambda self: True  # type: ignore[method-assign]
        limits.RateLimiter.release = lambda self: None  # type: ignore[method-assign]
    if "request id" in parts:
        fixed = tracing.new_request_id()
        transport.new_request_id = lambda: fixed
    if "logging guard" in parts:
        tracing.log.disabled = True


async def child(url: str, in_flight: int, requests: int) -> None:
    """Inside valgrind: swap the parts named in ``$BENCH_PARTS``, then run ``client.get``."""
    import bench_client

    swap(set(filter(None, os.environ.get("BENCH_PARTS", "").split("|"))))
    async with AsyncExitStack() as stack:
        call = await bench_client.make_call("client.get", url, stack)
        await bench_client.drive(call, requests, in_flight)


def main(argv: list[str] | None = None) -> int:
    """Count every row and print the table (always exits 0: this is a profile)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--in-flight", type=int, default=32, help="concurrent calls (1: sequential)"
    )
    parser.add_argument("--small", type=int, default=320, help="requests in the short run")
    parser.add_argument("--large", type=int, default=1600, help="requests in the long run")
    parser.add_argument("--only", help="count only these rows (comma-separated part names)")
    parser.add_argument("--quick", action="store_true", help="80 and 400 requests")
    parser.add_argument("--child", nargs=3, metavar=("URL", "IN_FLIGHT", "N"))
    args = parser.parse_args(argv)
    if args.quick:
        args.small, args.large = 80, 400
    if args.child:
        url, in_flight, requests = args.child
        asyncio.run(child(url, int(in_flight), int(requests)))
        return 0
    import bench_client
    from bench_instructions import instructions, report_header

    if not report_header("## Where client.get's instructions go (bench/bench_parts.py)"):
        return 0
    say(
        f"client.get, {args.in_flight} in flight; instructions per request = (count at "
        f"{args.large} − count at {args.small}) / {args.large - args.small}"
    )
    rows_to_count = {**{part: {part} for part in PARTS}, ALL: set(PARTS) - {"none"}}
    rows_to_count["none"] = set()
    if args.only:
        wanted = {"none", *args.only.split(",")}
        rows_to_count = {row: parts for row, parts in rows_to_count.items() if row in wanted}
    counted: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as directory:
        stub, url = bench_client.start_stub(Path(directory), 3600, None)
        try:
            for row, parts in rows_to_count.items():
                env = {**os.environ, "BENCH_PARTS": "|".join(sorted(parts))}
                small, large = (
                    instructions(
                        "--child", url, str(args.in_flight), str(n), script=Path(__file__), env=env
                    )
                    for n in (args.small, args.large)
                )
                counted[row] = (large - small) / (args.large - args.small)
                progress(f"  {row}: {counted[row]:,.0f} per request")
        finally:
            stub.terminate()
            stub.wait(timeout=10)
    whole = counted["none"]
    rows = [
        [row, PARTS.get(row, "every part above at once"), f"{count:,.0f}", f"{whole - count:,.0f}"]
        for row, count in counted.items()
    ]
    say()
    say(markdown_table(["swapped", "what that is", "instructions/request", "saved"], rows))
    say()
    say("Counts repeat to within about 1-2 k instructions; smaller savings are noise.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
