"""The ledger's old module paths still import, warn that they moved, and give the same objects."""

from __future__ import annotations

import importlib
import sys

import pytest

from promokit.ledger.sqlite import SqliteLedgerStore
from promokit.plugins.codes import CodeBook


@pytest.mark.parametrize(
    ("old", "new", "name", "obj"),
    [
        (
            "promokit.ledger_sqlite",
            "promokit.ledger.sqlite",
            "SqliteLedgerStore",
            SqliteLedgerStore,
        ),
        ("promokit.codes", "promokit.plugins.codes", "CodeBook", CodeBook),
    ],
)
def test_old_path_warns_and_reexports(old: str, new: str, name: str, obj: object) -> None:
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = importlib.import_module(old)
    assert getattr(module, name) is obj
    sys.modules.pop(old, None)
