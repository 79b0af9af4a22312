"""Which gateway account a write goes to: plugin + base URL/environment + account fingerprint."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

from promokit.http.settings import ProviderSettings


def account(secret: bytes, settings: ProviderSettings) -> str:
    """A keyed fingerprint of the API key: HMAC-SHA256 under the ledger's own random key.

    Not reversible, and not even checkable against a guessed key without the ledger
    file's secret; 16 hex digits keep two keys of one merchant apart.
    """
    if settings.api_key is None:
        return "no-key"
    digest = hmac.new(secret, settings.api_key.reveal().encode(), hashlib.sha256)
    return f"acct-{digest.hexdigest()[:16]}"


def _clean(url: str) -> str:
    """``url`` without credentials, query or fragment, and without a trailing slash."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def target_of(secret: bytes, settings: ProviderSettings, base_url: str) -> str:
    """``plugin base-url environment account``: what every ledger record belongs to.

    Editing an alias's ``plugin``, ``base_url``, ``environment`` or API key changes
    its target, so records made for the old one never answer for the new one.
    """
    environment = settings.environment or "-"
    return f"{settings.plugin} {_clean(base_url)} {environment} {account(secret, settings)}"


def rate_window_of(settings: ProviderSettings, base_url: str, *, host: str) -> str:
    """The shared rate window of a gateway that limits requests per client IP.

    Every alias of ``settings.plugin`` sending from ``host`` to ``base_url`` shares
    it, whatever its key: ``plugin base-url host:NAME`` (never an account).
    """
    return f"{settings.plugin} {_clean(base_url)} host:{host}"
