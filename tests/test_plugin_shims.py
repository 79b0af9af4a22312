"""The plugin-facing paths that moved into promokit/plugins/ still work, with a warning."""

from __future__ import annotations

import importlib
import sys

import pytest

MOVED = {
    "promokit.provider": ("promokit.plugins.provider", ("Provider", "ProviderSettings")),
    "promokit.emulator": ("promokit.plugins.emulator", ("Emulator", "EmulatorServer")),
    "promokit.hookspecs": ("promokit.plugins.hookspecs", ("hookimpl", "PROJECT")),
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_the_old_path_warns_and_gives_the_same_objects(
    old: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    new, names = MOVED[old]
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=rf"{old} moved to {new}.*promokit\.sdk"):
        shim = importlib.import_module(old)
    target = importlib.import_module(new)
    for name in names:
        assert getattr(shim, name) is getattr(target, name)
    assert set(shim.__all__) <= set(dir(target))


def test_promokit_plugins_is_still_the_registry() -> None:
    from promokit.plugins import Plugins, ProviderRegistry, default_plugins
    from promokit.plugins.registry import Plugins as Registered

    assert Plugins is Registered
    assert callable(default_plugins)
    assert ProviderRegistry().names() == []
