"""``python -m promokit_mayar.emulator``: serve the Mayar emulator until interrupted."""

from __future__ import annotations

from promokit_mayar.emulator import main

main()
