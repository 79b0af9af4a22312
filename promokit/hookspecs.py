"""The promokit_* hook specifications a plugin may implement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from promokit.plugins import ProviderRegistry

PROJECT = "promokit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
"""Mark a plugin function as an implementation of a promokit hook."""


# -- registration ------------------------------------------------------------


@hookspec
def promokit_register_providers(registry: ProviderRegistry) -> None:
    """Register the provider classes this plugin offers.

    Called when: once, the first time promokit needs the list of providers
    (building a client, ``promokit providers``), after every plugin is loaded.

    :param registry: call ``registry.add(ProviderClass)`` once per provider class.
        The class's ``plugin_name`` must be unique across installed plugins.

    The hook must only register classes: no I/O, no network, no credentials.
    """
