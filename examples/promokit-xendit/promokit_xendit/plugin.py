"""The promokit entry point: registers the Xendit provider (no I/O, no credentials)."""

from __future__ import annotations

from promokit import sdk
from promokit.sdk import ProviderRegistry
from promokit_xendit.provider import XenditProvider


@sdk.hookimpl
def promokit_register_providers(registry: ProviderRegistry) -> None:
    """Register :class:`XenditProvider` as ``plugin = "xendit"``."""
    registry.add(XenditProvider)
