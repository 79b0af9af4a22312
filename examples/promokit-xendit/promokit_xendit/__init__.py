"""promokit-xendit: Xendit card promotions as a promokit provider plugin."""

from __future__ import annotations

from importlib import metadata

NAME = "xendit"
"""The plugin name: ``plugin = "xendit"`` in configuration and the key of ``extensions``."""

__version__: str
try:
    __version__ = metadata.version("promokit-xendit")
except metadata.PackageNotFoundError:  # run from a source tree, not installed
    __version__ = "0+unknown"

# Imported after NAME and __version__, which the provider module reads from here.
from promokit_xendit.provider import XenditProvider  # noqa: E402

__all__ = ["NAME", "XenditProvider", "__version__"]
