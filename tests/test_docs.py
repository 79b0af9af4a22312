"""The plugin-author docs cannot drift from the code (after datasette's test_docs)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import promokit.testing
from promokit.plugins import hookspecs
from promokit.testing import ProviderConformance, pytest_plugin

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "plugins"
EXAMPLE = ROOT / "examples" / "promokit-xendit"
TITLED_BLOCK = re.compile(r'```(\w+) title="([^"]+)"\n(.*?)```', re.DOTALL)


def hook_specs() -> dict[str, Callable[..., Any]]:
    """Every ``promokit_*`` hook specification."""
    return {
        name: function
        for name, function in vars(hookspecs).items()
        if name.startswith("promokit_") and hasattr(function, f"{hookspecs.PROJECT}_spec")
    }


def signature_of(function: Callable[..., Any]) -> str:
    """``name(arg: Type, ...) -> Return``, with annotations as written in the source."""
    signature = inspect.signature(function)
    arguments = ", ".join(
        f"{p.name}: {p.annotation}" if p.annotation is not p.empty else p.name
        for p in signature.parameters.values()
    )
    return f"{function.__name__}({arguments}) -> {signature.return_annotation}"


def headings(path: Path) -> list[str]:
    return re.findall(r"^#{2,3} `(.+)`$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)


def test_there_are_hooks_to_document() -> None:
    assert "promokit_register_providers" in hook_specs()


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_every_hook_has_a_section_headed_by_its_exact_signature(name: str) -> None:
    assert signature_of(hook_specs()[name]) in headings(DOCS / "hooks.md")


def test_every_documented_hook_exists() -> None:
    documented = {heading.split("(")[0] for heading in headings(DOCS / "hooks.md")}
    assert documented == set(hook_specs())


def test_the_tutorial_quotes_the_example_package_verbatim() -> None:
    text = (DOCS / "writing-a-provider.md").read_text(encoding="utf-8")
    blocks = TITLED_BLOCK.findall(text)
    assert len(blocks) >= 10
    for _language, title, code in blocks:
        source = EXAMPLE / title
        assert source.is_file(), f"the tutorial quotes {title}, which does not exist"
        assert code in source.read_text(encoding="utf-8"), f"{title} changed; update the tutorial"


def test_the_tutorial_walks_through_every_file_of_the_example() -> None:
    text = (DOCS / "writing-a-provider.md").read_text(encoding="utf-8")
    files = [
        path.relative_to(EXAMPLE).as_posix()
        for path in EXAMPLE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    missing = [name for name in files if Path(name).name not in text]
    assert not missing, f"the tutorial never mentions {missing}"


def test_the_testing_guide_names_every_check_fixture_and_export() -> None:
    text = (DOCS / "testing.md").read_text(encoding="utf-8")
    checks = [name for name in dir(ProviderConformance) if name.startswith("test_")]
    fixtures = [name for name in vars(pytest_plugin) if name.startswith("promokit_")]
    # What a plugin sets or overrides, on whichever module of the suite defines it.
    suite = [
        c
        for c in ProviderConformance.__mro__
        if c.__module__.startswith(ProviderConformance.__module__)
    ]
    hooks = [
        name
        for cls in suite
        for name in vars(cls)
        if not name.startswith(("_", "test_", "open_", "promokit_"))
    ]
    assert {"sample", "error_cases", "attach"} <= set(hooks)
    assert len(checks) == 13
    assert len(fixtures) == 7
    missing = [
        name
        for name in [*checks, *fixtures, *promokit.testing.__all__, *hooks]
        if f"`{name}" not in text
    ]
    assert not missing, f"docs/plugins/testing.md does not mention {missing}"


def test_the_plugin_pages_are_in_the_site_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in ("writing-a-provider.md", "hooks.md", "testing.md"):
        assert f"plugins/{page}" in nav
        assert (DOCS / page).is_file()
