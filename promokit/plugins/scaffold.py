"""``promokit new-provider``: generate a provider plugin package that passes its own tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from promokit.errors import ConfigurationError

_NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")
RESERVED = frozenset({"memory", "testing", "plugins", "core"})
TEMPLATE_SUFFIX = ".tmpl"
"""Every template file ends so, which keeps linters and pytest away from the unrendered text."""
PACKAGE_DIR = "package"
"""The template folder that becomes the import package (``promokit_<name>``)."""


@dataclass(frozen=True)
class Names:
    """Every spelling of a new provider's name the templates need."""

    name: str
    """``plugin_name`` and entry-point name: ``acme_pay``."""
    dist: str
    """Distribution name: ``promokit-acme-pay``."""
    package: str
    """Import package: ``promokit_acme_pay``."""
    cls: str
    """Class-name stem: ``AcmePay``."""
    title: str
    """Human name: ``Acme Pay``."""

    @classmethod
    def of(cls, name: str) -> Names:
        """Check ``name`` and derive the other spellings."""
        if not _NAME.fullmatch(name) or name.endswith("_") or "__" in name:
            raise ConfigurationError(
                f"provider name {name!r} must be 2-31 lowercase letters, digits or single "
                "underscores, starting with a letter (it becomes the plugin name)"
            )
        if name in RESERVED:
            raise ConfigurationError(f"provider name {name!r} is reserved")
        words = name.split("_")
        return cls(
            name=name,
            dist="promokit-" + "-".join(words),
            package=f"promokit_{name}",
            cls="".join(word.capitalize() for word in words),
            title=" ".join(word.capitalize() for word in words),
        )

    def mapping(self) -> dict[str, str]:
        """Template substitutions."""
        return {
            "name": self.name,
            "dist": self.dist,
            "package": self.package,
            "Class": self.cls,
            "title": self.title,
            "NAME": self.name.upper(),
        }


def template_root() -> Traversable:
    """The provider templates, shipped as package data."""
    return resources.files("promokit.plugins").joinpath("templates", "provider")


def templates() -> dict[str, str]:
    """Output path (``${package}/provider.py``) -> template text, for every template file."""
    found: dict[str, str] = {}
    folders: list[tuple[Traversable, str]] = [(template_root(), "")]
    while folders:
        folder, prefix = folders.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                part = "${package}" if not prefix and entry.name == PACKAGE_DIR else entry.name
                folders.append((entry, f"{prefix}{part}/"))
            elif entry.name.endswith(TEMPLATE_SUFFIX):
                name = entry.name.removesuffix(TEMPLATE_SUFFIX)
                found[prefix + name] = entry.read_text(encoding="utf-8")
    return dict(sorted(found.items()))


def generate(name: str, parent: str | Path = ".", *, force: bool = False) -> Path:
    """Write a new plugin package ``promokit-<name>/`` under ``parent``; return its path.

    The package is complete as generated: a provider for a small promotions API,
    its emulator, an entry point, and tests (the conformance suite) that pass, in
    the layout every promokit provider shares. Adapt ``wire.py``, ``manifest.py``,
    ``mapping.py``, ``errors.py``, ``provider.py`` and ``emulator/`` to the real gateway.
    """
    names = Names.of(name)
    root = Path(parent) / names.dist
    if root.exists() and any(root.iterdir()) and not force:
        raise ConfigurationError(f"{root} already exists and is not empty (use --force)")
    values = names.mapping()
    for relative, text in templates().items():
        path = root / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values), encoding="utf-8")
    return root


__all__ = ["Names", "generate", "template_root", "templates"]
