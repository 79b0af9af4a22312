"""The leak guard itself: it must catch a key in logs, errors and pickles."""

from __future__ import annotations

import base64
import logging

import pytest

from promokit import ProviderError, Secret
from promokit.testing.secrets import SecretLeak, guard_secrets

KEY = "dp_test_guardguardguard0001"


def leak_into_a_log_line() -> None:
    with guard_secrets():
        Secret(KEY)
        logging.getLogger("promokit.test").debug("sending %s", KEY)


def leak_basic_auth_into_an_error() -> None:
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    with guard_secrets():
        Secret(KEY)
        try:
            raise ProviderError(f"header was Basic {basic}")
        except ProviderError:
            pass


@pytest.mark.leaks_on_purpose
def test_guard_catches_a_raw_key_in_a_log_line() -> None:
    with pytest.raises(SecretLeak, match="log"):
        leak_into_a_log_line()


@pytest.mark.leaks_on_purpose
def test_guard_catches_the_basic_auth_form_in_an_error() -> None:
    with pytest.raises(SecretLeak, match="error"):
        leak_basic_auth_into_an_error()


def test_guard_passes_clean_output() -> None:
    with guard_secrets() as guard:
        secret = Secret(KEY)
        guard.observe(repr(secret))
        logging.getLogger("promokit.test").debug("using %r", secret)
    assert KEY in guard.keys
