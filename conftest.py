"""Repository-wide test policy: every test runs under the secret-leak guard."""

from __future__ import annotations

import gc
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
def settled_gc() -> Iterator[None]:
    """Keep a full garbage collection of earlier tests' objects out of a timed test.

    Late in the suite a full collection takes 100 ms and more, long enough to break
    a deadline bound it happens to fall into; objects frozen here (``gc.freeze``)
    are skipped by collections until the test ends.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
