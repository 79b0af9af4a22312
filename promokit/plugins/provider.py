"""The Provider base class a plugin subclasses: typed async operations plus a manifest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

from promokit.errors import ConfigurationError, Problem, UnsupportedFeature
from promokit.http.settings import Environment, ProviderSettings
from promokit.http.transport import ErrorInfo, ProviderHttp, Response, default_error_info
from promokit.model import Checkout, Promotion, Usage, Validation
from promokit.model.capabilities import Manifest
from promokit.plugins.codes import CodeBook


class Provider:
    """Base class of every provider; subclass it in a plugin and register the subclass.

    Subclasses set ``plugin_name`` and ``manifest`` and override the operations the
    manifest declares. An operation the manifest does not declare is refused by the
    client before any I/O; calling one that is declared but not overridden raises
    :class:`UnsupportedFeature` too, and the conformance suite flags the mismatch.
    """

    plugin_name: ClassVar[str]
    """Unique name used in ``plugin = "..."`` and in ``extensions``."""

    manifest: ClassVar[Manifest]
    """What this provider can express, declared as data."""

    version: ClassVar[str] = "0"
    """Version shown by ``promokit providers`` (usually the distribution's)."""

    uses_http: ClassVar[bool] = True
    """False for providers that keep state in-process (the built-in ``memory``)."""

    emulator: ClassVar[str | None] = None
    """``"module:factory"`` building this provider's :class:`promokit.plugins.emulator.Emulator`
    (imported only when needed, e.g. by ``promokit emulate``)."""

    emulator_prefix: ClassVar[str] = ""
    """The path prefix the emulator serves under (``/hl/v2``), part of its base URL."""

    docs_url: ClassVar[str] = ""
    """Where the provider's API is documented."""

    known_options: ClassVar[frozenset[str] | None] = None
    """The ``options`` keys this provider reads; :meth:`check_settings` refuses any
    other (``None`` leaves ``options`` unchecked)."""

    def __init__(self, settings: ProviderSettings, http: ProviderHttp | None) -> None:
        self.settings = settings
        self.alias: str = settings.alias
        """The configured alias this instance serves (read on every call: an attribute,
        fixed when the provider is built; a subclass must not redefine it)."""
        self._http = http
        self.codes = CodeBook()
        """Codes of this alias's promotions, for gateways that never return them (kept
        in the ledger per target when built by a :class:`~promokit.Client`)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r})"

    @property
    def http(self) -> ProviderHttp:
        """The HTTP sender built for this alias."""
        if self._http is None:
            raise ConfigurationError(f"{self.plugin_name} provider has no HTTP transport")
        return self._http

    # -- configuration, called before any I/O ---------------------------------

    @classmethod
    def check_settings(cls, settings: ProviderSettings) -> None:
        """Raise :class:`ConfigurationError` for settings that cannot work (no I/O).

        The base refuses ``options`` keys missing from :attr:`known_options`, so a typo
        is never ignored; an override calls ``super().check_settings(settings)``.
        """
        known = cls.known_options
        unknown = [] if known is None else sorted(set(settings.options) - known)
        if unknown:
            raise ConfigurationError(
                f"[providers.{settings.alias}]: unknown option(s) {', '.join(unknown)} for the "
                f"{cls.plugin_name} plugin (known: {', '.join(sorted(known or ())) or 'none'})",
                provider=settings.alias,
            )

    @classmethod
    def base_url(cls, settings: ProviderSettings) -> str:
        """The API root for ``settings`` (its ``base_url`` override wins)."""
        raise ConfigurationError(f"{cls.plugin_name} does not define a base URL")

    @classmethod
    def auth_headers(cls, settings: ProviderSettings) -> dict[str, str]:
        """Headers that authenticate a request; the only place the key is revealed."""
        return {}

    @classmethod
    def parse_error(cls, response: Response) -> ErrorInfo | None:
        """Read a failure out of a response (``None`` when it succeeded)."""
        return default_error_info(response)

    def plan_problems(self, promotion: Promotion) -> list[Problem]:
        """Provider rules the manifest cannot state as data (checked with the plan)."""
        return []

    def natural_key(self, promotion: Promotion) -> str | None:
        """The caller-chosen value the provider keeps unique (code, label), if any."""
        return None

    def natural_key_unique(self, promotion: Promotion) -> bool:
        """Whether the gateway refuses a second promotion with ``promotion``'s natural key.

        When it does not (Mayar's one-time coupons, found by a name Mayar lets repeat),
        a create whose answer was lost is never sent again: a lookup that misses is no
        proof while the gateway's list lags its writes, so the outcome stays unknown
        until ``reconcile`` finds it.
        """
        return True

    # -- operations -----------------------------------------------------------

    def _unsupported(self, operation: str) -> UnsupportedFeature:
        return UnsupportedFeature(
            f"{self.alias} ({self.plugin_name}) does not implement {operation}",
            provider=self.alias,
            operation=operation,
        )

    async def create(self, promotion: Promotion) -> Promotion:
        """Create ``promotion`` (already planned) and return it as stored."""
        raise self._unsupported("create")

    async def get(self, promotion_id: str) -> Promotion:
        """Fetch one promotion by the provider's id."""
        raise self._unsupported("get")

    def list(
        self,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
    ) -> AsyncIterator[Promotion]:
        """Every promotion, page by page, fetched lazily as the caller iterates."""
        raise self._unsupported("list")

    async def validate(self, code: str, checkout: Checkout) -> Validation:
        """Would ``code`` apply to ``checkout``? Refusals are results, not errors."""
        raise self._unsupported("validate")

    async def usage(self, code: str) -> Usage:
        """How much of ``code``'s limit has been used."""
        raise self._unsupported("usage")

    async def update(self, promotion_id: str, promotion: Promotion) -> Promotion:
        """Replace the promotion ``promotion_id`` with ``promotion``."""
        raise self._unsupported("update")

    async def delete(self, promotion_id: str) -> None:
        """Remove the promotion ``promotion_id``."""
        raise self._unsupported("delete")

    async def find(self, promotion: Promotion) -> Promotion | None:
        """Look up an existing promotion by its natural key, for reconciliation.

        Return ``None`` when none exists; raise :class:`UnsupportedFeature` when the
        provider gives no way to look it up.
        """
        raise self._unsupported("find")


__all__ = ["Environment", "Provider", "ProviderSettings"]
