"""Where a call's instructions go: each part replaced by its result, counted by valgrind.

A profile for the client-overhead targets, not a target of its own. Every row runs
``client.get`` (or ``client.validate``, ``--call``) of one provider (``--provider``)
against the canned stub as ``bench_instructions.py`` does, with one part of the
call swapped for a stand-in that returns what the part returned the first time (the
decoded wire Struct, the mapped ``Promotion``, a fixed clock reading, "no failure",
a watch that never fires, logging switched off). The
instructions a row saves are what that part costs per request; "all" swaps them
together. Rows are counted in separate processes, two runs each (``--small`` and
``--large`` requests), so start-up and warm-up cancel out. Needs ``valgrind``.

The stand-ins patch today's modules (``promokit/http/``: transport, failures,
deadlines, limits, tracing; the plugins' mapping and decode; the code book);
``tests/test_bench_scripts.py`` runs every row's child natively, so a part that
moves fails there rather than here. A stand-in for a coroutine is a coroutine
too, so a swapped coroutine's own frame is still counted.
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

SHARED = {
    "failure check": "the whole reading of an answer (Failures.check: redirect, keys, parser)",
    "deadline watch": "the attempt's deadline watch (Deadlines.watch and close)",
    "slots": "the concurrency slot (Slots.try_acquire and release)",
    "rate limiter": "the rate-limit place (RateLimiter.try_acquire and release)",
    "request id": "our X-Request-Id (tracing.new_request_id)",
    "logging guard": "the INFO-level check per response (logger disabled)",
}
MAYAR = {
    "mapping": "wire Struct → Promotion (promokit_mayar.mapping.promotion_from_detail)",
    "decode": "body → wire Struct (MayarProvider._decode: msgspec and its wrapper)",
    "clock": "the clock read for the derived status (MayarProvider.now)",
    "error parser": "reading a failure out of every response (Mayar's parse_error)",
}
DURIANPAY = {
    "mapping": "wire Struct → Promotion (promokit_durianpay.mapping.to_promotion)",
    "decode": "body → wire Struct (DurianpayProvider._decode_one: msgspec and its wrapper)",
    "code book": "the codes-version check and lookups (CodeBook.ready_for, id_for, code_for)",
    "error parser": "reading a failure out of every response (Durianpay's parse_error)",
}
PARTS_OF = {
    "mayar": {"none": "nothing swapped: the whole call", **MAYAR, **SHARED},
    "durianpay": {"none": "nothing swapped: the whole call", **DURIANPAY, **SHARED},
}
ALL = "all of the above"


def swap(parts: set[str], provider: str = "mayar") -> None:
    """Replace ``parts`` in the imported modules by stand-ins returning remembered results."""
    if provider == "mayar":
        _swap_mayar(parts)
    else:
        _swap_durianpay(parts)
    _swap_shared(parts)


def replace(owner: Any, name: str, stand_in: Any) -> None:
    """Set ``owner.name`` to ``stand_in``; a name that no longer exists fails here.

    A plain assignment would add a new attribute instead, and the row would quietly
    report that the part costs nothing.
    """
    if not hasattr(owner, name):
        raise AttributeError(f"{owner!r} has no {name!r} to replace: bench_parts.py is stale")
    setattr(owner, name, stand_in)


def remembered(real: Any, key: Any = lambda *args, **kwargs: None) -> Any:
    """``real``, answering each ``key(...)`` with what its first call for that key returned."""
    seen: dict[Any, Any] = {}

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        found = key(*args, **kwargs)
        if found not in seen:
            seen[found] = real(*args, **kwargs)
        return seen[found]

    return stand_in


def _swap_mayar(parts: set[str]) -> None:
    from promokit_mayar import mapping
    from promokit_mayar.provider import MayarProvider

    if "mapping" in parts:
        replace(mapping, "promotion_from_detail", remembered(mapping.promotion_from_detail))
    if "decode" in parts:
        decode = remembered(MayarProvider._decode, key=lambda self, response, tp, operation: tp)
        replace(MayarProvider, "_decode", decode)
    if "clock" in parts:
        moment = datetime.now(UTC)
        real_init = MayarProvider.__init__

        def fixed_clock_init(self: Any, *args: Any, **kwargs: Any) -> None:
            real_init(self, *args, **kwargs)
            self.now = lambda: moment

        replace(MayarProvider, "__init__", fixed_clock_init)
    if "error parser" in parts:
        replace(MayarProvider, "parse_error", classmethod(lambda cls, response: None))


def _swap_durianpay(parts: set[str]) -> None:
    import bench_client
    from promokit_durianpay import mapping
    from promokit_durianpay.provider import DurianpayProvider

    from promokit.plugins.codes import CodeBook

    if "mapping" in parts:
        by_operation = remembered(mapping.to_promotion, key=lambda promo, **kw: kw["operation"])
        replace(mapping, "to_promotion", by_operation)
    if "decode" in parts:
        decode = remembered(
            DurianpayProvider._decode_one, key=lambda self, response, operation: operation
        )
        replace(DurianpayProvider, "_decode_one", decode)
    if "code book" in parts:

        async def nothing_changed(self: Any, promo_id: str) -> None:
            return None

        async def id_for(self: Any, code: str) -> str | None:
            return bench_client.CODED_ID

        replace(CodeBook, "ready_for", nothing_changed)
        replace(CodeBook, "id_for", id_for)
        replace(CodeBook, "code_for", lambda self, promo_id: None)
    if "error parser" in parts:
        replace(DurianpayProvider, "parse_error", classmethod(lambda cls, response: None))


def _swap_shared(parts: set[str]) -> None:
    from promokit.http import deadlines, failures, limits, tracing, transport

    if "failure check" in parts:
        replace(failures.Failures, "check", lambda self, response, request, request_id: response)
    if "deadline watch" in parts:

        class Unwatched:
            def close(self) -> bool:
                return False

            def expired(self) -> bool:
                return False

        unwatched = Unwatched()
        replace(deadlines.Deadlines, "watch", lambda self, when: unwatched)
    if "slots" in parts:
        replace(limits.Slots, "try_acquire", lambda self: True)
        replace(limits.Slots, "release", lambda self: None)
    if "rate limiter" in parts:
        replace(limits.RateLimiter, "try_acquire", lambda self: True)
        replace(limits.RateLimiter, "release", lambda self: None)
    if "request id" in parts:
        fixed = tracing.new_request_id()
        replace(transport, "new_request_id", lambda: fixed)
    if "logging guard" in parts:
        replace(tracing.log, "disabled", True)


async def child(url: str, in_flight: int, requests: int) -> None:
    """Inside valgrind: swap the parts named in ``$BENCH_PARTS``, then run ``$BENCH_CALL``."""
    import bench_client

    variant = os.environ.get("BENCH_CALL", "mayar get promokit")
    swap(set(filter(None, os.environ.get("BENCH_PARTS", "").split("|"))), variant.split()[0])
    async with AsyncExitStack() as stack:
        call = await bench_client.make_call(variant, url, stack)
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
    parser.add_argument("--provider", choices=sorted(PARTS_OF), default="mayar")
    parser.add_argument("--call", choices=("get", "validate"), default="get")
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

    call = f"{args.provider} {args.call} promokit"
    parts = PARTS_OF[args.provider]
    if not report_header(f"## Where {args.provider}'s client.{args.call} instructions go"):
        return 0
    say(
        f"{args.provider} client.{args.call}, {args.in_flight} in flight; instructions per "
        f"request = (count at {args.large} − count at {args.small}) / {args.large - args.small}"
    )
    rows_to_count = {**{part: {part} for part in parts}, ALL: set(parts) - {"none"}}
    rows_to_count["none"] = set()
    if args.only:
        wanted = {"none", *args.only.split(",")}
        rows_to_count = {row: chosen for row, chosen in rows_to_count.items() if row in wanted}
    counted: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as directory:
        stub, url = bench_client.start_stub(Path(directory), 3600, None)
        try:
            for row, swapped in rows_to_count.items():
                env = {**os.environ, "BENCH_PARTS": "|".join(sorted(swapped)), "BENCH_CALL": call}
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
        [row, parts.get(row, "every part above at once"), f"{count:,.0f}", f"{whole - count:,.0f}"]
        for row, count in counted.items()
    ]
    say()
    say(markdown_table(["swapped", "what that is", "instructions/request", "saved"], rows))
    say()
    say(
        "At the default sizes counts repeat to within about 1-2 k instructions (smaller "
        "savings are noise); --quick spreads several times wider."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
