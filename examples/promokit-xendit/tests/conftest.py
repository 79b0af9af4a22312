"""Every test of this plugin runs under promokit's secret-leak guard."""

from __future__ import annotations

import pytest

from promokit.testing import SecretGuard


@pytest.fixture(autouse=True)
def _no_secret_leaks(promokit_secret_guard: SecretGuard) -> SecretGuard:
    return promokit_secret_guard
