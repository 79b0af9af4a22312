"""``python -m promokit.cli``: the same command as the ``promokit`` script."""

from __future__ import annotations

from promokit.cli.app import main

main()
