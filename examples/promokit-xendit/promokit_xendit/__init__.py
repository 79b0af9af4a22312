"""promokit-xendit: Xendit card promotions as a promokit provider plugin."""

from __future__ import annotations

from promokit_xendit.provider import XenditProvider

__all__ = ["XenditProvider"]
