"""docs/reliability.md names only tests that exist: a promise points at its proof."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reliability.md"


def _test_files() -> list[Path]:
    return [
        path
        for base in (ROOT / "tests", ROOT / "plugins")
        for path in base.rglob("test_*.py")
        if ".venv" not in path.parts
    ]


def test_every_test_the_reliability_page_names_exists() -> None:
    text = PAGE.read_text(encoding="utf-8")
    sources = {path.relative_to(ROOT).as_posix(): path.read_text() for path in _test_files()}
    everything = "\n".join(sources.values())
    named_files = set(re.findall(r"`((?:tests|plugins)/[\w/]+\.py)", text))
    named_tests = set(re.findall(r"(?<![/\w])(test_\w+)\b(?!\.py)", text))
    assert named_files, "the page names no test file"
    missing_files = sorted(name for name in named_files if name not in sources)
    missing_tests = sorted(
        name for name in named_tests if not re.search(rf"def {name}\b", everything)
    )
    assert missing_files == []
    assert missing_tests == []
