"""Durianpay keys: the environment a key belongs to, and the Basic auth header built from it."""

from __future__ import annotations

import base64

from promokit.sdk import ConfigurationError, Environment, ProviderSettings, Secret

SANDBOX_PREFIX = "dp_test_"
LIVE_PREFIX = "dp_live_"
_WHERE_KEYS = "Durianpay dashboard → Settings → API Keys"


def key_environment(key: Secret, *, alias: str) -> Environment:
    """``"sandbox"`` for a ``dp_test_`` key, ``"production"`` for ``dp_live_``.

    Durianpay serves both environments from one host and tells them apart by the
    key alone, so a key with neither prefix cannot be used safely.
    """
    value = key.reveal()
    if value.startswith(SANDBOX_PREFIX):
        return "sandbox"
    if value.startswith(LIVE_PREFIX):
        return "production"
    raise ConfigurationError(
        f"provider {alias!r}: the Durianpay key {key.hint} starts with neither "
        f"{SANDBOX_PREFIX!r} (sandbox) nor {LIVE_PREFIX!r} (production); copy the "
        f"secret key from the {_WHERE_KEYS} page",
        provider=alias,
    )


def check_settings(settings: ProviderSettings) -> Environment:
    """The environment ``settings`` will talk to; a key/environment mismatch is refused.

    ``environment = None`` means "whatever the key says".
    """
    key = settings.require_key()
    inferred = key_environment(key, alias=settings.alias)
    wanted = settings.environment
    if wanted is not None and wanted != inferred:
        kind = "live" if inferred == "production" else "test"
        raise ConfigurationError(
            f"provider {settings.alias!r} is configured for {wanted} but its key "
            f"{key.hint} is a {kind} key for {inferred}; use a "
            f"{LIVE_PREFIX if wanted == 'production' else SANDBOX_PREFIX}… key or set "
            f'environment = "{inferred}"',
            provider=settings.alias,
        )
    return inferred


def basic_authorization(key: Secret) -> str:
    """``Basic base64("<key>:")``: the key is the user name and the password is empty.

    The docs' curl examples omit ``Basic `` and show only the base64 part; the
    authentication page and every SDK send the prefix, and so do we.
    """
    token = base64.b64encode(f"{key.reveal()}:".encode()).decode("ascii")
    return f"Basic {token}"
