"""Client: the public facade that routes neutral operations to configured providers."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any

import aiohttp

from promokit.capabilities import Plan, Policy, plan, require_operation
from promokit.config import Config, load_config
from promokit.errors import ConfigurationError
from promokit.limits import Clock, RateLimiter, RetryBudget, Sleep, Slots
from promokit.model import Checkout, Promotion, Usage, Validation
from promokit.plugins import Plugins, default_plugins
from promokit.provider import Provider, ProviderSettings
from promokit.transport import ProviderHttp, RetryPolicy, Transport


class Client:
    """Create, read, validate, list, update and remove promotions on any provider.

    Use it as an async context manager; it owns one HTTP session and closes it::

        async with promokit.Client.from_config("promokit.toml") as client:
            created = await client.create(promotion, provider="shop")

    ``provider=`` names an alias from the config; omit it for the default alias.
    """

    def __init__(
        self,
        config: Config,
        *,
        plugins: Plugins | None = None,
        session: aiohttp.ClientSession | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self.config = config
        self._plugins = plugins
        self._transport = Transport(session=session)
        self._sleep = sleep
        self._clock = clock
        self._providers: dict[str, Provider] = {}

    @classmethod
    def from_config(
        cls,
        source: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Client:
        """Build a client from ``promokit.toml`` (path), a dict, or the usual search."""
        return cls(load_config(source), **kwargs)

    def __repr__(self) -> str:
        aliases = ", ".join(sorted(self.config.providers))
        return f"Client(providers=[{aliases}], default={self.config.default!r})"

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session (if the client created it); idempotent."""
        await self._transport.aclose()

    @property
    def plugins(self) -> Plugins:
        """The plugin set providers are looked up in."""
        if self._plugins is None:
            self._plugins = default_plugins()
        return self._plugins

    # -- providers ------------------------------------------------------------

    def provider(self, alias: str | None = None) -> Provider:
        """The provider instance for ``alias`` (built on first use, no I/O)."""
        if self._transport.closed:
            raise ConfigurationError("this promokit client is closed; open a new one")
        settings = self.config.settings(alias)
        instance = self._providers.get(settings.alias)
        if instance is None:
            instance = self._build(settings)
            self._providers[settings.alias] = instance
        return instance

    def _build(self, settings: ProviderSettings) -> Provider:
        cls = self.plugins.providers().get(settings.plugin)
        cls.check_settings(settings)
        http = None
        if cls.uses_http:
            rate = settings.rate_limit or cls.manifest.rate_limit_per_minute
            limiter = None
            if rate is not None:
                limiter = (
                    RateLimiter(int(rate), 60.0, clock=self._clock, sleep=self._sleep)
                    if rate >= 1
                    else RateLimiter(1, 60.0 / rate, clock=self._clock, sleep=self._sleep)
                )
            secrets = (settings.api_key.reveal(),) if settings.api_key is not None else ()
            http = ProviderHttp(
                self._transport,
                provider=settings.alias,
                base_url=cls.base_url(settings),
                headers=cls.auth_headers(settings),
                error_parser=cls.parse_error,
                timeout=settings.timeout,
                connect_timeout=settings.connect_timeout,
                retry=RetryPolicy(max_retries=settings.max_retries),
                rate_limiter=limiter,
                slots=Slots(
                    settings.max_concurrency, max_wait=settings.max_queue_wait or settings.timeout
                ),
                budget=RetryBudget(),
                secrets=secrets,
                sleep=self._sleep,
            )
        return cls(settings, http)

    def _ready(self, alias: str | None, operation: str) -> Provider:
        provider = self.provider(alias)
        require_operation(
            provider.manifest, operation, provider=provider.alias, plugin=provider.plugin_name
        )
        return provider

    # -- operations -----------------------------------------------------------

    def plan(
        self, promotion: Promotion, provider: str | None = None, *, policy: Policy = "strict"
    ) -> Plan:
        """What ``provider`` would do with every field of ``promotion``; no I/O."""
        instance = self.provider(provider)
        return plan(
            promotion,
            instance.manifest,
            provider=instance.alias,
            plugin=instance.plugin_name,
            policy=policy,
            extra_problems=instance.plan_problems(promotion),
        )

    async def create(
        self, promotion: Promotion, provider: str | None = None, *, policy: Policy = "strict"
    ) -> Promotion:
        """Create ``promotion``; every problem is reported before any request."""
        instance = self._ready(provider, "create")
        checked = self.plan(promotion, instance.alias, policy=policy)
        checked.raise_for_problems()
        return await instance.create(checked.promotion)

    async def get(self, promotion_id: str, provider: str | None = None) -> Promotion:
        """Fetch one promotion by the provider's id."""
        return await self._ready(provider, "get").get(promotion_id)

    async def list(
        self,
        provider: str | None = None,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
    ) -> AsyncIterator[Promotion]:
        """Every promotion of ``provider``, fetched page by page as you iterate."""
        instance = self._ready(provider, "list")
        async for promotion in instance.list(status=status, search=search, product_id=product_id):
            yield promotion

    async def validate(
        self, code: str, checkout: Checkout, provider: str | None = None
    ) -> Validation:
        """Would ``code`` apply to ``checkout``? A refusal is a result, not an error."""
        return await self._ready(provider, "validate").validate(code, checkout)

    async def usage(self, code: str, provider: str | None = None) -> Usage:
        """How much of ``code``'s limit is used."""
        return await self._ready(provider, "usage").usage(code)

    async def update(
        self,
        promotion_id: str,
        promotion: Promotion,
        provider: str | None = None,
        *,
        policy: Policy = "strict",
    ) -> Promotion:
        """Replace promotion ``promotion_id``; checked like :meth:`create` first."""
        instance = self._ready(provider, "update")
        checked = self.plan(promotion, instance.alias, policy=policy)
        checked.raise_for_problems()
        return await instance.update(promotion_id, checked.promotion)

    async def delete(self, promotion_id: str, provider: str | None = None) -> None:
        """Remove promotion ``promotion_id``."""
        await self._ready(provider, "delete").delete(promotion_id)
