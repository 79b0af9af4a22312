"""The promokit entry point: registers DurianpayProvider (no I/O, no credentials)."""

from __future__ import annotations

from promokit.sdk import ProviderRegistry, hookimpl
from promokit_durianpay.provider import DurianpayProvider


@hookimpl
def promokit_register_providers(registry: ProviderRegistry) -> None:
    """Register :class:`DurianpayProvider` as ``plugin = "durianpay"``."""
    registry.add(DurianpayProvider)
