"""Error details are typed attributes: user code reading them passes ``mypy --strict``."""

from __future__ import annotations

import importlib.util
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import errors

ROOT = Path(__file__).resolve().parents[1]
DETAILS: dict[type[errors.PromokitError], dict[str, Any]] = {
    errors.ProviderError: {"fields": ()},
    errors.RateLimited: {"retry_after": None, "fields": ()},
    errors.Overloaded: {"retry_after": None},
    errors.ProviderResponseError: {"kind": None, "fields": ()},
    errors.ResponseValidationError: {"path": None},
    errors.OutcomeUnknown: {"idempotency_key": None, "natural_key": None},
    errors.WriteInProgress: {"holder": None, "until": None, "idempotency_key": None},
    errors.StaleRecord: {"idempotency_key": None, "provider_id": None},
    errors.LedgerError: {"store": None},
    errors.ConfigurationError: {"hint": None},
}


@pytest.mark.parametrize("cls", list(DETAILS), ids=lambda cls: cls.__name__)
def test_every_detail_exists_unset_and_survives_pickling(cls: type[errors.PromokitError]) -> None:
    bare = cls("message")
    for name, default in DETAILS[cls].items():
        assert getattr(bare, name) == default, name
        assert name in cls.__annotations__ or any(
            name in base.__annotations__ for base in cls.__mro__ if hasattr(base, "__annotations__")
        ), f"{cls.__name__}.{name} is not declared"
    given = {name: "value" for name in DETAILS[cls] if name not in ("fields",)}
    error = cls("message", **given)
    copy = pickle.loads(pickle.dumps(error))
    for name, value in given.items():
        assert getattr(copy, name) == value


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is in the dev extra (pip install -e '.[dev]')",
)
def test_the_errors_page_example_passes_mypy_strict(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, flags=re.DOTALL | re.MULTILINE)
    reading = [block for block in blocks if "idempotency_key" in block and ".kind" in block]
    assert len(reading) == 1, "docs/errors.md lost its example that reads error details"
    snippet = tmp_path / "user_code.py"
    snippet.write_text(reading[0], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), snippet],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ran = subprocess.run(
        [sys.executable, snippet], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert promokit.OutcomeUnknown("x", idempotency_key="k").idempotency_key == "k"
