"""The promokit entry point: registers the Durianpay provider (no I/O, no credentials)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promokit import hookimpl
from promokit_durianpay.provider import DurianpayProvider

if TYPE_CHECKING:
    from promokit.plugins import ProviderRegistry


@hookimpl
def promokit_register_providers(registry: ProviderRegistry) -> None:
    """Register :class:`DurianpayProvider` as ``plugin = "durianpay"``."""
    registry.add(DurianpayProvider)
