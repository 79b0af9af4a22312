"""promokit-durianpay: Durianpay promos as a promokit provider plugin."""

from __future__ import annotations

from importlib import metadata

NAME = "durianpay"
"""The plugin name: ``plugin = "durianpay"`` in configuration and the key of ``extensions``."""

__version__: str
try:
    __version__ = metadata.version("promokit-durianpay")
except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
    __version__ = "0+unknown"

# Imported after NAME and __version__, which the provider module reads from here.
from promokit_durianpay.provider import DurianpayProvider  # noqa: E402

__all__ = ["NAME", "DurianpayProvider", "__version__"]
