"""The tutorial's example plugin, installed like any third-party one, passes the suite."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from promokit.plugins import Plugins

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "promokit-xendit"
PUBLIC_API = {
    "promokit",
    "promokit.capabilities",
    "promokit.codec",
    "promokit.emulator",
    "promokit.errors",
    "promokit.evaluate",
    "promokit.model",
    "promokit.plugins",
    "promokit.provider",
    "promokit.testing",
    "promokit.transport",
}
"""The core modules a provider plugin may build on."""


def pip_install(source: Path, *extra: str) -> None:
    """Install ``source`` into this interpreter, offline (no index, no build isolation)."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--disable-pip-version-check",
        *extra,
        str(source),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    importlib.invalidate_caches()


def clean_env() -> dict[str, str]:
    """This environment without switches that would hide installed plugins."""
    drop = {"PROMOKIT_LOAD_PLUGINS", "PROMOKIT_DISABLE_PLUGINS", "PROMOKIT_CONFIG"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.fixture(scope="session")
def installed_example() -> Path:
    """promokit-xendit installed from its source, once per session (re-running reinstalls)."""
    pip_install(EXAMPLE, "--force-reinstall")
    return EXAMPLE


def test_the_example_uses_only_the_public_api() -> None:
    used: set[str] = set()
    for source in (EXAMPLE / "promokit_xendit").glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), source.name
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                used.add(node.module)
                assert not any(a.name.startswith("_") for a in node.names), source.name
            elif isinstance(node, ast.Import):
                used.update(alias.name for alias in node.names)
    core = {module for module in used if module.split(".")[0] == "promokit"}
    assert core
    assert core <= PUBLIC_API, core - PUBLIC_API


def test_promokit_providers_lists_the_installed_example(installed_example: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "promokit.cli", "providers", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=clean_env(),
        cwd=installed_example.parent,
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed["xendit"]["version"] == "0.1.0"
    operations = listed["xendit"]["manifest"]["operations"]
    assert operations["get"] == "emulated"
    assert "usage" not in operations


def test_the_entry_point_registers_the_provider(
    installed_example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMOKIT_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("PROMOKIT_DISABLE_PLUGINS", raising=False)
    plugins = Plugins()
    provider = plugins.providers().get("xendit")
    assert provider.__module__ == "promokit_xendit.provider"
    assert plugins.version_of("xendit") == "0.1.0"
    module = importlib.import_module("promokit_xendit")
    assert module.__file__ is not None
    assert not Path(module.__file__).is_relative_to(EXAMPLE), "the installed copy is used"


def test_the_installed_example_passes_the_conformance_suite(
    installed_example: Path, tmp_path: Path
) -> None:
    # Run from elsewhere so the installed package, not the source tree, is imported.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(installed_example / "tests"),
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=clean_env(),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "12 passed" in done.stdout, done.stdout[-2000:]
