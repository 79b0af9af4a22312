"""The plugin as an outside author ships it: entry point, hook, public imports only."""

from __future__ import annotations

import ast
from importlib import metadata
from pathlib import Path

import promokit_mayar
from promokit_mayar import plugin
from promokit_mayar.emulator import MayarEmulator
from promokit_mayar.provider import MayarProvider
from promokit_mayar.wire import PATH_PREFIX

from promokit.plugins import Plugins, ProviderRegistry, default_plugins, reset_default_plugins

PACKAGE = Path(promokit_mayar.__file__).parent


def test_the_entry_point_is_declared_by_the_distribution() -> None:
    points = [
        ep for ep in metadata.entry_points(group="promokit") if ep.value == "promokit_mayar.plugin"
    ]

    assert [ep.name for ep in points] == ["mayar"]
    assert points[0].dist is not None
    assert points[0].dist.name == "promokit-mayar"


def test_installed_plugins_register_the_mayar_provider() -> None:
    plugins = Plugins()
    registry = plugins.providers()

    assert registry.get("mayar") is MayarProvider
    assert registry.origin("mayar") == "mayar"
    assert plugins.version_of("mayar") == promokit_mayar.__version__


def test_the_default_plugin_set_finds_it_after_a_reset() -> None:
    reset_default_plugins()
    try:
        assert default_plugins().providers().get("mayar") is MayarProvider
    finally:
        reset_default_plugins()


def test_the_hook_only_registers_the_class() -> None:
    registry = ProviderRegistry()

    plugin.promokit_register_providers(registry=registry)

    assert registry.names() == ["mayar"]


def test_every_module_starts_with_a_docstring_and_future_annotations() -> None:
    for source in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree)
        assert docstring, source.name
        first_import = next(n for n in tree.body if isinstance(n, ast.ImportFrom | ast.Import))
        assert isinstance(first_import, ast.ImportFrom), source.name
        assert first_import.module == "__future__", source.name
    assert (PACKAGE / "py.typed").exists()


def test_the_cli_can_build_the_emulator_from_the_provider_class() -> None:
    from promokit.plugins.emulators import load_emulator

    reset_default_plugins()
    try:
        emulator, prefix = load_emulator("mayar", api_key="sandbox-key-0123456789", rate_limit=20)
    finally:
        reset_default_plugins()

    assert isinstance(emulator, MayarEmulator)
    assert prefix == PATH_PREFIX == MayarProvider.emulator_prefix
    assert emulator.api_key == "sandbox-key-0123456789"
    assert emulator.rate is not None
    assert emulator.rate.rate == 20
