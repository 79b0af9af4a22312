"""pytest plugin (entry point ``pytest11``): promokit fixtures, inert unless requested."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, Protocol

import pytest

# pytest imports this module in every run of every project where promokit is
# installed, so promokit itself (aiohttp, msgspec, ...) is imported only inside the
# fixtures: the module costs well under 10 ms when no fixture is used.
if TYPE_CHECKING:
    from promokit.client import Client
    from promokit.plugins import Plugins
    from promokit.plugins.emulator import Emulator, EmulatorServer
    from promokit.plugins.provider import Provider
    from promokit.testing.canned import CannedServer
    from promokit.testing.harness import NoSleep
    from promokit.testing.recorder import Recorder
    from promokit.testing.secrets import SecretGuard

try:  # async fixtures work in asyncio_mode "strict" too when pytest-asyncio is installed
    import pytest_asyncio

    async_fixture: Callable[..., Any] = pytest_asyncio.fixture
except ImportError:  # pragma: no cover - without pytest-asyncio no async test runs anyway
    async_fixture = pytest.fixture

CANARY_KEY = "sk_test_CANARYc4n4ryC4NARY0042"
"""A key planted by :func:`promokit_secret_guard`; it must never appear in output."""


@pytest.fixture
def promokit_secret_guard() -> Iterator[SecretGuard]:
    """Fail the test if any API key used in it leaks into logs, errors or pickles.

    Make it autouse in your ``conftest.py``::

        @pytest.fixture(autouse=True)
        def _no_leaks(promokit_secret_guard): ...
    """
    from promokit.testing.secrets import guard_secrets

    with guard_secrets((CANARY_KEY,)) as guard:
        yield guard


class Register(Protocol):
    """The callable :func:`promokit_register` returns."""

    def __call__(self, *classes: type[Provider]) -> Plugins: ...


@pytest.fixture
def promokit_register() -> Iterator[Register]:
    """Register provider classes for this test only; returns the plugin set to use.

    Installed entry points are not loaded, so the test sees only the built-ins and
    what it registered::

        def test_my_provider(promokit_register):
            plugins = promokit_register(AcmeProvider)
            assert "acme" in plugins.providers()
    """
    from promokit.testing.harness import registered

    with ExitStack() as stack:

        def register(*classes: type[Provider]) -> Plugins:
            return stack.enter_context(registered(*classes))

        yield register


class Serve(Protocol):
    """The callable :func:`promokit_serve` returns."""

    async def __call__(
        self, emulator: Emulator, provider: type[Provider] | None = None
    ) -> EmulatorServer: ...


@async_fixture
async def promokit_serve() -> AsyncIterator[Serve]:
    """Start emulators on 127.0.0.1 (a free port each); all are stopped after the test.

    ``await promokit_serve(emulator, AcmeProvider)`` serves under the provider's
    ``emulator_prefix``; the returned server's ``url`` is the ``base_url`` to use.
    """
    from promokit.plugins.emulator import EmulatorServer

    started: list[EmulatorServer] = []

    async def start(emulator: Emulator, provider: type[Provider] | None = None) -> EmulatorServer:
        server = EmulatorServer(emulator, prefix=provider.emulator_prefix if provider else "")
        await server.start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in reversed(started):
            await server.stop()


class MakeClient(Protocol):
    """The callable :func:`promokit_client` returns."""

    sleep: NoSleep

    def __call__(
        self,
        provider: type[Provider],
        *,
        base_url: str | None = ...,
        api_key: str | None = ...,
        alias: str = ...,
        options: dict[str, Any] | None = ...,
        **settings: Any,
    ) -> Client: ...


_CANNED = pytest.StashKey["CannedServer"]()


class _ClientFactory:
    def __init__(self, stack: ExitStack, node: pytest.Item | None) -> None:
        from promokit.testing.harness import NoSleep

        self._stack = stack
        self._node = node
        self.sleep = NoSleep()
        self.clients: list[Client] = []

    def __call__(
        self,
        provider: type[Provider],
        *,
        base_url: str | None = None,
        api_key: str | None = CANARY_KEY,
        alias: str = "test",
        options: dict[str, Any] | None = None,
        **settings: Any,
    ) -> Client:
        from promokit.config import load_config
        from promokit.testing.harness import client_config, open_client, registered

        canned = self._node.stash.get(_CANNED, None) if self._node is not None else None
        if base_url is None and canned is not None and provider.uses_http:
            # The provider's real host, as a path on the canned loopback server.
            config = client_config(
                provider, alias=alias, api_key=api_key, base_url=None, settings=settings
            )
            base_url = canned.base_for(provider.base_url(load_config(config).settings(alias)))
        plugins = self._stack.enter_context(registered(provider))
        client = open_client(
            provider,
            plugins=plugins,
            alias=alias,
            api_key=api_key,
            base_url=base_url,
            settings=settings,
            options=options,
            sleep=self.sleep,
        )
        self.clients.append(client)
        return client


@async_fixture
async def promokit_client(request: pytest.FixtureRequest) -> AsyncIterator[MakeClient]:
    """Build clients for one provider class; every client is closed after the test.

    ``promokit_client(AcmeProvider, base_url=server.url, api_key="...")`` registers
    the class temporarily, sets a high rate limit and a ``sleep`` that returns at
    once (``promokit_client.sleep.calls`` lists the waits promokit asked for).
    Leave ``base_url`` out to use the provider's real host: under
    :func:`promokit_aioresponses` it is answered by the canned loopback server.
    """
    node = request.node if isinstance(request.node, pytest.Item) else None
    with ExitStack() as stack:
        factory = _ClientFactory(stack, node)
        try:
            yield factory
        finally:
            for client in factory.clients:
                await client.aclose()


@async_fixture
async def promokit_aioresponses(request: pytest.FixtureRequest) -> AsyncIterator[CannedServer]:
    """Canned answers for providers' real hosts, served by a loopback aiohttp server.

    The API follows ``aioresponses`` (``get``, ``post``, ``add(url, method=...,
    status=..., payload=..., body=..., headers=..., repeat=...)``, ``requests``),
    but nothing in aiohttp is patched, so it works on every aiohttp release.
    Clients from :func:`promokit_client` built without ``base_url`` send to it;
    emulators on loopback stay reachable as usual.
    """
    from promokit.testing.canned import CannedServer

    async with CannedServer() as server:
        request.node.stash[_CANNED] = server
        try:
            yield server
        finally:
            del request.node.stash[_CANNED]


@pytest.fixture
def promokit_settled_gc() -> Iterator[None]:
    """Keep a full garbage collection of earlier tests' objects out of a timed test.

    Late in a long suite a full collection can take 100 ms and more, long enough to
    break a deadline bound it falls into; objects frozen here (``gc.freeze``) are
    skipped by collections until the test ends.
    """
    import gc

    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@pytest.fixture
def promokit_recorder() -> Recorder:
    """A :class:`~promokit.testing.Recorder` that already scrubs :data:`CANARY_KEY`.

    ``promokit_recorder.attach(client.provider("test"))``, run some operations,
    then ``promokit_recorder.save(path)`` writes redacted fixture files.
    """
    from promokit.testing.recorder import Recorder

    return Recorder((CANARY_KEY,))
