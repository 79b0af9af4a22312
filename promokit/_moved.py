"""Old module paths kept for one release: each warns once and is the new module itself."""

from __future__ import annotations

import importlib
import sys
import warnings


def moved(old: str, new: str) -> None:
    """Make ``old`` an alias of ``new`` after a :class:`DeprecationWarning` to the importer."""
    warnings.warn(
        f"{old} moved to {new}; import it from there ({old} goes in the next release)",
        DeprecationWarning,
        # This function, the shim's body, then (past importlib's frames) the importer.
        stacklevel=3,
    )
    # The very module, not a copy: attributes, monkeypatches and isinstance agree.
    sys.modules[old] = importlib.import_module(new)
