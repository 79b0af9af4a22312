"""Find and build the emulator a provider plugin ships: one resolver for the CLI and the tests."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from promokit.errors import ConfigurationError
from promokit.plugins.emulator import Emulator
from promokit.plugins.provider import Provider
from promokit.plugins.registry import Plugins, default_plugins


def emulator_factory(provider_class: type[Provider]) -> Callable[..., Emulator]:
    """The callable named by ``provider_class.emulator`` (``"module:factory"``)."""
    spec = provider_class.emulator
    if not spec:
        raise ConfigurationError(
            f"{provider_class.__qualname__} declares no emulator: set "
            'emulator = "your_package.emulator:create_emulator"'
        )
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(
            f"{provider_class.__qualname__}.emulator must look like 'module:factory', got {spec!r}"
        )
    factory = getattr(importlib.import_module(module_name), attribute, None)
    if not callable(factory):
        raise ConfigurationError(f"{spec!r} does not name a callable")
    built: Callable[..., Emulator] = factory
    return built


def build_emulator(
    provider_class: type[Provider],
    *,
    describe_option: Callable[[str], str] = repr,
    **options: Any,
) -> Emulator:
    """Build the emulator ``provider_class`` ships with ``options``.

    An option the factory does not take is a :class:`ConfigurationError` naming it
    (``describe_option`` spells it, e.g. as the CLI flag); a factory that returns
    anything but an :class:`Emulator` is one too.
    """
    factory = emulator_factory(provider_class)
    try:
        emulator = factory(**options)
    except TypeError as error:
        refused = [name for name in options if f"'{name}'" in str(error)]
        if not refused:
            raise
        raise ConfigurationError(
            f"the {provider_class.plugin_name} emulator has no {describe_option(refused[0])} option"
        ) from None
    if not isinstance(emulator, Emulator):
        raise ConfigurationError(
            f"{provider_class.emulator!r} returned {type(emulator).__name__}, "
            "not a promokit.sdk.Emulator"
        )
    return emulator


def load_emulator(
    plugin: str,
    *,
    plugins: Plugins | None = None,
    describe_option: Callable[[str], str] = repr,
    **options: Any,
) -> tuple[Any, str]:
    """The emulator of the installed plugin ``plugin``, and the URL prefix it serves under.

    The emulator is typed ``Any``: callers use the plugin's own test helpers
    (``add_product``, ``deactivate``…), which differ per provider.
    """
    provider_class = (plugins or default_plugins()).providers().get(plugin)
    if provider_class.emulator is None:
        raise ConfigurationError(f"provider plugin {plugin!r} ships no emulator")
    emulator = build_emulator(provider_class, describe_option=describe_option, **options)
    return emulator, provider_class.emulator_prefix
