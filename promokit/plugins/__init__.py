"""The plugin layer: the registry that loads plugins, and what a provider plugin builds on.

``registry`` is the only module that touches pluggy; ``hookspecs`` the hooks a
plugin implements; ``provider`` the base class; ``emulator`` the base of every
provider's emulator; ``memory`` the built-in in-process provider; ``scaffold``
(with ``templates/``) writes a new plugin package. Plugins themselves import
:mod:`promokit.sdk` only.
"""

from __future__ import annotations

from promokit.plugins.registry import (
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    PluginInfo,
    Plugins,
    ProviderRegistry,
    default_plugins,
    reset_default_plugins,
)

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "Plugins",
    "ProviderRegistry",
    "default_plugins",
    "reset_default_plugins",
]
