"""``promokit.sdk`` is the plugin API: the conformance kit fails a plugin that imports more."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import promokit.sdk
from promokit.testing import ProviderConformance
from promokit.testing.imports import foreign_imports

BAD_PROVIDER = '''\
"""A plugin that reaches past the SDK into the core."""

from __future__ import annotations

import promokit
import promokit.sdk
from promokit import sdk
from promokit.http.transport import ErrorInfo
from promokit.sdk import Manifest

from . import wire


class ReachingProvider(sdk.Provider):
    plugin_name = "reaching"
    manifest = Manifest(fields={}, operations={})

    @classmethod
    def parse_error(cls, response: sdk.Response) -> ErrorInfo | None:
        return promokit.sdk.default_error_info(response)
'''
BAD_EMULATOR = '''\
"""Emulator code counts too."""

from __future__ import annotations

from promokit.plugins.emulator import Emulator
'''
GOOD_PROVIDER = '''\
"""A plugin on the SDK alone."""

from __future__ import annotations

from promokit.sdk import Manifest, Provider


class KeptProvider(Provider):
    plugin_name = "kept"
    manifest = Manifest(fields={}, operations={})
'''


def make_package(root: Path, name: str, files: dict[str, str]) -> None:
    package = root / name
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def fake_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Two plugin packages on ``sys.path``: one reaching into the core, one not."""
    make_package(
        tmp_path,
        "promokit_reaching",
        {
            "__init__.py": '"""Reaching."""\n',
            "wire.py": '"""Wire."""\n',
            "provider.py": BAD_PROVIDER,
            "emulator/__init__.py": BAD_EMULATOR,
        },
    )
    make_package(
        tmp_path, "promokit_kept", {"__init__.py": '"""Kept."""\n', "provider.py": GOOD_PROVIDER}
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith(("promokit_reaching", "promokit_kept"))]:
        del sys.modules[name]


def test_imports_past_the_sdk_are_listed_with_file_and_line(fake_plugins: Path) -> None:
    provider = importlib.import_module("promokit_reaching.provider").ReachingProvider

    assert foreign_imports(provider) == [
        "promokit_reaching/emulator/__init__.py:5 imports promokit.plugins.emulator",
        "promokit_reaching/provider.py:5 imports promokit",
        "promokit_reaching/provider.py:8 imports promokit.http.transport",
    ]


def test_the_conformance_check_fails_the_reaching_plugin(fake_plugins: Path) -> None:
    provider = importlib.import_module("promokit_reaching.provider").ReachingProvider
    suite = type("Suite", (ProviderConformance,), {"provider": provider})

    with pytest.raises(AssertionError, match=r"provider.py:8 imports promokit.http.transport"):
        suite().test_the_plugin_imports_only_the_sdk()


def test_the_conformance_check_passes_a_plugin_on_the_sdk_alone(fake_plugins: Path) -> None:
    provider = importlib.import_module("promokit_kept.provider").KeptProvider
    suite = type("Suite", (ProviderConformance,), {"provider": provider})

    suite().test_the_plugin_imports_only_the_sdk()
    assert foreign_imports(provider) == []


@pytest.mark.parametrize("package", ["promokit_mayar", "promokit_durianpay"])
def test_the_shipped_plugins_build_on_the_sdk_alone(package: str) -> None:
    module = importlib.import_module(package)
    provider = next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, promokit.sdk.Provider)
    )
    assert foreign_imports(provider) == []


def test_every_sdk_name_resolves() -> None:
    missing = [name for name in promokit.sdk.__all__ if not hasattr(promokit.sdk, name)]
    assert not missing
    assert sorted(promokit.sdk.__all__) == promokit.sdk.__all__


def test_the_sdk_keeps_the_emulator_server_code_unloaded_until_used() -> None:
    code = (
        "import sys, promokit.sdk, promokit_mayar.plugin; "
        "assert 'promokit.plugins.emulator' not in sys.modules, 'loaded early'; "
        "promokit.sdk.Emulator; assert 'promokit.plugins.emulator' in sys.modules"
    )
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
