"""The promokit entry point: registers MayarProvider (no I/O, no credentials)."""

from __future__ import annotations

from promokit.sdk import ProviderRegistry, hookimpl
from promokit_mayar.provider import MayarProvider


@hookimpl
def promokit_register_providers(registry: ProviderRegistry) -> None:
    """Register :class:`MayarProvider` as ``plugin = "mayar"``."""
    registry.add(MayarProvider)
