"""``promokit emulate``: a provider plugin's emulator on loopback, like stripe-mock."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import typing
from importlib import resources
from typing import Any

import click

from promokit.cli.context import Context, common
from promokit.errors import ConfigurationError, InvalidInput, Problem
from promokit.plugins import default_plugins
from promokit.plugins.emulator import FaultKind
from promokit.plugins.emulators import load_emulator

FAULT_KINDS: tuple[str, ...] = typing.get_args(FaultKind)
_DELAYING = ("delay", "delay_after", "slow_body")
_FLAGS = {
    "products": "--product",
    "auto_activate": "--activate",
    "echo_code": "--echo-codes",
    "rate_limit": "--rate-limit",
    "api_key": "--key",
}


def parse_fault(spec: str) -> dict[str, Any]:
    """``kind[:count[:status or seconds]]`` as keyword arguments of ``faults.add``."""
    kind, *rest = spec.split(":")
    where = Problem("--fault", "kind[:count[:status or seconds]], e.g. status:2:503")
    if kind not in FAULT_KINDS or len(rest) > 2:
        known = ", ".join(FAULT_KINDS)
        raise InvalidInput(f"--fault {spec!r}: unknown kind {kind!r} (known: {known})")
    options: dict[str, Any] = {"kind": kind}
    try:
        if rest:
            options["count"] = int(rest[0])
            if options["count"] < 1:
                raise ValueError
        if len(rest) > 1:
            # The third part is seconds for the delaying faults, a status for the rest.
            if kind in _DELAYING:
                options["delay"] = float(rest[1])
                if options["delay"] < 0:
                    raise ValueError
            else:
                options["status"] = int(rest[1])
                if not 100 <= options["status"] <= 599:
                    raise ValueError
    except ValueError:
        raise InvalidInput(
            f"--fault {spec!r}: the count must be a whole number >= 1 and the last part "
            + ("seconds >= 0" if kind in _DELAYING else "an HTTP status (100-599)"),
            problems=[where],
        ) from None
    return options


def _examples(plugin: str, alias: str, products: tuple[str, ...]) -> list[str]:
    """One command per operation the provider offers, ready to paste."""
    manifest = default_plugins().providers().get(plugin).manifest
    example = resources.files("promokit") / "examples" / "promotions.toml"
    flags = f"-p {alias}"
    product = f" --product {products[0]}" if products else ""
    code, cart = "HARIBAIK", f"--amount 600000{product}"
    if plugin == "durianpay":
        code, cart = "KARTU10", "--amount 300000 --payment-method card --card-bin 42424242"
    lines = [
        "promokit config check",
        f"promokit plan {example} {flags}",
        f"promokit create {example} {flags} --partial",
        f"promokit list {flags}",
        f"promokit validate {code} {cart} {flags}",
        f"promokit usage {code} {flags}",
        f"promokit export {flags} > export.json",
    ]
    if manifest.supports("update"):
        lines.append(f"promokit update export.json {flags}")
    if manifest.supports("delete"):
        lines.append(f"promokit delete ID {flags}")
    return lines


@click.command()
@click.argument("plugin")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port on 127.0.0.1 (0 = any free one).",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(min=1),
    default=None,
    help="Requests per minute before 429.",
)
@click.option("--key", "api_key", default=None, help="The API key the emulator accepts.")
@click.option(
    "--product",
    "products",
    multiple=True,
    metavar="ID",
    help="A product (payment link) the emulator knows, for --product on validate (Mayar; repeat).",
)
@click.option(
    "--activate",
    "auto_activate",
    is_flag=True,
    default=None,
    help="New promos start active, as if activated in the dashboard (Durianpay).",
)
@click.option(
    "--echo-codes/--no-echo-codes",
    "echo_code",
    default=None,
    help="Whether create and get answers include the code (Durianpay's examples do not).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="KIND[:COUNT[:STATUS|SECONDS]]",
    help=f"Misbehave on the next requests ({', '.join(FAULT_KINDS)}), e.g. status:2:503 "
    "or delay:100:0.2 (repeat).",
)
@click.option(
    "--alias", default=None, help="Alias in the printed snippet (default: PLUGIN-emulator)."
)
@common
def emulate(
    context: Context,
    plugin: str,
    port: int,
    rate_limit: int | None,
    api_key: str | None,
    products: tuple[str, ...],
    auto_activate: bool | None,
    echo_code: bool | None,
    faults: tuple[str, ...],
    alias: str | None,
) -> None:
    """Run PLUGIN's emulator on loopback (like stripe-mock) until interrupted.

    It prints a promokit.toml snippet and one command per operation to try.

    \b
    Examples:
      promokit emulate mayar --product kelas-python
      promokit emulate durianpay --activate --echo-codes --port 8081
      promokit emulate mayar --fault status:2:503 --rate-limit 20
    """
    from promokit.plugins.emulator import EmulatorServer

    fault_options = [parse_fault(spec) for spec in faults]  # all checked before starting
    chosen = {
        "rate_limit": rate_limit,
        "api_key": api_key,
        "products": products or None,
        "auto_activate": auto_activate,
        "echo_code": echo_code,
    }
    given: dict[str, Any] = {name: value for name, value in chosen.items() if value is not None}
    emulator, prefix = load_emulator(
        plugin, describe_option=lambda name: _FLAGS.get(name, name), **given
    )
    for options in fault_options:
        emulator.faults.add(options.pop("kind"), **options)
    server = EmulatorServer(emulator, port=port, prefix=prefix)
    name = alias or f"{plugin}-emulator"

    async def serve() -> None:
        try:
            await server.start()
        except OSError as error:
            raise ConfigurationError(
                f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}"
                + ("; choose another --port (0 picks a free one)" if port else "")
            ) from None
        # A key given to --key is a secret of the caller's: never printed.
        key_line = (
            'api_key_env = "PROMOKIT_EMULATOR_KEY"  # export it: the key given to --key'
            if api_key
            else f'api_key = "{getattr(emulator, "api_key", "any")}"'
        )
        snippet = (
            f'[providers.{name}]\nplugin = "{plugin}"\nbase_url = "{server.url}"\n{key_line}\n'
        )
        examples = _examples(plugin, name, products)
        if context.as_json:
            context.emit(
                {"base_url": server.url, "alias": name, "config": snippet, "examples": examples}
            )
        else:
            out = context.out
            out.print(f"{plugin} emulator listening on {server.url}", markup=False)
            out.print("add this to promokit.toml:\n\n" + snippet, markup=False)
            out.print("then try (Ctrl-C stops the emulator):", markup=False)
            for line in examples:
                out.print(f"  {line}", markup=False, highlight=False)
        sys.stdout.flush()
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
