"""The conformance suite's base: what a plugin sets and overrides, and the harnesses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest_asyncio

from promokit.model import Checkout, Promotion, Validation
from promokit.plugins.emulator import Emulator, VirtualClock
from promokit.plugins.provider import Provider
from promokit.testing.canned import CannedServer
from promokit.testing.conformance.kit import MOCK_HOST, ErrorCase, Harness
from promokit.testing.harness import NoSleep, build_emulator, open_client, registered, serve


class ConformanceBase:
    """What every check reads: the plugin's settings and hooks, and the harnesses to run in."""

    provider: ClassVar[type[Provider]]
    """The provider class under test (registered temporarily; entry points are not loaded)."""

    api_key: ClassVar[str] = "conformance_test_key_0001"
    """A key the emulator accepts (never a real one)."""

    wrong_api_key: ClassVar[str | None] = None
    """A well-formed key the emulator refuses (default: :attr:`api_key` + ``"0"``)."""

    settings: ClassVar[Mapping[str, Any]] = {}
    """Extra ``[providers.<alias>]`` keys, e.g. ``{"environment": "sandbox"}``."""

    options: ClassVar[Mapping[str, Any]] = {}
    """The provider's ``options`` table, e.g. a small page size."""

    page_size: ClassVar[int | None] = None
    """The list page size :attr:`options` sets; the list check then counts the requests."""

    list_count: ClassVar[int | None] = None
    """How many promotions the list check creates (default: two pages and one more)."""

    checkout_count: ClassVar[int] = 40
    """How many generated checkouts the validation check compares."""

    now: ClassVar[datetime] = datetime.now(UTC).replace(microsecond=0)
    """The emulator's frozen clock (default: when the suite was imported).

    Samples should be running at this moment. Providers that compare against
    their own clock (local validation) agree with it to within the test's
    duration; set a fixed moment and point the provider's clock at the
    emulator's in :meth:`attach` for exact reproducibility.
    """

    idempotent_create: ClassVar[bool] = False
    """True when create sends an idempotency key, so the transport may retry it."""

    error_cases: ClassVar[Sequence[ErrorCase]] = ()
    """The provider's documented failures; each must map to the right typed error."""

    alias: ClassVar[str] = "conformance"
    """The alias the provider is configured under."""

    sdk_only: ClassVar[bool] = True
    """Hold the provider's package to the plugin API: it may import ``promokit.sdk`` and
    no other promokit module. Only test doubles inside promokit's own suite turn it off."""

    # -- what a plugin provides ----------------------------------------------------

    def sample(self, index: int) -> Promotion:
        """A valid promotion using the provider's native fields, unique per ``index``.

        ``sample(0)`` is used for round trips and validation; it should set as many
        native fields as the provider can express and be running at :attr:`now`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must define sample(index) -> promokit.Promotion"
        )

    def revised(self, index: int) -> Promotion:
        """What the update check replaces a promotion with (default: ``sample(1000 + index)``)."""
        return self.sample(1000 + index)

    def emulator_options(self) -> dict[str, Any]:
        """Keyword options for the provider's emulator factory."""
        return {"api_key": self.api_key, "clock": VirtualClock(self.now)}

    def build_emulator(self) -> Emulator:
        """The emulator for one test (default: the provider's ``emulator`` factory)."""
        return build_emulator(self.provider, **self.emulator_options())

    def setup_emulator(self, emulator: Emulator) -> None:
        """Prepare a fresh emulator before any request (e.g. register products)."""

    def attach(self, provider: Provider, emulator: Emulator | None) -> None:
        """Adjust the built provider (e.g. point its clock at ``emulator.clock.now``)."""

    async def prepare_for_validation(self, emulator: Emulator | None, created: Promotion) -> None:
        """Make ``created`` redeemable on the emulator (e.g. activate it), if needed."""

    def adapt_checkout(self, checkout: Checkout) -> Checkout:
        """Add what the provider needs to validate (e.g. a product id); default: unchanged."""
        return checkout

    def expected_validation(
        self, promotion: Promotion, checkout: Checkout, reference: Validation
    ) -> Validation:
        """The answer the provider should give; override only for a documented deviation."""
        return reference

    # -- harnesses -------------------------------------------------------------------

    @property
    def _bad_key(self) -> str:
        """The refused key used by the secret-leak check."""
        return self.wrong_api_key or f"{self.api_key}0"

    @asynccontextmanager
    async def open_harness(self) -> AsyncIterator[Harness]:
        """The provider against a fresh emulator on loopback, through a real client."""
        provider_class = self.provider
        emulator = self.build_emulator() if provider_class.uses_http else None
        if emulator is not None:
            self.setup_emulator(emulator)
        server = serve(emulator, provider_class) if emulator is not None else None
        sleep = NoSleep()
        with registered(provider_class) as plugins:
            if server is not None:
                await server.start()
            try:
                async with open_client(
                    provider_class,
                    plugins=plugins,
                    alias=self.alias,
                    api_key=self.api_key,
                    base_url=server.url if server is not None else None,
                    settings=self.settings,
                    options=self.options,
                    sleep=sleep,
                ) as client:
                    built = client.provider(self.alias)
                    self.attach(built, emulator)
                    yield Harness(client, built, self.alias, plugins, sleep, emulator, server)
            finally:
                if server is not None:
                    await server.stop()

    @asynccontextmanager
    async def open_mocked(self) -> AsyncIterator[tuple[Provider, CannedServer]]:
        """The provider with every request answered by a :class:`CannedServer` on loopback.

        The provider's base URL stands for :data:`MOCK_HOST`, so answers are added
        for ``https://api.conformance.invalid/...`` (or any regex); nothing else is
        reached.
        """
        provider_class = self.provider
        with registered(provider_class) as plugins:
            async with (
                CannedServer() as mock,
                open_client(
                    provider_class,
                    plugins=plugins,
                    alias=self.alias,
                    api_key=self.api_key,
                    base_url=mock.base_for(MOCK_HOST) + provider_class.emulator_prefix
                    if provider_class.uses_http
                    else None,
                    settings=self.settings,
                    options=self.options,
                ) as client,
            ):
                built = client.provider(self.alias)
                self.attach(built, None)
                yield built, mock

    @pytest_asyncio.fixture
    async def promokit_conformance(self) -> AsyncIterator[Harness]:
        """The harness for one conformance test."""
        async with self.open_harness() as harness:
            yield harness
