"""Client overhead in CPU instructions per request, counted by valgrind: noise-free ratios.

``bench_client.py`` measures CPU time, which on a shared machine moves by 10–50 %
between runs. This script runs the same variants against the same canned stub
under valgrind (cachegrind with its cache simulation off, about 10x slower than
native) and counts the instructions the client process executes. Each
(variant, mode) runs twice, with ``--small`` and ``--large`` requests; the
difference divided by the difference in requests is the cost of one request,
with start-up, imports and warm-up cancelled out. Instruction counts repeat to
within about 1 %, so a change of a few percent is visible.

They are not CPU time: cache misses, branch mispredictions and the kernel's
socket work are not counted (the kernel side is the same for every variant).
Use it to compare variants and versions; use ``bench_client.py`` for time.
``--codec`` counts the decodes of ``bench_codec.py`` the same way (promokit
against ``json.loads`` + the hand mapping, with the cycle collector running).
Needs ``valgrind`` on PATH; without it the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from _common import machine_line, markdown_table, progress, say, verdict

HERE = Path(__file__).resolve().parent
MODES = {"seq": 1, "c32": 32}
PAGE_TARGET = 3.0
COLLECTED = re.compile(rb"I\s+refs:\s+([\d,]+)")


async def child(variant: str, url: str, in_flight: int, requests: int) -> None:
    """Inside valgrind: build ``variant`` as bench_client does and run ``requests`` calls."""
    import bench_client

    async with AsyncExitStack() as stack:
        call = await bench_client.make_call(variant, url, stack)
        await bench_client.drive(call, requests, in_flight)


def codec_child(variant: str, calls: int) -> None:
    """Inside valgrind: run one bench_codec decoder ``calls`` times (collector running)."""
    import bench_codec

    decode, body = CODEC_CASES[variant](bench_codec)
    for _ in range(calls):
        decode(body)


CODEC_CASES: dict[str, Callable[[Any], tuple[Callable[[bytes], Any], bytes]]] = {
    "Mayar detail: json + hand mapping": lambda m: (m.hand_mayar, m.mayar_detail_body()),
    "Mayar detail: promokit": lambda m: (m.promokit_mayar, m.mayar_detail_body()),
    "Durianpay promo: json + hand mapping": lambda m: (m.hand_durianpay, m.durianpay_body()),
    "Durianpay promo: promokit": lambda m: (m.promokit_durianpay, m.durianpay_body()),
    "Durianpay page: json + hand mapping": lambda m: (m.hand_page, m.durianpay_page(100)),
    "Durianpay page: promokit": lambda m: (m.promokit_page, m.durianpay_page(100)),
}
CODEC_CALLS = {"Mayar detail": (2000, 12000), "Durianpay promo": (2000, 12000)}
PAGE_CALLS = (20, 120)


def report_header(title: str) -> bool:
    """Print the report's title and machine line; ``False`` (said why) without valgrind."""
    say(title)
    say()
    if shutil.which("valgrind") is None:
        say("skipped: valgrind is not installed (apt install valgrind)")
        return False
    say(machine_line())
    return True


def instructions(
    *child_args: str, script: Path | None = None, env: dict[str, str] | None = None
) -> int:
    """Instructions a child process (``script``, default this one, with ``child_args``) executed."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        str(script or Path(__file__).resolve()),
        *child_args,
    ]
    done = subprocess.run(command, capture_output=True, check=False, timeout=900, env=env)
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{child_args} under valgrind failed ({done.returncode}): {tail}")
    return int(found.group(1).replace(b",", b""))


def main(argv: list[str] | None = None) -> int:
    """Count, print the table; returns 1 if a target was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=640, help="requests in the short run")
    parser.add_argument("--large", type=int, default=3200, help="requests in the long run")
    parser.add_argument("--quick", action="store_true", help="320 and 1,600 requests")
    parser.add_argument(
        "--codec", action="store_true", help="count the codec's decodes instead (bench_codec)"
    )
    parser.add_argument("--provider", choices=("mayar", "durianpay"), help="only this provider")
    parser.add_argument("--only", choices=("get", "validate"), help="only this call")
    parser.add_argument("--child", nargs=4, metavar=("VARIANT", "URL", "IN_FLIGHT", "N"))
    parser.add_argument("--codec-child", nargs=2, metavar=("VARIANT", "N"))
    args = parser.parse_args(argv)
    if args.child:
        variant, url, in_flight, requests = args.child
        asyncio.run(child(variant, url, int(in_flight), int(requests)))
        return 0
    if args.codec_child:
        codec_child(args.codec_child[0], int(args.codec_child[1]))
        return 0
    if args.codec:
        return codec_main()
    if args.quick:
        args.small, args.large = 320, 1600
    if not report_header("## Client overhead in instructions (bench/bench_instructions.py)"):
        return 0
    import bench_client

    variants = [
        name
        for name in bench_client.every_variant()
        if args.provider in (None, name.split()[0]) and args.only in (None, name.split()[1])
    ]
    say(
        f"instructions per request = (count at {args.large} − count at {args.small}) / "
        f"{args.large - args.small}, client process only, under valgrind --tool=cachegrind"
    )
    per_request: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as directory:
        stub, url = bench_client.start_stub(Path(directory), 3600, None)
        try:
            for mode, in_flight in MODES.items():
                for variant in variants:
                    small = instructions("--child", variant, url, str(in_flight), str(args.small))
                    large = instructions("--child", variant, url, str(in_flight), str(args.large))
                    per_request[variant, mode] = (large - small) / (args.large - args.small)
                    progress(f"  {variant} {mode}: {per_request[variant, mode]:,.0f} per request")
        finally:
            stub.terminate()
            stub.wait(timeout=10)

    missed = False
    rows = []
    for mode in MODES:
        for variant in variants:
            provider, operation, kind = variant.split()
            count = per_request[variant, mode]
            ratios, checks = [], []
            for baseline in ("raw", "hand"):
                base = per_request.get(
                    (bench_client.variant_name(provider, operation, baseline), mode)
                )
                if base is None:
                    ratios.append("")
                    continue
                ratios.append(f"{count / base:.3f}")
                if kind == "promokit":
                    limit = bench_client.TARGETS[baseline, mode]
                    check = verdict(count / base, limit, higher_is_better=False)
                    checks.append(f"{check} (≤ {limit:.2f} vs {baseline})")
                    missed = missed or check == "MISS"
            rows.append(
                [mode, provider, operation, kind, f"{count:,.0f}", *ratios, ", ".join(checks)]
            )
    say()
    headers = ["mode", "provider", "call", "variant", "instructions/request"]
    say(markdown_table([*headers, "vs raw aiohttp", "vs hand-written", "target"], rows))
    say()
    say(
        "Instructions leave out cache misses and kernel time (the same socket work for "
        "every variant), so the CPU-time ratios of bench_client.py come out a little higher."
    )
    return 1 if missed else 0


def codec_main() -> int:
    """Instructions per decode of bench_codec's payloads, promokit against its baseline."""
    if not report_header("## Codec in instructions (bench/bench_instructions.py --codec)"):
        return 0
    say("instructions per decode = difference of two runs / difference in calls, collector running")
    per_decode: dict[str, float] = {}
    for variant in CODEC_CASES:
        small, large = CODEC_CALLS.get(variant.split(":")[0], PAGE_CALLS)
        counts = [instructions("--codec-child", variant, str(calls)) for calls in (small, large)]
        per_decode[variant] = (counts[1] - counts[0]) / (large - small)
        progress(f"  {variant}: {per_decode[variant]:,.0f} per decode")
    rows = []
    missed = False
    for variant, count in per_decode.items():
        payload, _, who = variant.partition(": ")
        speedup, check = "", ""
        if who == "promokit":
            ratio = per_decode[f"{payload}: json + hand mapping"] / count
            speedup = f"{ratio:.2f}×"
            if payload == "Durianpay page":
                check = verdict(ratio, PAGE_TARGET, higher_is_better=True)
                check += f" (≥ {PAGE_TARGET:g}× fewer)"
                missed = check.startswith("MISS")
        rows.append([payload, who, f"{count:,.0f}", speedup, check])
    say()
    headers = ["payload", "variant", "instructions/decode", "fewer than baseline", "target"]
    say(markdown_table(headers, rows))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
