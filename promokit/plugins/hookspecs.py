"""The promokit_* hook specifications a plugin may implement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from promokit.http.observe import RequestEvent
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


# -- observation ---------------------------------------------------------------


@hookspec
def promokit_request_done(event: RequestEvent) -> None:
    """Observe one HTTP attempt to a provider, as it ended (metrics, traces, audits).

    Called when: after every attempt of every client built with this plugin set,
    retries included, in the event loop, once the answer was read (or the attempt
    failed) and before its body is decoded.

    :param event: a :class:`~promokit.http.observe.RequestEvent`: provider alias,
        operation, method, URL, attempt number, duration, status, request id and the
        error's class name. It holds no headers or bodies, hence no secrets.

    Keep it quick and non-blocking: it runs inside the caller's request. An
    exception it raises is logged (``promokit.http.observe``) and does not change the
    call's outcome. A client binds the implementations present when it first builds
    a provider; with none registered, nothing is measured or built per request.
    """
