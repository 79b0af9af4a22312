"""Ledger records belong to a target: a config change never answers from another account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import Conflict, Fixed, Promotion, Quota, StaleRecord
from promokit.http.redact import Secret
from promokit.ledger import Ledger
from promokit.ledger.targets import target_of
from promokit.plugins import Plugins
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator
from promokit.plugins.provider import ProviderSettings

from .conftest import CANARY_KEY, EchoEmulator, EchoProvider

PROMO = Promotion(name="Target sale", code="TGT10", discount=Fixed(amount=5000))
MAYAR_KEY = "targets-mayar-key-00001"


class EchoTwin(EchoProvider):
    """The same wire as echo under another plugin name (a plugin switch)."""

    plugin_name = "echo_twin"


class _TwinPlugin:
    @promokit.hookimpl
    def promokit_register_providers(self, registry: Any) -> None:
        registry.add(EchoTwin)


@pytest.fixture
def twin_plugins(plugins: Plugins) -> Plugins:
    plugins.register(_TwinPlugin(), name="echo-twin-plugin")
    return plugins


@pytest.fixture
async def two_echoes() -> AsyncIterator[tuple[EmulatorServer, EmulatorServer]]:
    async with (
        EmulatorServer(EchoEmulator()) as first,
        EmulatorServer(EchoEmulator()) as second,
    ):
        yield first, second


def echo_config(url: str, *, key: str = CANARY_KEY, plugin: str = "echo") -> dict[str, Any]:
    return {
        "ledger": ":memory:",
        "providers": {"shop": {"plugin": plugin, "api_key": key, "base_url": url}},
    }


def posts(server: EmulatorServer) -> int:
    return sum(1 for request in server.emulator.requests if request.method == "POST")


def items(server: EmulatorServer) -> int:
    emulator = server.emulator
    assert isinstance(emulator, EchoEmulator)
    return len(emulator.items)


async def create(
    plugins: Plugins, config: dict[str, Any], ledger: Ledger, promotion: Promotion = PROMO
) -> Promotion:
    async with promokit.Client.from_config(config, plugins=plugins, ledger=ledger) as client:
        return await client.create(promotion, idempotency_key="order-7")


@pytest.mark.parametrize("change", ["base_url", "api_key", "plugin"])
async def test_a_changed_alias_creates_on_its_new_target(
    twin_plugins: Plugins,
    two_echoes: tuple[EmulatorServer, EmulatorServer],
    tmp_path: Path,
    change: str,
) -> None:
    first, second = two_echoes
    ledger = Ledger.at(tmp_path / "ledger.sqlite3")
    made = await create(twin_plugins, echo_config(first.url), ledger)
    assert not made.already_created
    again = await create(twin_plugins, echo_config(first.url), ledger)
    assert again.already_created
    assert again.id == made.id
    changed = {
        "base_url": echo_config(second.url),
        "api_key": echo_config(first.url, key="sk_test_ANOTHER0123456789abcd"),
        "plugin": echo_config(first.url, plugin="echo_twin"),
    }[change]
    sent = posts(first) + posts(second)
    if change == "base_url":
        moved = await create(twin_plugins, changed, ledger)
        assert not moved.already_created
        assert items(second) == 1
    else:
        # Echo keeps one code space for every key and plugin: the 409 shows the create
        # went to the gateway instead of being answered with the old account's id.
        with pytest.raises(Conflict) as refused:
            await create(twin_plugins, changed, ledger)
        assert refused.value.status == 409
    assert posts(first) + posts(second) == sent + 1
    ledger.close()


async def test_an_emulator_restart_is_a_stale_record_never_created(tmp_path: Path) -> None:
    config_text = (
        'ledger = "ledger.sqlite3"\n[providers.shop]\nplugin = "mayar"\n'
        f'api_key = "{MAYAR_KEY}"\nenvironment = "sandbox"\nbase_url = "{{url}}"\n'
    )
    promotion = Promotion(
        name="Restart sale",
        code="RESTART1",
        discount=Fixed(amount=5000),
        limit=Quota(uses=10),
        ends_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    emulator, prefix = load_emulator("mayar", api_key=MAYAR_KEY)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        (tmp_path / "promokit.toml").write_text(config_text.format(url=server.url))
        async with promokit.Client.from_config(tmp_path / "promokit.toml") as client:
            made = await client.create(promotion)
        port = server.port
    restarted, prefix = load_emulator("mayar", api_key=MAYAR_KEY)  # empty, same address
    async with (
        EmulatorServer(restarted, prefix=prefix, port=port),
        promokit.Client.from_config(tmp_path / "promokit.toml") as client,
    ):
        with pytest.raises(StaleRecord) as caught:
            await client.create(promotion)
        assert caught.value.provider_id == made.id
        assert caught.value.idempotency_key in str(caught.value)
        assert not restarted.discounts  # nothing was sent
        assert await client.forget(caught.value.idempotency_key or "")
        fresh = await client.create(promotion)
    assert not fresh.already_created
    assert len(restarted.discounts) == 1


def test_the_account_is_a_keyed_fingerprint_never_the_key() -> None:
    settings = ProviderSettings(alias="a", plugin="mayar", api_key=Secret(MAYAR_KEY))
    one = target_of(b"ledger-one-secret", settings, "https://user:pw@api.mayar.id/hl/v2/?x=1")
    two = target_of(b"ledger-two-secret", settings, "https://api.mayar.id/hl/v2")
    assert one.startswith("mayar https://api.mayar.id/hl/v2 - acct-")
    assert MAYAR_KEY not in one
    assert "pw" not in one
    assert one != two  # keyed by each ledger's own secret: not checkable without it
