"""The floors leg pins exactly the declared minimums (.ci/constraints-floors.txt)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ROOT / ".ci" / "constraints-floors.txt"
PROJECTS = [ROOT, ROOT / "plugins" / "mayar", ROOT / "plugins" / "durianpay"]
TESTED_EXTRAS = {"testing", "postgresql", "otel", "test"}
"""The extras the floors leg installs (``.[test,otel]``); bench and dev are tools."""


def pinned() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in FLOORS.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def declared() -> dict[str, str]:
    """Every ``>=`` floor the tested distributions declare, by distribution name."""
    floors: dict[str, str] = {}
    for project in PROJECTS:
        meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        requirements = list(meta.get("dependencies", []))
        for extra, listed in meta.get("optional-dependencies", {}).items():
            if extra in TESTED_EXTRAS:
                requirements += listed
        for text in requirements:
            requirement = Requirement(text)
            name = canonicalize_name(requirement.name)
            if name.startswith("promokit"):
                continue  # our own distributions are installed from the checkout
            minimums = [s.version for s in requirement.specifier if s.operator == ">="]
            assert minimums, f"{project.name}: {text} declares no floor"
            floors[name] = str(max(Version(v) for v in [floors.get(name, "0"), *minimums]))
            if name == "psycopg" and "binary" in requirement.extras:
                floors["psycopg-binary"] = floors[name]
    return floors


def test_every_declared_floor_is_pinned_at_exactly_that_version() -> None:
    pins, floors = pinned(), declared()
    missing = sorted(set(floors) - set(pins))
    assert not missing, f"{FLOORS.name} does not pin {missing}"
    wrong = {n: (pins[n], v) for n, v in floors.items() if Version(pins[n]) != Version(v)}
    assert not wrong, f"pinned vs declared: {wrong}"


def test_nothing_is_pinned_that_is_not_declared() -> None:
    extra = sorted(set(pinned()) - set(declared()))
    assert not extra, f"{FLOORS.name} pins {extra}, which no pyproject.toml declares"
