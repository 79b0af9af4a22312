"""Plugin loading: entry points of installed packages, built-ins, env switches, duplicates."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import promokit
from promokit import PluginError
from promokit.plugins import Plugins, ProviderRegistry

from .conftest import EchoProvider

PLUGIN_SOURCE = """
from __future__ import annotations
import promokit
from promokit.model.capabilities import Manifest

class AcmeProvider(promokit.Provider):
    plugin_name = "{name}"
    manifest = Manifest(fields={{}}, operations={{}})

@promokit.hookimpl
def promokit_register_providers(registry):
    registry.add(AcmeProvider)
"""


def install_fake_dist(root: Path, dist: str, module: str, provider_name: str) -> None:
    """Write an installed distribution (dist-info with an entry point) into ``root``."""
    (root / f"{module}.py").write_text(PLUGIN_SOURCE.format(name=provider_name))
    info = root / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent(f"""
            [promokit]
            {provider_name} = {module}
        """)
    )


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in list(sys.modules):
        if name.startswith("promokit_fake_"):
            del sys.modules[name]


def test_entry_point_plugins_load_with_their_version(site: Path) -> None:
    install_fake_dist(site, "promokit-acme", "promokit_fake_acme", "acme")
    plugins = Plugins()
    registry = plugins.providers()
    assert "acme" in registry
    assert "memory" in registry
    assert plugins.version_of("acme") == "1.2.3"
    assert registry.origin("acme") == "acme"


def test_allow_list_env_var(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_dist(site, "promokit-acme", "promokit_fake_acme", "acme")
    install_fake_dist(site, "promokit-zeta", "promokit_fake_zeta", "zeta")
    monkeypatch.setenv("PROMOKIT_LOAD_PLUGINS", "zeta")
    names = Plugins().providers().names()
    assert "zeta" in names
    assert "acme" not in names
    assert "memory" in names
    monkeypatch.setenv("PROMOKIT_LOAD_PLUGINS", "")
    assert Plugins().providers().names() == ["memory"]


def test_block_list_env_var(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_dist(site, "promokit-acme", "promokit_fake_acme", "acme")
    monkeypatch.setenv("PROMOKIT_DISABLE_PLUGINS", "acme")
    assert "acme" not in Plugins().providers().names()


def test_duplicate_provider_names_are_refused_naming_both_classes() -> None:
    class Impostor(EchoProvider):
        pass

    class First:
        @promokit.hookimpl
        def promokit_register_providers(self, registry: ProviderRegistry) -> None:
            registry.add(EchoProvider)

    class Second:
        @promokit.hookimpl
        def promokit_register_providers(self, registry: ProviderRegistry) -> None:
            registry.add(Impostor)

    plugins = Plugins(load_entry_points=False)
    plugins.register(First(), name="first")
    plugins.register(Second(), name="second")
    with pytest.raises(PluginError) as caught:
        plugins.providers()
    message = str(caught.value)
    assert "EchoProvider" in message
    assert "Impostor" in message
    assert "'first'" in message
    assert "'second'" in message


def test_a_plugin_that_raises_is_named() -> None:
    class Broken:
        @promokit.hookimpl
        def promokit_register_providers(self, registry: ProviderRegistry) -> None:
            raise RuntimeError("boom")

    plugins = Plugins(load_entry_points=False)
    plugins.register(Broken(), name="broken-plugin")
    with pytest.raises(PluginError, match=r"broken-plugin.*boom"):
        plugins.providers()


def test_registering_a_non_provider_is_refused() -> None:
    class Wrong:
        @promokit.hookimpl
        def promokit_register_providers(self, registry: ProviderRegistry) -> None:
            registry.add(dict)  # type: ignore[arg-type]

    plugins = Plugins(load_entry_points=False)
    plugins.register(Wrong(), name="wrong")
    with pytest.raises(PluginError, match=r"not a promokit\.Provider subclass"):
        plugins.providers()


def test_a_misspelled_hook_fails_at_registration() -> None:
    class Typo:
        @promokit.hookimpl
        def promokit_register_provider(self, registry: ProviderRegistry) -> None: ...

    plugins = Plugins(load_entry_points=False)
    with pytest.raises(Exception, match="unknown hook"):
        plugins.register(Typo(), name="typo")


def test_unknown_plugin_lists_installed_ones() -> None:
    registry = Plugins(load_entry_points=False).providers()
    with pytest.raises(promokit.ConfigurationError, match="installed: memory"):
        registry.get("stripe")
