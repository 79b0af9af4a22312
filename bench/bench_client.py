"""Client overhead: CPU per request of client.get/validate versus raw aiohttp on loopback.

A canned-response stub (``stub_server.py``) runs in a subprocess pinned to the
other core and answers every GET with Mayar's documented detail response and
every POST with its documented validate response. This process is pinned to
one core and measures, per variant, client CPU time per request
(``time.process_time()`` delta / n), throughput and p50/p99 latency, sequentially
and with 32 requests in flight. Each repeat runs in a fresh event loop: every
variant gets its own session (or client) and a warm-up, then the variants take
turns in small chunks of requests, so background noise on a shared machine
falls on all of them alike. Only ratios to the raw-aiohttp baseline of the same
repeat are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
from _common import (
    MAYAR_FIXTURES,
    Samples,
    cores,
    machine_line,
    markdown_table,
    optional,
    pin_self,
    progress,
    ratio_samples,
    say,
    verdict,
)

DETAIL_ID = "c9aa143a-53f9-44e7-a9c6-83229ad7199b"
KEY = "bench-key-not-a-secret"
CODE = "HARIBAIK"
PRODUCT = "4f7c1c1e-2b1a-4f0e-8a55-3f1f0c2d9e11"
AMOUNT = 250_000
HEADERS = {
    "Authorization": f"Bearer {KEY}",
    "Accept": "application/json",
    "Content-Type": "application/json",
}
TARGETS = {"seq": 1.10, "c32": 1.25}
CERT, KEY_FILE = "stub-cert.pem", "stub-key.pem"
UVLOOP = ("raw GET (uvloop)", "client.get (uvloop)")
BASELINE = {
    "raw GET": "raw GET",
    "aiohttp+json GET": "raw GET",
    "client.get": "raw GET",
    "raw POST": "raw POST",
    "aiohttp+json POST": "raw POST",
    "client.validate": "raw POST",
    "raw GET (uvloop)": "raw GET",
    "client.get (uvloop)": "raw GET (uvloop)",
}

Call = Callable[[], Awaitable[Any]]


@dataclass
class Result:
    """Samples of every metric of one (variant, mode), one value per repeat."""

    cpu_us: Samples = field(default_factory=Samples)
    sys_us: Samples = field(default_factory=Samples)
    rate: Samples = field(default_factory=Samples)
    p50_ms: Samples = field(default_factory=Samples)
    p99_ms: Samples = field(default_factory=Samples)


def compact(name: str) -> bytes:
    """A documented fixture re-encoded without whitespace, key order kept."""
    return msgspec.json.encode(json.loads((MAYAR_FIXTURES / name).read_bytes()))


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def drive(call: Call, n: int, in_flight: int) -> tuple[float, float, list[float], float]:
    """Run ``n`` calls with ``in_flight`` workers: CPU s, wall s, latencies, kernel CPU s."""
    latencies: list[float] = []
    record = latencies.append
    clock = time.perf_counter
    per_worker = n // in_flight

    async def worker() -> None:
        for _ in range(per_worker):
            started = clock()
            await call()
            record(clock() - started)

    gc.collect()
    kernel = resource.getrusage(resource.RUSAGE_SELF).ru_stime
    cpu, wall = time.process_time(), clock()
    if in_flight == 1:
        await worker()
    else:
        await asyncio.gather(*(worker() for _ in range(in_flight)))
    cpu, wall = time.process_time() - cpu, clock() - wall
    return cpu, wall, latencies, resource.getrusage(resource.RUSAGE_SELF).ru_stime - kernel


def plain_session(trust: ssl.SSLContext | None = None) -> aiohttp.ClientSession:
    """A session configured as promokit configures its own (no total timeout)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=100, limit_per_host=64, ssl=trust or True),
        timeout=aiohttp.ClientTimeout(total=None),
    )


async def make_call(
    variant: str, url: str, stack: AsyncExitStack, trust: ssl.SSLContext | None = None
) -> Call:
    """Build the awaitable for ``variant``; resources are closed by ``stack``.

    ``trust`` is the TLS context that trusts the stub's certificate (``--tls``).
    """
    validate_body = validate_request_bytes()
    validate_dict = json.loads(validate_body)
    if variant.startswith(("raw", "aiohttp")):
        session = await stack.enter_async_context(plain_session(trust))
        detail_url, validate_url = f"{url}/coupons/{DETAIL_ID}", f"{url}/coupons/validate"
        if variant.startswith("raw GET"):

            async def raw_get() -> bytes:
                async with session.get(detail_url, headers=HEADERS) as response:
                    return await response.read()

            return raw_get
        if variant == "aiohttp+json GET":

            async def json_get() -> Any:
                async with session.get(detail_url, headers=HEADERS) as response:
                    return json.loads(await response.read())

            return json_get
        if variant == "raw POST":

            async def raw_post() -> bytes:
                async with session.post(
                    validate_url, data=validate_body, headers=HEADERS
                ) as response:
                    return await response.read()

            return raw_post

        async def json_post() -> Any:
            body = json.dumps(validate_dict, separators=(",", ":")).encode()
            async with session.post(validate_url, data=body, headers=HEADERS) as response:
                return json.loads(await response.read())

        return json_post

    import promokit

    config = {
        "providers": {
            "mayar": {
                "plugin": "mayar",
                "api_key": KEY,
                "base_url": url,
                # Far above the load generated: the limiter is consulted but never waits.
                "rate_limit": 1e9,
                "max_concurrency": 64,
            }
        }
    }
    # Over TLS the client needs a session that trusts the stub's throwaway authority.
    trusted = None if trust is None else await stack.enter_async_context(plain_session(trust))
    client = await stack.enter_async_context(promokit.Client.from_config(config, session=trusted))
    if variant.startswith("client.get"):
        return lambda: client.get(DETAIL_ID, "mayar")
    checkout = promokit.Checkout(amount=AMOUNT, product_id=PRODUCT)
    return lambda: client.validate(CODE, checkout, "mayar")


def validate_request_bytes() -> bytes:
    """Exactly the validate body promokit sends for the benchmark's code and checkout."""
    from promokit_mayar import validating

    from promokit import Checkout, codec

    checkout = Checkout(amount=AMOUNT, product_id=PRODUCT)
    return codec.encode(validating.validate_request(CODE, checkout, PRODUCT))


async def measure_block(
    variants: list[str],
    url: str,
    modes: dict[str, tuple[int, int]],
    args: argparse.Namespace,
    trust: ssl.SSLContext | None = None,
) -> dict[tuple[str, str], Result]:
    """One repeat for ``variants`` in the running (fresh) loop, interleaved in small chunks.

    Every variant is built and warmed up first; then chunks of ``--chunk`` requests
    (x in-flight) run round-robin, so the machine's background noise, which
    changes over seconds, falls on every variant alike.
    """
    results: dict[tuple[str, str], Result] = {}
    async with AsyncExitStack() as stack:
        calls = {variant: await make_call(variant, url, stack, trust) for variant in variants}
        for mode, (in_flight, n) in modes.items():
            for call in calls.values():
                await drive(call, args.warmup, in_flight)
            chunk = args.chunk * in_flight
            rounds = max(1, n // chunk)
            cpu = dict.fromkeys(variants, 0.0)
            kernel = dict.fromkeys(variants, 0.0)
            wall = dict.fromkeys(variants, 0.0)
            latencies: dict[str, list[float]] = {variant: [] for variant in variants}
            for round_ in range(rounds):
                shift = round_ % len(variants)
                for variant in variants[shift:] + variants[:shift]:
                    spent, took, seen, in_kernel = await drive(calls[variant], chunk, in_flight)
                    cpu[variant] += spent
                    kernel[variant] += in_kernel
                    wall[variant] += took
                    latencies[variant] += seen
            for variant in variants:
                done = len(latencies[variant])
                ordered = sorted(latencies[variant])
                result = results[variant, mode] = Result()
                result.cpu_us.add(cpu[variant] / done * 1e6)
                result.sys_us.add(kernel[variant] / done * 1e6)
                result.rate.add(done / wall[variant])
                result.p50_ms.add(percentile(ordered, 0.50) * 1e3)
                result.p99_ms.add(percentile(ordered, 0.99) * 1e3)
    return results


def set_recv_size(size: int) -> None:
    """Make asyncio's selector transports read at most ``size`` bytes per ``recv``.

    asyncio reads plain TCP with ``sock.recv(256 KiB)``: a buffer above glibc's
    128 KiB mmap threshold, so every read of a small answer maps, shrinks and
    unmaps memory (three system calls and page faults). TLS connections read into a
    buffer kept by the protocol and never pay it, and neither does uvloop. A size
    below the threshold takes that cost, shared by every variant, out of the
    comparison. ``max_size`` is asyncio's private class attribute.
    """
    from asyncio import selector_events

    selector_events._SelectorSocketTransport.max_size = size  # type: ignore[attr-defined]


def loop_factory(uvloop: bool) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or ``None`` for the default loop."""
    if uvloop:
        import uvloop as module

        return module.new_event_loop
    return None


def start_stub(
    directory: Path, seconds: float, core: int | None, tls: bool = False
) -> tuple[subprocess.Popen[str], str]:
    """Start the stub (pinned to ``core`` if given); returns the process and its base URL.

    With ``tls`` the stub serves HTTPS with a certificate of the throwaway authority
    ``trusting(directory)`` returns.
    """
    get, post = directory / "detail.json", directory / "validate.json"
    get.write_bytes(compact("detail_response.json"))
    post.write_bytes(compact("validate_response.json"))
    command = [
        sys.executable,
        str(Path(__file__).with_name("stub_server.py")),
        "--get",
        str(get),
        "--post",
        str(post),
        "--seconds",
        str(seconds),
    ]
    if tls:
        command += ["--certfile", str(directory / CERT), "--keyfile", str(directory / KEY_FILE)]
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"{'https' if tls else 'http'}://127.0.0.1:{port}/hl/v2"


def trusting(directory: Path) -> ssl.SSLContext:
    """A throwaway certificate authority (trustme) for 127.0.0.1: the client's trust.

    Writes the stub's certificate chain and key into ``directory``.
    """
    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    certificate.private_key_pem.write_to_path(str(directory / KEY_FILE))
    certificate.cert_chain_pems[0].write_to_path(str(directory / CERT))
    for pem in certificate.cert_chain_pems[1:]:
        pem.write_to_path(str(directory / CERT), append=True)
    trust = ssl.create_default_context()
    authority.configure_trust(trust)
    return trust


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables; returns 1 if a target was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sequential", type=int, default=3000, help="requests per measurement")
    parser.add_argument("--concurrent", type=int, default=9600, help="requests at 32 in flight")
    parser.add_argument("--warmup", type=int, default=320)
    parser.add_argument(
        "--chunk", type=int, default=100, help="requests per worker between variant switches"
    )
    parser.add_argument("--quick", action="store_true", help="3 repeats, 1/3 of the requests")
    parser.add_argument("--uvloop", action="store_true", help="add uvloop variants (bench extra)")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="every variant over HTTPS to a throwaway certificate (trustme, bench extra)",
    )
    parser.add_argument(
        "--recv-size",
        type=int,
        metavar="BYTES",
        help="read size of asyncio's plain-TCP transports, for every variant (default 256 KiB)",
    )
    parser.add_argument(
        "--only", choices=("get", "validate"), help="only the GET or only the POST variants"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.sequential, args.concurrent = 3, 1000, 3200
    if args.recv_size is not None:
        if args.recv_size < 1:
            parser.error("--recv-size must be a positive number of bytes")
        set_recv_size(args.recv_size)
    variants = ["raw GET", "aiohttp+json GET", "client.get"]
    variants += ["raw POST", "aiohttp+json POST", "client.validate"]
    if args.only == "get":
        variants = variants[:3]
    elif args.only == "validate":
        variants = variants[3:]
    skipped = []
    if args.uvloop and args.only != "validate":
        if optional("uvloop"):
            variants += ["raw GET (uvloop)", "client.get (uvloop)"]
        else:
            skipped.append("uvloop variants (uvloop not installed: pip install -e '.[bench]')")

    say("## Client overhead (bench/bench_client.py)")
    say()
    say(machine_line())
    available = cores()
    client_core = available[0]
    stub_core = available[-1] if len(available) > 1 and shutil.which("taskset") else None
    modes = {"seq": (1, args.sequential), "c32": (32, args.concurrent)}
    results = {(v, m): Result() for v in variants for m in modes}
    if args.tls and not optional("trustme"):
        say("--tls needs trustme: pip install -e '.[bench]'")
        return 2
    with tempfile.TemporaryDirectory() as directory:
        budget = 120 + args.repeats * len(variants) * 15.0
        trust = trusting(Path(directory)) if args.tls else None
        stub, url = start_stub(Path(directory), budget, stub_core, tls=args.tls)
        pinned = pin_self(client_core)
        try:
            say(
                f"client pinned to core {client_core}: {pinned}; stub pinned to core "
                f"{stub_core} (taskset); stub on uvloop: {optional('uvloop')}"
            )
            say(
                f"{args.repeats} repeats; {args.sequential} sequential and {args.concurrent} "
                f"at 32 in flight per variant and repeat, interleaved in chunks of "
                f"{args.chunk} per worker; warm-up {args.warmup}"
            )
            for note in skipped:
                say(f"skipped: {note}")
            if args.tls:
                say("every variant over TLS (--tls): a trustme certificate for 127.0.0.1")
            if args.recv_size is not None:
                say(f"asyncio's plain-TCP read size set to {args.recv_size:,} bytes (--recv-size)")

            blocks = [[v for v in variants if not v.endswith("(uvloop)")]]
            blocks += [[v for v in variants if v.endswith("(uvloop)")]]
            for repeat in range(args.repeats):
                for block in filter(None, blocks):
                    with asyncio.Runner(loop_factory=loop_factory(block[0] in UVLOOP)) as runner:
                        one = runner.run(measure_block(block, url, modes, args, trust))
                    for key, result in one.items():
                        target = results[key]
                        target.cpu_us.add(result.cpu_us.values[0])
                        target.sys_us.add(result.sys_us.values[0])
                        target.rate.add(result.rate.values[0])
                        target.p50_ms.add(result.p50_ms.values[0])
                        target.p99_ms.add(result.p99_ms.values[0])
                progress(
                    f"  repeat {repeat + 1}/{args.repeats}: "
                    + ", ".join(
                        f"{variant} {mode} {results[variant, mode].cpu_us.values[-1]:.0f}"
                        for variant in variants
                        for mode in modes
                    )
                )
        finally:
            stub.terminate()
            stub.wait(timeout=10)

    missed = False
    for mode, (in_flight, _) in modes.items():
        say()
        say(f"### {'sequential' if in_flight == 1 else f'{in_flight} in flight'}")
        say()
        rows = []
        for variant in variants:
            result = results[variant, mode]
            baseline = BASELINE[variant]
            ratio = ratio_samples(result.cpu_us, results[baseline, mode].cpu_us)
            check = ""
            if variant.startswith("client."):
                check = verdict(ratio.median, TARGETS[mode], higher_is_better=False)
                check = f"{check} (≤ {TARGETS[mode]:.2f})"
                missed = missed or check.startswith("MISS")
            busy = result.cpu_us.median * result.rate.median / 1e6
            rows.append(
                [
                    variant,
                    result.cpu_us.spread(),
                    f"{result.sys_us.median:.1f}",
                    ratio.spread("{:.3f}") + ("" if baseline == variant else f" vs {baseline}"),
                    f"{result.rate.median:,.0f}",
                    f"{result.p50_ms.median:.3f}",
                    f"{result.p99_ms.median:.3f}",
                    f"{busy:.2f}",
                    check,
                ]
            )
        say(
            markdown_table(
                [
                    "variant",
                    "CPU µs/req median (min–max)",
                    "of which kernel µs",
                    "CPU ratio median (min–max)",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "client core busy",
                    "target",
                ],
                rows,
            )
        )
    say()
    say(
        "CPU ratio = client CPU per request / the baseline's, per repeat, then median. "
        "'client core busy' = CPU/req × req/s (≈ 1 means the client core is the bottleneck). "
        "'of which kernel' = system time (getrusage) per request: socket work, page faults."
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
