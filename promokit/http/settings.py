"""One configured provider alias's settings, and the one place their defaults are written."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from promokit.errors import ConfigurationError
from promokit.http.redact import Secret

Environment = Literal["production", "sandbox"]


class Sending(msgspec.Struct, frozen=True, kw_only=True):
    """How an alias's requests are sent and its writes settled.

    Its defaults are every alias's defaults: ``promokit.toml``'s tables, a dict
    config, :class:`ProviderSettings` and the HTTP layer's own keyword defaults
    (:data:`DEFAULTS`) all inherit or read them, so they cannot drift apart.
    """

    timeout: float = 30.0
    connect_timeout: float = 5.0
    max_retries: int = 2
    rate_limit: float | None = None
    rate_period: float = 60.0
    max_concurrency: int = 10
    max_queue_wait: float | None = None
    settle_margin: float = 10.0


DEFAULTS = Sending()
"""The defaults, for code that sends without an alias's settings (tests, benchmarks)."""


class AliasFields(Sending, frozen=True, kw_only=True):
    """What a ``[providers.<alias>]`` table and the settings resolved from it share.

    ``options`` holds plugin-specific settings (documented by each plugin).
    """

    plugin: str
    environment: Environment | None = None
    base_url: str | None = None
    options: dict[str, Any] = msgspec.field(default_factory=dict)


class ProviderSettings(AliasFields, frozen=True, kw_only=True):
    """One configured provider alias, as read from ``promokit.toml`` or a dict."""

    alias: str
    api_key: Secret | None = None

    def require_key(self) -> Secret:
        """The API key, or a :class:`ConfigurationError` naming the setting to add."""
        if self.api_key is None:
            raise ConfigurationError(
                f"provider {self.alias!r} has no API key: set api_key or api_key_env "
                f"in [providers.{self.alias}]",
                provider=self.alias,
            )
        return self.api_key
