"""Every Python block in README.md and docs/ runs, as a program, against the emulators."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cli_support import DURIANPAY_KEY, MAYAR_KEY, BackgroundEmulators

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
EXAMPLE_PLUGIN = ROOT / "examples" / "promokit-xendit"
PLACEHOLDERS = ("<payment-link id>",)
"""Values a reader substitutes; the test puts the emulator's own in their place."""

RUN_ELSEWHERE = {
    "docs/sync.md": "tests/test_sync.py",  # needs its CONFIG and PRODUCT names
    "docs/promotions-as-code.md": "tests/test_promotions_as_code_doc.py",  # a story in steps
}
"""Pages whose blocks another test runs (it must name the page)."""


def blocks() -> Iterator[tuple[str, int, str, str]]:
    for page in PAGES:
        name = page.relative_to(ROOT).as_posix()
        for index, match in enumerate(BLOCK.finditer(page.read_text(encoding="utf-8"))):
            yield name, index, match.group(1).strip(), match.group(2)


def elsewhere(name: str, info: str, code: str) -> str | None:
    """The test that runs this block instead, if another one does."""
    if info.startswith("title="):
        return "tests/test_docs.py"  # a verbatim quote of the example plugin, whose tests run
    if "from promokit_acme" in code:
        return "tests/test_scaffold.py"  # runs inside the package new-provider generates
    return RUN_ELSEWHERE.get(name)


@pytest.fixture
def emulators() -> Iterator[BackgroundEmulators]:
    running = BackgroundEmulators()
    yield running
    running.close()


def configured(directory: Path, emulators: BackgroundEmulators) -> None:
    """promokit.toml as the docs' examples expect it: ``shop`` on Mayar, ``cards`` on Durianpay."""
    (directory / "promokit.toml").write_text(
        'default = "shop"\n\n'
        f'[providers.shop]\nplugin = "mayar"\napi_key_env = "MAYAR_API_KEY"\n'
        f'environment = "sandbox"\nbase_url = "{emulators.mayar_url}"\nrate_limit = 6000\n\n'
        f'[providers.cards]\nplugin = "durianpay"\napi_key_env = "DURIANPAY_API_KEY"\n'
        f'base_url = "{emulators.durianpay_url}"\n',
        encoding="utf-8",
    )


def test_the_pages_have_python_blocks() -> None:
    assert sum(1 for _ in blocks()) >= 20
    names = {name for name, *_ in blocks()}
    assert {"README.md", "docs/index.md", "docs/providers/durianpay.md"} <= names


def test_the_readme_and_the_docs_home_show_the_same_example() -> None:
    readme = next(code for name, _, _, code in blocks() if name == "README.md")
    home = next(code for name, _, _, code in blocks() if name == "docs/index.md")
    assert readme == home


@pytest.mark.parametrize(
    ("name", "index", "info", "code"), list(blocks()), ids=lambda v: str(v)[:40]
)
def test_every_python_block_runs(
    name: str,
    index: int,
    info: str,
    code: str,
    emulators: BackgroundEmulators,
    tmp_path: Path,
) -> None:
    covered = elsewhere(name, info, code)
    if covered is not None:
        runner = (ROOT / covered).read_text(encoding="utf-8")
        marker = "title=" if covered.endswith("test_docs.py") else Path(name).name
        assert marker in runner or "promokit_acme" in runner, f"{covered} does not run {name}"
        return
    for placeholder in PLACEHOLDERS:
        code = code.replace(placeholder, emulators.product)
    configured(tmp_path, emulators)
    script = tmp_path / f"block_{index}.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={
            **os.environ,
            "MAYAR_API_KEY": MAYAR_KEY,
            "DURIANPAY_API_KEY": DURIANPAY_KEY,
            # The hook examples import the tutorial's plugin from its source.
            "PYTHONPATH": os.pathsep.join([str(EXAMPLE_PLUGIN), os.environ.get("PYTHONPATH", "")]),
        },
    )
    assert done.returncode == 0, f"{name} block {index}:\n{done.stdout}\n{done.stderr}"
