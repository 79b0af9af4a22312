"""What a client owns (session, ledger, plugins) and how it builds each provider: HTTP, limits."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

import aiohttp

from promokit.errors import ConfigurationError, Problem
from promokit.http.limits import Clock, RateLimiter, RetryBudget, Sleep, Slots
from promokit.http.settings import ProviderSettings
from promokit.http.transport import ProviderHttp, RetryPolicy, Transport
from promokit.ledger import Ledger
from promokit.ledger.pacing import reporting
from promokit.ledger.shared_limits import SharedRateLimiter
from promokit.ledger.targets import rate_window_of, target_of
from promokit.ledger.writes import ExactlyOnce
from promokit.plugins import Plugins, default_plugins
from promokit.plugins.provider import Provider


class Wiring:
    """The parts every provider of one client shares, and how each provider is built.

    It owns the HTTP session (unless the caller passed one), the ledger (unless the
    caller passed one; else ``ledger_path``, opened on first use), the plugin set,
    the clock and sleep, and every shared rate window, settled before it closes.
    :meth:`provider` builds each provider from its settings on first use and
    :meth:`target` names the ledger target its writes belong to. ``lookup(alias)``
    is the client's own look-up, which refuses a closed client.
    """

    def __init__(
        self,
        *,
        plugins: Plugins | None,
        session: aiohttp.ClientSession | None,
        sleep: Sleep,
        clock: Clock,
        ledger: Ledger | None,
        ledger_path: str | None,
        source: str,
        lookup: Callable[[str], Provider],
    ) -> None:
        self.transport = Transport(session=session)
        self.sleep = sleep
        self._clock = clock
        self._plugins = plugins
        self._ledger = ledger
        self._owns_ledger = ledger is None
        self._ledger_path = ledger_path
        self._source = source
        self._writes: ExactlyOnce | None = None
        self._lookup = lookup
        self._providers: dict[str, Provider] = {}
        self._targets: dict[str, str] = {}
        self._shared_limiters: list[SharedRateLimiter] = []

    @property
    def plugins(self) -> Plugins:
        """The plugin set (the default one unless the client was given its own)."""
        if self._plugins is None:
            self._plugins = default_plugins()
        return self._plugins

    @property
    def ledger(self) -> Ledger:
        """The ledger passed in, else the one at ``ledger_path`` (in memory without one)."""
        if self._ledger is None:
            self._ledger = Ledger.at(self._ledger_path or ":memory:")
        return self._ledger

    @property
    def writes(self) -> ExactlyOnce:
        """The exactly-once create machinery bound to :attr:`ledger`."""
        if self._writes is None:
            self._writes = ExactlyOnce(self.ledger)
        return self._writes

    def durable_for_creates(self, instance: Provider, operation: str) -> None:
        """Refuse a create on a gateway whose exactly-once rests on a ledger nobody chose.

        A dict config (``source``) without ``ledger`` would record the write in
        this process's memory only: a retry from a new process (a restarted worker,
        the CLI) would create a one-time coupon again. The built-in ``memory``
        provider's state dies with the process too, so it needs nothing more.
        """
        if instance.uses_http and self._owns_ledger and self._ledger_path is None:
            raise ConfigurationError(
                f"{operation} on {instance.alias!r} is exactly-once only with a durable "
                f"ledger, and the config ({self._source}) names none; nothing was "
                'sent. Add "ledger": "<path>.sqlite3" (or a postgresql:// URL) to the '
                "config or set PROMOKIT_LEDGER_URL; to accept a ledger that dies with this "
                'process, pass ledger=Ledger.memory() or set "ledger": ":memory:"',
                provider=instance.alias,
                operation=operation,
                problems=[Problem("ledger", "not set: a durable ledger is needed to create")],
            )

    async def aclose(self) -> None:
        """Settle the shared windows, close the session we opened and the ledger we own."""
        # Freed places are written back first: that needs the target, which a closed
        # transport no longer gives (a late free would die as an unretrieved task).
        for limiter in self._shared_limiters:
            await limiter.settle()
        await self.transport.aclose()
        if self._owns_ledger and self._ledger is not None:
            # Like a caller's session, a caller's ledger stays open for its owner.
            self._ledger.close()
            self._ledger = None
            self._writes = None

    def provider(self, settings: ProviderSettings) -> Provider:
        """The provider ``settings`` name, built on its first use (no I/O)."""
        instance = self._providers.get(settings.alias)
        if instance is None:
            instance = self._providers[settings.alias] = self._build(settings)
        return instance

    def _build(self, settings: ProviderSettings) -> Provider:
        """The provider ``settings`` name, with its HTTP if it speaks HTTP, bound to the ledger."""
        cls = self.plugins.providers().get(settings.plugin)
        cls.check_settings(settings)
        http = None
        if cls.uses_http:
            limiter = self._rate_limiter(settings, cls.manifest.rate_limit_per_minute)
            secrets = (settings.api_key.reveal(),) if settings.api_key is not None else ()
            http = ProviderHttp(
                self.transport,
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
                sleep=self.sleep,
                credential_hint=credential_hint(settings),
                observer=self.plugins.request_observer(),
            )
        instance = cls(settings, http)
        alias = settings.alias
        instance.codes.bind(self.ledger, lambda: self.target(self._lookup(alias)))
        return instance

    async def target(self, instance: Provider) -> str:
        """The ledger target of ``instance``'s writes (see :mod:`promokit.ledger.targets`)."""
        known = self._targets.get(instance.alias)
        if known is None:
            settings = instance.settings
            if instance.uses_http:
                base = type(instance).base_url(settings)
            else:
                # In-process state dies with the instance: so do its records' answers.
                base = f"process:{os.getpid()}:{id(instance):x}"
            known = target_of(await self.ledger.secret(), settings, base)
            self._targets[instance.alias] = known
        return known

    async def rate_window(self, alias: str) -> str:
        """The shared window ``alias``'s requests count in: its target, or — where the
        gateway limits per client IP — every alias of that gateway on this host."""
        instance = self._lookup(alias)
        if instance.uses_http and instance.manifest.rate_limit_scope == "host":
            base = type(instance).base_url(instance.settings)
            return rate_window_of(instance.settings, base, host=socket.gethostname())
        return await self.target(instance)

    def _rate_limiter(
        self, settings: ProviderSettings, documented: float | None
    ) -> RateLimiter | None:
        """The alias's window: shared through the ledger when the ledger outlives us.

        ``rate_limit`` requests per ``rate_period`` seconds (default: per minute). An
        in-memory ledger serves one process only, so its window stays local.
        """
        rate = settings.rate_limit or documented
        if rate is None:
            return None
        period = settings.rate_period
        places, period = (int(rate), period) if rate >= 1 else (1, period / rate)
        ledger = self.ledger
        # The shared window runs on the store's wall clock: a virtual clock (tests,
        # benchmarks) cannot drive it, and an in-memory ledger serves one process.
        if self._clock is not time.monotonic or getattr(ledger.store, "path", None) == ":memory:":
            return RateLimiter(places, period, clock=self._clock, sleep=reporting(self.sleep))
        alias = settings.alias
        limiter = SharedRateLimiter(
            places,
            period,
            ledger=ledger,
            target=lambda: self.rate_window(alias),
            hold_for=settings.timeout + period,
            clock=self._clock,
            sleep=reporting(self.sleep),
        )
        self._shared_limiters.append(limiter)
        return limiter


def credential_hint(settings: ProviderSettings) -> str:
    """``the sandbox key dp_test_…0001``: enough to spot a wrong key, never the key."""
    if settings.api_key is None:
        return "no key"
    environment = f"{settings.environment} " if settings.environment else ""
    return f"the {environment}key {settings.api_key.hint}"


__all__ = ["Wiring", "credential_hint"]
