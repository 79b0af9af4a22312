"""Building blocks for plugin tests: temporary registration, emulators on loopback, clients."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from promokit.client import Client
from promokit.plugins import Plugins, ProviderRegistry
from promokit.plugins.emulator import Emulator, EmulatorServer
from promokit.plugins.emulators import build_emulator, emulator_factory
from promokit.plugins.hookspecs import hookimpl
from promokit.plugins.provider import Provider


class NoSleep:
    """A ``sleep`` for clients under test: returns at once and remembers what was asked.

    Retries and rate limits then cost no wall-clock time, and a test can still
    assert how long promokit *would* have waited (``calls``).
    """

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class _Registration:
    """A throwaway plugin object that registers the given provider classes."""

    def __init__(self, classes: tuple[type[Provider], ...]) -> None:
        self.classes = classes

    @hookimpl
    def promokit_register_providers(self, registry: ProviderRegistry) -> None:
        """Register every class this registration was built with."""
        for provider_class in self.classes:
            registry.add(provider_class)


def registration_name(classes: tuple[type[Provider], ...]) -> str:
    """The plugin name a temporary registration of ``classes`` uses."""
    return "promokit-testing:" + ",".join(cls.plugin_name for cls in classes)


@contextmanager
def registered(*classes: type[Provider], plugins: Plugins | None = None) -> Iterator[Plugins]:
    """Register provider classes for the duration of a ``with`` block.

    Without ``plugins``, a fresh :class:`~promokit.plugins.Plugins` is built that
    ignores installed entry points (only the built-ins and ``classes`` are known),
    so a test does not depend on what else is installed. The registration is
    removed on exit, as llm's and datasette's plugin tests do::

        with registered(AcmeProvider) as plugins:
            client = promokit.Client.from_config(config, plugins=plugins)
    """
    target = plugins if plugins is not None else Plugins(load_entry_points=False)
    name = registration_name(classes)
    target.register(_Registration(classes), name=name)
    try:
        yield target
    finally:
        target.unregister(name)


def serve(emulator: Emulator, provider_class: type[Provider] | None = None) -> EmulatorServer:
    """An (unstarted) loopback server for ``emulator`` under the provider's URL prefix."""
    prefix = provider_class.emulator_prefix if provider_class is not None else ""
    return EmulatorServer(emulator, prefix=prefix)


def client_config(
    provider_class: type[Provider],
    *,
    alias: str,
    api_key: str | None,
    base_url: str | None,
    settings: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A one-alias config dict for :meth:`promokit.Client.from_config`.

    A rate limit high enough that nothing waits; every other setting is an alias's
    default (two retries, a 30-second deadline that a ``Retry-After`` of a few
    seconds fits in). ``settings`` override any ``[providers.<alias>]`` key.
    """
    table: dict[str, Any] = {"plugin": provider_class.plugin_name, "rate_limit": 1_000_000.0}
    if api_key is not None:
        table["api_key"] = api_key
    if base_url is not None:
        table["base_url"] = base_url
    if options:
        table["options"] = dict(options)
    table.update(settings or {})
    # A test's writes live as long as it does: the in-memory ledger, chosen explicitly.
    return {"default": alias, "ledger": ":memory:", "providers": {alias: table}}


def open_client(
    provider_class: type[Provider],
    *,
    plugins: Plugins,
    alias: str = "test",
    api_key: str | None = None,
    base_url: str | None = None,
    settings: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    sleep: NoSleep | None = None,
) -> Client:
    """A :class:`~promokit.Client` for one provider alias; close it (``async with``)."""
    config = client_config(
        provider_class,
        alias=alias,
        api_key=api_key,
        base_url=base_url,
        settings=settings,
        options=options,
    )
    return Client.from_config(config, plugins=plugins, sleep=sleep or NoSleep())


__all__ = [
    "NoSleep",
    "build_emulator",
    "client_config",
    "emulator_factory",
    "open_client",
    "registered",
    "registration_name",
    "serve",
]
