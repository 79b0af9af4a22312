"""``promokit emulate``: a provider plugin's emulator on loopback, like stripe-mock."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import sys
from collections.abc import Callable
from typing import Any

import click

from promokit.cli.context import Context, common
from promokit.errors import ConfigurationError
from promokit.plugins import default_plugins


def load_emulator(plugin: str, **options: Any) -> tuple[Any, str]:
    """Build the emulator a provider plugin ships, and its URL prefix."""
    cls = default_plugins().providers().get(plugin)
    if cls.emulator is None:
        raise ConfigurationError(f"provider plugin {plugin!r} ships no emulator")
    module_name, _, factory = cls.emulator.partition(":")
    build: Callable[..., Any] = getattr(importlib.import_module(module_name), factory)
    return build(**options), cls.emulator_prefix


@click.command()
@click.argument("plugin")
@click.option("--port", type=int, default=0, help="Port on 127.0.0.1 (0 = any free one).")
@click.option("--rate-limit", type=int, default=None, help="Requests per minute before 429.")
@click.option("--key", "api_key", default=None, help="The API key the emulator accepts.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    help="kind[:count[:status or seconds]] for the next requests, e.g. status:2:503 "
    "or delay:100:0.2.",
)
@common
def emulate(
    context: Context,
    plugin: str,
    port: int,
    rate_limit: int | None,
    api_key: str | None,
    faults: tuple[str, ...],
) -> None:
    """Run PLUGIN's emulator on loopback (like stripe-mock) until interrupted."""
    from promokit.emulator import EmulatorServer

    options: dict[str, Any] = {}
    if rate_limit is not None:
        options["rate_limit"] = rate_limit
    if api_key is not None:
        options["api_key"] = api_key
    emulator, prefix = load_emulator(plugin, **options)
    for spec in faults:
        kind, *rest = spec.split(":")
        extra: dict[str, Any] = {}
        if rest:
            extra["count"] = int(rest[0])
        if len(rest) > 1:
            # The third part is seconds for the delaying faults, a status for the rest.
            if kind in ("delay", "delay_after", "slow_body"):
                extra["delay"] = float(rest[1])
            else:
                extra["status"] = int(rest[1])
        emulator.faults.add(kind, **extra)
    server = EmulatorServer(emulator, port=port, prefix=prefix)

    async def serve() -> None:
        await server.start()
        # A key given to --key is a secret of the caller's: never printed.
        key_line = (
            'api_key_env = "PROMOKIT_EMULATOR_KEY"  # export it: the key given to --key'
            if api_key
            else f'api_key = "{getattr(emulator, "api_key", "any")}"'
        )
        snippet = (
            f'[providers.{plugin}-emulator]\nplugin = "{plugin}"\n'
            f'base_url = "{server.url}"\n{key_line}\n'
        )
        if context.as_json:
            context.emit({"base_url": server.url, "config": snippet})
        else:
            context.out.print(f"{plugin} emulator listening on [bold]{server.url}[/]")
            context.out.print("add this to promokit.toml:\n" + snippet, markup=False)
        sys.stdout.flush()
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
