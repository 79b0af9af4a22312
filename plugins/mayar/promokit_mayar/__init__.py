"""promokit-mayar: the Mayar coupon API v2 provider for promokit."""

from __future__ import annotations

from importlib import metadata

NAME = "mayar"
"""The plugin name: ``plugin = "mayar"`` in configuration and the key of ``extensions``."""

__version__: str
try:
    __version__ = metadata.version("promokit-mayar")
except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
    __version__ = "0+unknown"

# Imported after NAME and __version__, which the provider module reads from here.
from promokit_mayar.provider import PRODUCTION_URL, SANDBOX_HOSTS, MayarProvider  # noqa: E402

__all__ = ["NAME", "PRODUCTION_URL", "SANDBOX_HOSTS", "MayarProvider", "__version__"]
