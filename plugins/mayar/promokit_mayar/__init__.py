"""promokit-mayar: the Mayar coupon API v2 provider for promokit."""

from __future__ import annotations

from promokit_mayar.provider import PRODUCTION_URL, SANDBOX_HOSTS, MayarProvider

__version__ = MayarProvider.version

__all__ = ["PRODUCTION_URL", "SANDBOX_HOSTS", "MayarProvider", "__version__"]
