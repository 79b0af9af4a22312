"""Client overhead: CPU per call of client.get/validate against raw aiohttp and by-hand clients.

A canned-response stub (``stub_server.py``) runs in a subprocess pinned to the
other core and answers with the providers' documented responses: Mayar's detail
and validate, Durianpay's fetch-one, a fetch-all page holding the code validated
and that promo by its id (Durianpay validates locally: the code's promo is found
in a page once, then read by id). For each provider and
call there are three variants: raw aiohttp (bytes only), the client a user would
write by hand (``handwritten.py``) and promokit. This process is pinned to one
core and measures, per variant, client **CPU time** per request
(``time.process_time()`` delta / n: user + system time of this process, so the
other engineers' load on the machine shows far less than in wall time),
throughput and p99 latency, sequentially and with 32 requests in flight. Each
repeat runs in a fresh event loop: every variant gets its own session (or
client) and a warm-up, then the variants take turns in small chunks of
requests, so background noise falls on all of them alike. Only ratios to the
baselines of the same repeat are reported; ``bench_instructions.py`` counts
instructions of the same variants (load-independent).
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
    DURIANPAY_FIXTURES,
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
from handwritten import HandDurianpay, HandMayar

DETAIL_ID = "c9aa143a-53f9-44e7-a9c6-83229ad7199b"
PROMO_ID = "prm_3eTlttAEF84045"
CODED_ID = "prm_benchcoded"
KEY = "bench-key-not-a-secret"
DURIANPAY_KEY = "dp_test_bench-key-not-a-secret"
CODE = "HARIBAIK"
PRODUCT = "4f7c1c1e-2b1a-4f0e-8a55-3f1f0c2d9e11"
CARD_BIN = "424242"
AMOUNT = 250_000
PREFIX = {"mayar": "/hl/v2", "durianpay": "/dp/v1"}
PROVIDERS = ("mayar", "durianpay")
OPERATIONS = ("get", "validate")
KINDS = ("raw", "hand", "promokit")
# Targets of issue 21, on the median same-run CPU ratio of promokit's call.
TARGETS = {("raw", "seq"): 1.15, ("raw", "c32"): 1.25, ("hand", "seq"): 1.00, ("hand", "c32"): 1.00}
CERT, KEY_FILE = "stub-cert.pem", "stub-key.pem"
# Older names of the promokit variants (bench_parts.py builds "client.get").
ALIASES = {"client.get": "mayar get promokit", "client.validate": "mayar validate promokit"}

Call = Callable[[], Awaitable[Any]]


def variant_name(provider: str, operation: str, kind: str) -> str:
    """``"mayar get raw"``: provider, operation, kind (raw aiohttp, hand-written, promokit)."""
    return f"{provider} {operation} {kind}"


def every_variant() -> list[str]:
    """Every variant, grouped by provider and operation."""
    return [
        variant_name(provider, operation, kind)
        for provider in PROVIDERS
        for operation in OPERATIONS
        for kind in KINDS
    ]


@dataclass
class Result:
    """Samples of every metric of one (variant, mode), one value per repeat."""

    cpu_us: Samples = field(default_factory=Samples)
    sys_us: Samples = field(default_factory=Samples)
    rate: Samples = field(default_factory=Samples)
    p50_ms: Samples = field(default_factory=Samples)
    p99_ms: Samples = field(default_factory=Samples)


def compact(path: Path) -> bytes:
    """A documented fixture re-encoded without whitespace, key order kept."""
    return msgspec.json.encode(json.loads(path.read_bytes()))


def durianpay_page() -> list[dict[str, Any]]:
    """A fetch-all page of five promos; the last carries the benchmark's code, active now.

    Built from the SDK's documented fetch-one answer: Durianpay's own examples never
    show a code, and validating a code means finding its promo in a page (once: then
    both promokit and the hand-written client read it by id, ``CODED_ID``).
    """
    promo = json.loads((DURIANPAY_FIXTURES / "fetch_one_sdk_response.json").read_bytes())["data"]
    page = []
    for index in range(5):
        item = dict(promo, id=f"prm_bench{index}", label=f"BENCH{index}")
        item["promo_details"] = dict(promo["promo_details"], promo_id=item["id"])
        page.append(item)
    page[-1].update(id=CODED_ID, code=CODE, status="active", ends_at="2099-12-31T18:30:00Z")
    return page


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
    """Build the awaitable for ``variant`` against the stub at ``url``; ``stack`` closes it.

    ``trust`` is the TLS context that trusts the stub's certificate (``--tls``).
    """
    provider, operation, kind = ALIASES.get(variant, variant).split()
    base = url + PREFIX[provider]
    if kind == "promokit":
        return await promokit_call(provider, operation, base, stack, trust)
    session = await stack.enter_async_context(plain_session(trust))
    if kind == "hand":
        return hand_call(provider, operation, base, session)
    if provider == "mayar":
        headers = {
            "Authorization": f"Bearer {KEY}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        if operation == "validate":
            body, validate_url = validate_request_bytes(), f"{base}/coupons/validate"

            async def raw_post() -> bytes:
                async with session.post(validate_url, data=body, headers=headers) as response:
                    return await response.read()

            return raw_post
        target, params = f"{base}/coupons/{DETAIL_ID}", None
    else:
        from promokit_durianpay.auth import basic_authorization

        from promokit.http.redact import Secret

        headers = {"Authorization": basic_authorization(Secret(DURIANPAY_KEY))}
        headers["Accept"] = "application/json"
        # validate reads the coded promo by id once a page has said which it is
        promo_id = CODED_ID if operation == "validate" else PROMO_ID
        target, params = f"{base}/merchants/promos/{promo_id}", None

    async def raw_get() -> bytes:
        async with session.get(target, params=params, headers=headers) as response:
            return await response.read()

    return raw_get


def hand_call(provider: str, operation: str, base: str, session: aiohttp.ClientSession) -> Call:
    """The hand-written client's call (``handwritten.py``)."""
    if provider == "mayar":
        mayar = HandMayar(session, base, KEY)
        if operation == "get":
            return lambda: mayar.get(DETAIL_ID)
        return lambda: mayar.validate(CODE, AMOUNT, PRODUCT)
    from promokit_durianpay.auth import basic_authorization

    from promokit.http.redact import Secret

    durianpay = HandDurianpay(session, base, basic_authorization(Secret(DURIANPAY_KEY)))
    if operation == "get":
        return lambda: durianpay.get(PROMO_ID)
    return lambda: durianpay.validate(CODE, AMOUNT, CARD_BIN)


async def promokit_call(
    provider: str,
    operation: str,
    base: str,
    stack: AsyncExitStack,
    trust: ssl.SSLContext | None,
) -> Call:
    """``client.get`` / ``client.validate`` of a promokit client configured for the stub."""
    import promokit

    settings: dict[str, Any] = {
        "plugin": provider,
        "api_key": KEY if provider == "mayar" else DURIANPAY_KEY,
        "base_url": base,
        # Far above the load generated: the limiter is consulted but never waits.
        "rate_limit": 1e9,
        "max_concurrency": 64,
    }
    config = {"providers": {provider: settings}}
    # Over TLS the client needs a session that trusts the stub's throwaway authority.
    trusted = None if trust is None else await stack.enter_async_context(plain_session(trust))
    client = await stack.enter_async_context(promokit.Client.from_config(config, session=trusted))
    if operation == "get":
        promotion_id = DETAIL_ID if provider == "mayar" else PROMO_ID
        return lambda: client.get(promotion_id, provider)
    if provider == "mayar":
        checkout = promokit.Checkout(amount=AMOUNT, product_id=PRODUCT)
    else:
        checkout = promokit.Checkout(amount=AMOUNT, payment_method="card", card_bin=CARD_BIN)
    return lambda: client.validate(CODE, checkout, provider)


def validate_request_bytes() -> bytes:
    """Exactly the validate body promokit sends for the benchmark's code and checkout."""
    from promokit_mayar import validating

    from promokit import Checkout
    from promokit.http import codec

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


def start_stub(
    directory: Path, seconds: float, core: int | None, tls: bool = False
) -> tuple[subprocess.Popen[str], str]:
    """Start the stub (pinned to ``core`` if given); returns the process and its root URL.

    It answers both providers, each under its own prefix (``PREFIX``). With ``tls``
    the stub serves HTTPS with a certificate of the throwaway authority
    ``trusting(directory)`` returns.
    """
    answers = {
        "mayar-detail.json": compact(MAYAR_FIXTURES / "detail_response.json"),
        "mayar-validate.json": compact(MAYAR_FIXTURES / "validate_response.json"),
        "durianpay-promo.json": compact(DURIANPAY_FIXTURES / "fetch_one_sdk_response.json"),
        "durianpay-page.json": msgspec.json.encode({"data": durianpay_page()}),
        "durianpay-coded.json": msgspec.json.encode({"data": durianpay_page()[-1]}),
    }
    for name, body in answers.items():
        (directory / name).write_bytes(body)
    routes = [
        ("GET", f"{PREFIX['mayar']}/coupons/", "mayar-detail.json"),
        ("POST", f"{PREFIX['mayar']}/coupons/validate", "mayar-validate.json"),
        ("GET", f"{PREFIX['durianpay']}/merchants/promos/", "durianpay-promo.json"),
        ("GET", f"{PREFIX['durianpay']}/merchants/promos?", "durianpay-page.json"),
        ("GET", f"{PREFIX['durianpay']}/merchants/promos/{CODED_ID}", "durianpay-coded.json"),
    ]
    command = [
        sys.executable,
        str(Path(__file__).with_name("stub_server.py")),
        "--get",
        str(directory / "mayar-detail.json"),
        "--post",
        str(directory / "mayar-validate.json"),
        "--seconds",
        str(seconds),
    ]
    for method, prefix, name in routes:
        command += ["--route", method, prefix, str(directory / name)]
    if tls:
        command += ["--certfile", str(directory / CERT), "--keyfile", str(directory / KEY_FILE)]
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"{'https' if tls else 'http'}://127.0.0.1:{port}"


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
    parser.add_argument("--sequential", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--concurrent", type=int, default=6400, help="requests at 32 in flight")
    parser.add_argument("--warmup", type=int, default=320)
    parser.add_argument(
        "--chunk", type=int, default=100, help="requests per worker between variant switches"
    )
    parser.add_argument("--quick", action="store_true", help="3 repeats, 1/3 of the requests")
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
    parser.add_argument("--provider", choices=PROVIDERS, help="only this provider's variants")
    parser.add_argument("--only", choices=OPERATIONS, help="only the get or the validate variants")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.sequential, args.concurrent = 3, 700, 2240
    if args.recv_size is not None:
        if args.recv_size < 1:
            parser.error("--recv-size must be a positive number of bytes")
        set_recv_size(args.recv_size)
    variants = [
        name
        for name in every_variant()
        if args.provider in (None, name.split()[0]) and args.only in (None, name.split()[1])
    ]

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
        # Generous: on a loaded machine a repeat can take minutes; the stub exits by itself.
        budget = 600 + args.repeats * len(variants) * 120.0
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
            if args.tls:
                say("every variant over TLS (--tls): a trustme certificate for 127.0.0.1")
            if args.recv_size is not None:
                say(f"asyncio's plain-TCP read size set to {args.recv_size:,} bytes (--recv-size)")
            for repeat in range(args.repeats):
                with asyncio.Runner() as runner:
                    one = runner.run(measure_block(variants, url, modes, args, trust))
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
            provider, operation, kind = variant.split()
            result = results[variant, mode]
            ratios, checks = [], []
            for baseline in ("raw", "hand"):
                base = results.get((variant_name(provider, operation, baseline), mode))
                if base is None:
                    ratios.append("")
                    continue
                ratio = ratio_samples(result.cpu_us, base.cpu_us)
                ratios.append(ratio.spread("{:.3f}"))
                if kind == "promokit":
                    limit = TARGETS[baseline, mode]
                    check = verdict(ratio.median, limit, higher_is_better=False)
                    checks.append(f"{check} (≤ {limit:.2f} vs {baseline})")
                    missed = missed or check == "MISS"
            rows.append(
                [
                    provider,
                    operation,
                    kind,
                    result.cpu_us.spread(),
                    f"{result.sys_us.median:.1f}",
                    *ratios,
                    f"{result.rate.median:,.0f}",
                    f"{result.p99_ms.median:.3f}",
                    ", ".join(checks),
                ]
            )
        say(
            markdown_table(
                [
                    "provider",
                    "call",
                    "variant",
                    "CPU µs/req median (min–max)",
                    "of which kernel µs",
                    "vs raw aiohttp",
                    "vs hand-written",
                    "req/s",
                    "p99 ms",
                    "target",
                ],
                rows,
            )
        )
    say()
    say(
        "CPU = the client process's CPU time (time.process_time: user + system, all "
        "threads) per request, not wall time; ratio = that / the baseline's, per repeat "
        "(same run, interleaved), then median (min–max over repeats). raw = aiohttp, "
        "bytes only; hand = bench/handwritten.py (aiohttp + await r.json() + status check "
        "+ datetimes + a dataclass per object); promokit = client.get / client.validate. "
        "'of which kernel' = system time (getrusage) per request."
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
