"""PostgreSQL ledger URLs: the password is never shown, whatever form the URL takes.

libpq accepts a password in the user info (``u:pw@``) or as a query parameter
(``?password=pw``), and several hosts in one URL (``@h1:5432,h2:5433``). Each
form must give a store whose name, the ledger's repr, the config's repr and every
``LedgerError`` mask the password; none may raise a raw ``ValueError``.
"""

from __future__ import annotations

import pytest

from promokit import LedgerError
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
