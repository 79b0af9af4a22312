"""Module paths moved into promokit/model, /workflows and /http still import, with a warning."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import promokit

MOVED = {
    "promokit.capabilities": "promokit.model.capabilities",
    "promokit.evaluate": "promokit.model.evaluate",
    "promokit.diff": "promokit.workflows.diff",
    "promokit.apply": "promokit.workflows.apply",
    "promokit.migrate": "promokit.workflows.migrate",
    "promokit.fanout": "promokit.workflows.fanout",
    "promokit.files": "promokit.workflows.files",
    "promokit.transport": "promokit.http.transport",
    "promokit.codec": "promokit.http.codec",
    "promokit.redact": "promokit.http.redact",
    "promokit.observe": "promokit.http.observe",
    "promokit.limits": "promokit.http.limits",
}
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_path_warns_and_is_the_new_module(
    old: str, new: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.deprecated_call(match=f"{old} moved to {new}"):
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert sys.modules[old] is module


def test_the_old_evaluate_path_leaves_promokit_evaluate_the_function(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "promokit.evaluate", raising=False)
    with pytest.deprecated_call():
        from promokit.evaluate import evaluate
    assert promokit.evaluate is evaluate
    assert callable(promokit.evaluate)


def test_the_warning_points_at_the_importer(tmp_path: Path) -> None:
    script = tmp_path / "user_code.py"
    script.write_text("from promokit.capabilities import plan\n")
    done = subprocess.run(
        [sys.executable, "-W", "always::DeprecationWarning", str(script)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert f"{script}:1: DeprecationWarning: promokit.capabilities moved" in done.stderr


def test_no_module_of_ours_imports_an_old_path() -> None:
    # With filterwarnings = error an import of a shim would fail somewhere in the suite;
    # this names the culprit directly.
    sources = [*ROOT.glob("promokit/**/*.py"), *ROOT.glob("plugins/*/promokit_*/**/*.py")]
    shims = {ROOT / "promokit" / f"{old.rpartition('.')[2]}.py" for old in MOVED}
    offenders = []
    for source in sources:
        if source in shims:
            continue
        text = source.read_text()
        for old in MOVED:
            if f"from {old} import" in text or f"import {old}\n" in text:
                offenders.append(f"{source.relative_to(ROOT)}: {old}")
    assert offenders == []
