"""PostgreSQL ledger URLs: the password is never shown, whatever form the URL takes.

libpq accepts a password in the user info (``u:pw@``) or as a query parameter
(``?password=pw``), and several hosts in one URL (``@h1:5432,h2:5433``). Each
form must give a store whose name, the ledger's repr, the config's repr and every
``LedgerError`` mask the password; none may raise a raw ``ValueError``. Without
psycopg installed, a PostgreSQL ledger is a ``ConfigurationError`` saying what to
install.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from promokit import ConfigurationError, LedgerError
from promokit.config import load_config
from promokit.ledger import Ledger

PASSWORD = "s3cretPW9x"
URLS = [
    f"postgresql://promokit:{PASSWORD}@127.0.0.1:1/shop",
    f"postgresql://promokit@127.0.0.1:1/shop?password={PASSWORD}&sslmode=disable",
    f"postgresql://promokit@127.0.0.1:1/shop?sslmode=disable&PASSWORD={PASSWORD}",
    f"postgresql://promokit:{PASSWORD}@127.0.0.1:1,127.0.0.1:2/shop",
    f"postgres://promokit:{PASSWORD}@127.0.0.1:1,127.0.0.1:2/shop?connect_timeout=2",
    f"postgresql:///shop?host=127.0.0.1&port=1&user=promokit&password={PASSWORD}",
]


@pytest.mark.parametrize("url", URLS)
async def test_a_ledger_url_never_shows_its_password(url: str) -> None:
    ledger = Ledger.at(url)
    assert PASSWORD not in ledger.store.name
    assert PASSWORD not in repr(ledger)
    assert PASSWORD not in repr(ledger.store)
    config = load_config({"ledger": url, "providers": {"m": {"plugin": "memory"}}})
    assert PASSWORD not in repr(config)
    with pytest.raises(LedgerError) as caught:
        await ledger.open()
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value)
    assert "127.0.0.1" in str(caught.value)  # still says which server


def test_without_psycopg_a_postgresql_ledger_says_what_to_install() -> None:
    program = """
import asyncio, sys
sys.modules["psycopg"] = None  # as if promokit[postgresql] was not installed
from promokit import ConfigurationError
from promokit.ledger import Ledger

async def main():
    try:
        await Ledger.at("postgresql://u:pw@127.0.0.1:1/db").open()
    except ConfigurationError as error:
        print("ConfigurationError", error)
asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ConfigurationError"), done.stdout
    assert "pip install 'promokit[postgresql]'" in done.stdout
    assert "pw@" not in done.stdout
    assert ConfigurationError  # the class the child printed is the public one
