"""The promokit entry point of the Mayar plugin: registers MayarProvider, does no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING

import promokit
from promokit_mayar.provider import MayarProvider

if TYPE_CHECKING:
    from promokit.plugins import ProviderRegistry


@promokit.hookimpl
def promokit_register_providers(registry: ProviderRegistry) -> None:
    """Register :class:`MayarProvider` as ``plugin = "mayar"``."""
    registry.add(MayarProvider)
