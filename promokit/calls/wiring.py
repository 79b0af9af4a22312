"""How a client builds each configured provider: its HTTP, rate window, slots and ledger target."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

from promokit.http.limits import Clock, RateLimiter, RetryBudget, Sleep, Slots
from promokit.http.observe import RequestObserver
from promokit.http.settings import ProviderSettings
from promokit.http.transport import ProviderHttp, RetryPolicy, Transport
from promokit.ledger import Ledger
from promokit.ledger.pacing import reporting
from promokit.ledger.shared_limits import SharedRateLimiter
from promokit.ledger.targets import rate_window_of, target_of
from promokit.plugins.provider import Provider


class Wiring:
    """The parts every provider of one client shares: session, ledger, clock, sleep.

    :meth:`build` makes one provider from its settings and :meth:`target` names the
    ledger target its writes belong to. Each shared rate window built is kept in
    :attr:`shared_limiters`, so the client can settle them before it closes.
    ``provider(alias)`` is the client's own look-up (it refuses a closed client).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        sleep: Sleep,
        clock: Clock,
        ledger: Callable[[], Ledger],
        observer: Callable[[], RequestObserver | None],
        provider: Callable[[str], Provider],
    ) -> None:
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._ledger = ledger
        self._observer = observer
        self._provider = provider
        self._targets: dict[str, str] = {}
        self.shared_limiters: list[SharedRateLimiter] = []

    def build(self, cls: type[Provider], settings: ProviderSettings) -> Provider:
        """A ``cls`` for ``settings``, with its HTTP if it speaks HTTP, bound to the ledger."""
        cls.check_settings(settings)
        http = None
        if cls.uses_http:
            limiter = self._rate_limiter(settings, cls.manifest.rate_limit_per_minute)
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
                credential_hint=credential_hint(settings),
                observer=self._observer(),
            )
        instance = cls(settings, http)
        alias = settings.alias
        instance.codes.bind(self._ledger(), lambda: self.target(self._provider(alias)))
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
            known = target_of(await self._ledger().secret(), settings, base)
            self._targets[instance.alias] = known
        return known

    async def rate_window(self, alias: str) -> str:
        """The shared window ``alias``'s requests count in: its target, or — where the
        gateway limits per client IP — every alias of that gateway on this host."""
        instance = self._provider(alias)
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
        ledger = self._ledger()
        # The shared window runs on the store's wall clock: a virtual clock (tests,
        # benchmarks) cannot drive it, and an in-memory ledger serves one process.
        if self._clock is not time.monotonic or getattr(ledger.store, "path", None) == ":memory:":
            return RateLimiter(places, period, clock=self._clock, sleep=reporting(self._sleep))
        alias = settings.alias
        limiter = SharedRateLimiter(
            places,
            period,
            ledger=ledger,
            target=lambda: self.rate_window(alias),
            hold_for=settings.timeout + period,
            clock=self._clock,
            sleep=reporting(self._sleep),
        )
        self.shared_limiters.append(limiter)
        return limiter


def credential_hint(settings: ProviderSettings) -> str:
    """``the sandbox key dp_test_…0001``: enough to spot a wrong key, never the key."""
    if settings.api_key is None:
        return "no key"
    environment = f"{settings.environment} " if settings.environment else ""
    return f"the {environment}key {settings.api_key.hint}"


__all__ = ["Wiring", "credential_hint"]
