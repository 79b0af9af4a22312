"""promokit-durianpay: Durianpay promos as a promokit provider plugin."""

from __future__ import annotations

from promokit_durianpay.provider import DurianpayProvider

__version__ = DurianpayProvider.version

__all__ = ["DurianpayProvider", "__version__"]
