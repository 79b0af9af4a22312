"""Emulators served from a background thread, so CLI invocations can share them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result

from promokit.cli import main
from promokit.plugins.emulator import Emulator, EmulatorServer
from promokit.plugins.emulators import load_emulator

T = TypeVar("T")
MAYAR_KEY = "cli-test-mayar-key-0001"
DURIANPAY_KEY = "dp_test_clitest0000000001"


class BackgroundEmulators:
    """Mayar and Durianpay emulators on loopback, in their own thread and event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        mayar, mayar_prefix = load_emulator("mayar", api_key=MAYAR_KEY)
        durianpay, durianpay_prefix = load_emulator("durianpay", api_key=DURIANPAY_KEY)
        self.mayar: Any = mayar
        self.durianpay: Any = durianpay
        self.servers = [
            EmulatorServer(mayar, prefix=mayar_prefix),
            EmulatorServer(durianpay, prefix=durianpay_prefix),
        ]
        for server in self.servers:
            self.call(server.start())
        self.product = mayar.add_product(label="Kelas")

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the emulators' loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    @property
    def mayar_url(self) -> str:
        return self.servers[0].url

    @property
    def durianpay_url(self) -> str:
        return self.servers[1].url

    def emulators(self) -> list[Emulator]:
        return [server.emulator for server in self.servers]

    def write_config(self, directory: Path, *, default: str = "mayar") -> Path:
        path = directory / "promokit.toml"
        path.write_text(
            f'default = "{default}"\n\n'
            f'[providers.mayar]\nplugin = "mayar"\napi_key = "{MAYAR_KEY}"\n'
            f'environment = "sandbox"\nbase_url = "{self.mayar_url}"\nrate_limit = 6000\n'
            # The emulators are done with a request once they answer or drop it.
            "settle_margin = 0.2\n\n"
            f'[providers.durianpay]\nplugin = "durianpay"\napi_key = "{DURIANPAY_KEY}"\n'
            f'base_url = "{self.durianpay_url}"\nsettle_margin = 0.2\n',
            encoding="utf-8",
        )
        return path

    def close(self) -> None:
        for server in self.servers:
            self.call(server.stop())
        # aiohttp before 3.11 can leave a request handler pending after cleanup; one
        # destroyed with the loop leaks its socket (a ResourceWarning, an error here).
        self.call(_cancel_the_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


async def _cancel_the_rest() -> None:
    current = asyncio.current_task()
    rest = [task for task in asyncio.all_tasks() if task is not current]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)


def invoke(*args: str, input: str | None = None) -> Result:
    """``promokit ARGS`` through click's runner (80 columns, no terminal)."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def write(directory: Path, name: str, text: str) -> str:
    """``text`` as ``directory/name``; returns the path."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def emulators() -> Iterator[BackgroundEmulators]:
    """Both emulators on loopback for one test."""
    running = BackgroundEmulators()
    yield running
    running.close()


@pytest.fixture
def config(emulators: BackgroundEmulators, tmp_path: Path) -> Path:
    """A promokit.toml for both emulators (default: mayar)."""
    return emulators.write_config(tmp_path)
