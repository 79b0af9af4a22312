"""The layer contract of docs/architecture.md holds (``lint-imports``, import-linter)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("importlinter") is None,
    reason="import-linter is in the dev extra (pip install -e '.[dev]')",
)


def lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command is not None, "import-linter installs the lint-imports command"
    return subprocess.run(
        [command, "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


def test_every_layer_imports_downwards_only() -> None:
    done = lint_imports(ROOT / "pyproject.toml", ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_the_contract_records_no_exceptions() -> None:
    """The ledger and the plugins stay independent without ``ignore_imports`` (issue 21)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = pyproject["tool"]["importlinter"]["contracts"]
    assert "ignore_imports" not in contract


def test_the_contract_catches_an_upward_import(tmp_path: Path) -> None:
    """A copy of the package with one upward import fails the contract, naming it."""
    shutil.copytree(ROOT / "promokit", tmp_path / "promokit")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    upward = tmp_path / "promokit" / "plugins" / "upward.py"
    upward.write_text('"""An upward import."""\n\nimport promokit.ledger.core\n', encoding="utf-8")
    done = lint_imports(tmp_path / "pyproject.toml", tmp_path)
    assert done.returncode != 0, done.stdout[-4000:]
    assert "promokit.plugins is not allowed to import promokit.ledger" in done.stdout
    assert "promokit.plugins.upward -> promokit.ledger.core" in done.stdout


def test_the_architecture_page_names_every_layer_of_the_contract() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = pyproject["tool"]["importlinter"]["contracts"]
    modules = {m.strip() for layer in contract["layers"] for m in re.split("[|:]", layer)}
    missing = sorted(m for m in modules if f"`{m.removeprefix('promokit.')}" not in page)
    assert not missing, f"docs/architecture.md does not place {missing}"
    assert "lint-imports" in page
    assert "find promokit -name '*.py' | sort" in page
