"""Which promokit modules a plugin's package imports: ``promokit.sdk`` is the only one allowed."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

SDK = "promokit.sdk"
"""The one promokit module a provider plugin's package may import."""


def _foreign(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        if node.level or not node.module:
            return []  # relative: the plugin's own modules
        if node.module == "promokit":
            return [f"promokit.{alias.name}" for alias in node.names if alias.name != "sdk"]
        if node.module.startswith("promokit.") and node.module != SDK:
            return [node.module]
        return []
    return [
        alias.name
        for alias in node.names
        if alias.name.partition(".")[0] == "promokit" and alias.name != SDK
    ]


def foreign_imports(provider_class: type) -> list[str]:
    """``file:line imports module`` for every promokit module but the SDK that the
    package defining ``provider_class`` imports (its source files, read, not run).

    Providers built into promokit belong to the core and are not checked.
    """
    package = provider_class.__module__.partition(".")[0]
    if package == "promokit":
        return []
    spec = importlib.util.find_spec(package)
    if spec is None:  # pragma: no cover - the class was imported from it
        return [f"{package}: cannot find its source"]
    if spec.submodule_search_locations:
        files = [
            (Path(r), p) for r in spec.submodule_search_locations for p in Path(r).rglob("*.py")
        ]
    elif spec.origin:
        files = [(Path(spec.origin).parent, Path(spec.origin))]
    else:  # pragma: no cover - namespace or frozen modules
        files = []
    found: list[str] = []
    for root, path in sorted(files):
        where = f"{package}/{path.relative_to(root).as_posix()}"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.extend(f"{where}:{node.lineno} imports {name}" for name in _foreign(node))
    return found
