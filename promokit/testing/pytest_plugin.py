"""pytest plugin (entry point ``pytest11``): promokit fixtures, inert unless requested."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from promokit.testing.secrets import SecretGuard, guard_secrets

CANARY_KEY = "sk_test_CANARYc4n4ryC4NARY0042"
"""A key planted by :func:`promokit_secret_guard`; it must never appear in output."""


@pytest.fixture
def promokit_secret_guard() -> Iterator[SecretGuard]:
    """Fail the test if any API key used in it leaks into logs, errors or pickles.

    Make it autouse in your ``conftest.py``::

        @pytest.fixture(autouse=True)
        def _no_leaks(promokit_secret_guard): ...
    """
    with guard_secrets((CANARY_KEY,)) as guard:
        yield guard
