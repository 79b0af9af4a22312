"""Registration through the ``promokit`` entry point, as an outside plugin."""

from __future__ import annotations

import ast
import importlib
from importlib import metadata
from pathlib import Path

import promokit_durianpay
from promokit_durianpay import plugin
from promokit_durianpay.emulator import DurianpayEmulator
from promokit_durianpay.provider import DurianpayProvider

import promokit
from promokit.plugins import default_plugins, reset_default_plugins
from promokit.sdk import Emulator

PACKAGE = Path(promokit_durianpay.__file__).parent


def test_the_entry_point_registers_the_provider() -> None:
    reset_default_plugins()
    plugins = default_plugins()

    registry = plugins.providers()

    assert registry.get("durianpay") is DurianpayProvider
    assert registry.origin("durianpay") == "durianpay"
    assert plugins.version_of("durianpay") == metadata.version("promokit-durianpay")
    points = metadata.entry_points(group="promokit", name="durianpay")
    assert [point.value for point in points] == ["promokit_durianpay.plugin"]


def test_the_hook_only_registers_classes() -> None:
    added: list[type] = []

    class Registry:
        def add(self, provider_class: type) -> None:
            added.append(provider_class)

    plugin.promokit_register_providers(Registry())  # type: ignore[arg-type]

    assert added == [DurianpayProvider]


def test_a_client_builds_the_provider_without_io(test_key: str) -> None:
    config = {"providers": {"dp": {"plugin": "durianpay", "api_key": test_key}}}
    client = promokit.Client.from_config(config)

    provider = client.provider("dp")

    assert isinstance(provider, DurianpayProvider)
    assert provider.http.base_url == "https://api.durianpay.id/v1"
    assert provider.page_size == 25


def test_the_emulator_is_declared_for_the_cli() -> None:
    module_name, _, factory = (DurianpayProvider.emulator or "").partition(":")
    build = getattr(importlib.import_module(module_name), factory)

    emulator = build(api_key="dp_test_EEEEEEEEE")

    assert isinstance(emulator, Emulator)
    assert isinstance(emulator, DurianpayEmulator)
    assert emulator.api_key == "dp_test_EEEEEEEEE"
    assert DurianpayProvider.emulator_prefix == "/v1"


def test_every_module_starts_with_a_docstring_and_future_annotations() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), path.name
        first = tree.body[1]
        assert isinstance(first, ast.ImportFrom), path.name
        assert first.module == "__future__", path.name
