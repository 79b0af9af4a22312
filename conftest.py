"""Repository-wide test policy: every test runs under the secret-leak guard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from promokit.testing.pytest_plugin import CANARY_KEY
from promokit.testing.secrets import guard_secrets


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "leaks_on_purpose: the test plants a leak to prove the guard catches it"
    )


@pytest.fixture(autouse=True)
def _no_secret_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("leaks_on_purpose"):
        yield
        return
    with guard_secrets((CANARY_KEY,)):
        yield


@pytest.fixture
def settled_gc(promokit_settled_gc: None) -> None:
    """The kit's ``promokit_settled_gc``, under the name the core tests use."""
