"""The tutorial's example plugin, installed like any third-party one, passes the suite."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from promokit.plugins import Plugins

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "promokit-xendit"


def pip_install(source: Path, *extra: str) -> None:
    """Install ``source`` with this interpreter's pip, offline (no index, no build isolation)."""
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


def clean_env(site: Path) -> dict[str, str]:
    """This environment without switches that would hide plugins, seeing ``site`` too."""
    drop = {"PROMOKIT_LOAD_PLUGINS", "PROMOKIT_DISABLE_PLUGINS", "PROMOKIT_CONFIG"}
    kept = {k: v for k, v in os.environ.items() if k not in drop}
    return {
        **kept,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), kept.get("PYTHONPATH")])),
    }


@pytest.fixture(scope="session")
def installed_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """promokit-xendit installed from its source into a temporary site directory.

    ``--target`` keeps it out of this virtualenv: running the tests must not leave a
    provider behind in ``promokit providers`` (or in the errors that list plugins).
    """
    site = tmp_path_factory.mktemp("example-site")
    pip_install(EXAMPLE, "--target", str(site))
    return site


def test_the_example_builds_on_the_sdk_alone() -> None:
    """Every module is documented and imports promokit.sdk only (the conformance suite
    checks the same for the installed package)."""
    used: set[str] = set()
    for source in (EXAMPLE / "promokit_xendit").rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), source.name
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                used.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                used.update(alias.name for alias in node.names)
    core = {name for name in used if name.split(".")[0] == "promokit"}
    assert core
    assert {name.rpartition(".")[0] for name in core} <= {"promokit", "promokit.sdk"}, core
    assert {name for name in core if name.rpartition(".")[0] == "promokit"} <= {"promokit.sdk"}


def test_promokit_providers_lists_the_installed_example(
    installed_example: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "promokit.cli", "providers", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=clean_env(installed_example),
        cwd=tmp_path,
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
    monkeypatch.syspath_prepend(str(installed_example))
    for name in [m for m in sys.modules if m.split(".")[0] == "promokit_xendit"]:
        monkeypatch.delitem(sys.modules, name)  # forgotten again when the test ends
    plugins = Plugins()
    provider = plugins.providers().get("xendit")
    assert provider.__module__ == "promokit_xendit.provider"
    assert plugins.version_of("xendit") == "0.1.0"
    # pyproject.toml is the one place the version is written; the class reads it back.
    declared = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    assert provider.version == declared["project"]["version"] == "0.1.0"
    module = importlib.import_module("promokit_xendit")
    assert module.__file__ is not None
    assert Path(module.__file__).is_relative_to(installed_example), "the installed copy is used"


def test_running_the_tests_leaves_this_environment_as_it_was(installed_example: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "promokit-xendit" not in {entry["name"] for entry in json.loads(done.stdout)}


def test_the_installed_example_passes_the_conformance_suite(
    installed_example: Path, tmp_path: Path
) -> None:
    # Run from elsewhere so the installed package, not the source tree, is imported.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(EXAMPLE / "tests"),
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=clean_env(installed_example),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "13 passed" in done.stdout, done.stdout[-2000:]
