"""Every provider has one layout: Mayar, Durianpay, the Xendit example and the scaffold."""

from __future__ import annotations

import ast
import importlib
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from promokit.errors import ConfigurationError
from promokit.http.redact import Secret
from promokit.plugins.provider import Provider, ProviderSettings
from promokit.plugins.scaffold import generate

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = {
    "mayar": ROOT / "plugins" / "mayar",
    "durianpay": ROOT / "plugins" / "durianpay",
    "xendit": ROOT / "examples" / "promokit-xendit",
}
REQUIRED = (
    "__init__.py",
    "plugin.py",
    "provider.py",
    "manifest.py",
    "wire.py",
    "mapping.py",
    "errors.py",
    "emulator/__init__.py",
    "py.typed",
)
"""The modules every provider package has, each with the role its name says."""


@pytest.fixture(scope="module", params=[*SHIPPED, "scaffold"])
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A provider's project directory (the scaffold freshly generated)."""
    if request.param == "scaffold":
        return generate("layout_check", tmp_path_factory.mktemp("scaffold"))
    return SHIPPED[request.param]


def package_of(project: Path) -> Path:
    """The import package of ``project``: the wheel's only package."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    (name,) = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    return project / name


def distribution_of(project: Path) -> str:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return str(pyproject["project"]["name"])


def own_imports(path: Path, package: str) -> set[str]:
    """The modules of ``package`` that ``path`` imports (``from pkg import mod`` included)."""
    found: set[str] = set()
    modules = {p.relative_to(path.parents[0]).stem for p in path.parent.glob("*.py")}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == package:
                found.update(f"{package}.{a.name}" for a in node.names if a.name in modules)
                found.add(package)
            elif node.module.startswith(package + "."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(package))
    return found


def top_level(package: Path) -> dict[str, Path]:
    """``promokit_x.mod`` -> its file, for the modules outside ``emulator/``."""
    return {
        f"{package.name}.{path.stem}" if path.stem != "__init__" else package.name: path
        for path in package.glob("*.py")
    }


def test_the_shared_modules_exist(project: Path) -> None:
    package = package_of(project)
    missing = [name for name in REQUIRED if not (package / name).is_file()]
    assert not missing, f"{package.name} lacks {missing}"
    # The old names of the same roles are gone.
    for old in ("failures.py", "emulator.py", "emulator_checks.py", "validator.py", "store.py"):
        assert not (package / old).exists(), f"{package.name}/{old}: see the layout"


def test_client_code_never_imports_the_emulator(project: Path) -> None:
    package = package_of(project)
    for module, path in top_level(package).items():
        emulator = {m for m in own_imports(path, package.name) if ".emulator" in m}
        assert not emulator, f"{module} imports {emulator}: emulator code is for tests only"


def test_every_top_level_module_is_client_code(project: Path) -> None:
    """Each module outside ``emulator/`` is reached from the entry point, so none is
    emulator-only code that looks like client code."""
    package = package_of(project)
    modules = top_level(package)
    reached: set[str] = set()
    todo = [f"{package.name}.plugin", package.name]
    while todo:
        module = todo.pop()
        if module in reached or module not in modules:
            continue
        reached.add(module)
        todo.extend(own_imports(modules[module], package.name))
    assert set(modules) - reached == set(), "only the emulator uses these: move them to emulator/"


def test_the_name_and_version_are_written_once(project: Path) -> None:
    package = package_of(project)
    init = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    names = {
        node.targets[0].id: node.value
        for node in init.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    name = names["NAME"]
    assert isinstance(name, ast.Constant)
    assert isinstance(name.value, str)
    read = [
        node.args[0].value
        for node in ast.walk(init)
        if isinstance(node, ast.Call)
        and ast.unparse(node.func) == "metadata.version"
        and isinstance(node.args[0], ast.Constant)
    ]
    assert read == [distribution_of(project)], "read __version__ from the package metadata"
    for path in package.rglob("*.py"):
        if path == package / "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        literals = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and node.value == name.value
            and id(node) not in docstrings
        ]
        assert not literals, f"{path.name}:{literals} writes {name.value!r}: use NAME"


@pytest.fixture
def provider_class(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Provider]]:
    """The provider class, imported from ``project``'s source tree."""
    package = package_of(project)
    monkeypatch.syspath_prepend(str(project))
    stale = [m for m in sys.modules if m.split(".")[0] == package.name]
    for module in stale:
        monkeypatch.delitem(sys.modules, module)
    imported = importlib.import_module(package.name)
    classes = [
        value
        for value in vars(imported).values()
        if isinstance(value, type) and issubclass(value, Provider) and value is not Provider
    ]
    assert len(classes) == 1, classes
    yield classes[0]
    for module in [m for m in sys.modules if m.split(".")[0] == package.name]:
        if module not in stale:
            del sys.modules[module]


def test_the_provider_class_reads_the_package_constants(
    project: Path, provider_class: type[Provider]
) -> None:
    package = importlib.import_module(package_of(project).name)
    assert provider_class.plugin_name == package.NAME
    assert provider_class.version == package.__version__
    assert provider_class.emulator == f"{package.__name__}.emulator:create_emulator"
    assert provider_class.known_options is not None, "declare the options the provider reads"


def test_unknown_options_are_refused(provider_class: type[Provider]) -> None:
    settings = ProviderSettings(
        alias="shop",
        plugin=provider_class.plugin_name,
        api_key=Secret("layout-check-key-0001"),
        options={"pagesize": 10},
    )
    with pytest.raises(ConfigurationError, match=r"unknown option\(s\) pagesize"):
        provider_class.check_settings(settings)
