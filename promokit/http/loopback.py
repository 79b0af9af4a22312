"""An aiohttp app served on 127.0.0.1 for tests and emulators, started and stopped cleanly."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web


class LoopbackServer:
    """Serves :meth:`build_app` on ``host`` (port 0 = any free port) until stopped."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, prefix: str = "") -> None:
        self.host = host
        self.port = port
        self.prefix = prefix
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        """The application to serve (subclasses provide it)."""
        raise NotImplementedError

    @property
    def url(self) -> str:
        """The root URL, including the path prefix."""
        return f"http://{self.host}:{self.port}{self.prefix}"

    async def start(self) -> str:
        """Start serving and return :attr:`url`."""
        # A short shutdown timeout: a test's stalled handler must not hold up cleanup.
        self._runner = web.AppRunner(
            self.build_app(), access_log=None, handle_signals=False, shutdown_timeout=0.1
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.url

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


__all__ = ["LoopbackServer"]
