"""Durianpay reads never fabricate a code: the ledger's code map fills it, else it is unknown.

Durianpay does not echo a promo's code on fetch or list (the emulator's ``echo_code``
is off, as in the documented examples). A read fills ``code`` from the ledger's
durable map for the target; a promo the ledger never saw (made on the dashboard)
reads with ``code`` in ``unknown``, so an export fed to an update is refused instead
of sending ``code: null``.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import promokit
from promokit import CardScope, Percent, Promotion, Quota, UnknownFields
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator
from promokit.workflows.export import export
from promokit.workflows.files import load_promotions

KEY = "dp_test_unknowncode00001"


def promo(name: str, code: str) -> Promotion:
    return Promotion(
        name=name,
        code=code,
        discount=Percent(value=Decimal(10)),
        limit=Quota(uses=5),
        starts_at=datetime(2026, 1, 1, tzinfo=UTC),
        ends_at=datetime(2030, 1, 1, tzinfo=UTC),
        payment=CardScope(bins=("424242",)),
    )


def config(url: str, ledger: Path) -> dict[str, Any]:
    return {
        "ledger": str(ledger),
        "providers": {"dp": {"plugin": "durianpay", "api_key": KEY, "base_url": url}},
    }


async def test_reads_fill_codes_from_the_ledger_and_mark_the_rest_unknown(tmp_path: Path) -> None:
    emulator: Any
    emulator, prefix = load_emulator("durianpay", api_key=KEY, echo_code=False)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        ours = config(server.url, tmp_path / "ours.sqlite3")
        # The dashboard: another tool's ledger, so ours never learns this code.
        async with promokit.Client.from_config(config(server.url, tmp_path / "other.sqlite3")) as c:
            dashboard = await c.create(promo("DASHBOARD", "DASH10"))
        async with promokit.Client.from_config(ours) as client:
            made = await client.create(promo("OURS", "HEMAT10"))
        # A new client (as a new process would): the code comes from the ledger file.
        async with promokit.Client.from_config(ours) as client:
            listed = {p.name: p async for p in client.list()}
            got_ours = await client.get(made.id or "")
            got_dashboard = await client.get(dashboard.id or "")
    assert listed["OURS"].code == "HEMAT10"
    assert "code" not in listed["OURS"].unknown
    assert got_ours.code == "HEMAT10"
    assert "code" not in got_ours.unknown
    for read in (listed["DASHBOARD"], got_dashboard):
        assert read.code is None
        assert "code" in read.unknown  # not reported, never a fabricated None
        assert read.coupons == ()


async def test_an_export_of_an_unknown_code_is_refused_by_update_and_nothing_is_sent(
    tmp_path: Path,
) -> None:
    emulator: Any
    emulator, prefix = load_emulator("durianpay", api_key=KEY, echo_code=False)
    async with EmulatorServer(emulator, prefix=prefix) as server:
        async with promokit.Client.from_config(config(server.url, tmp_path / "other.sqlite3")) as c:
            dashboard = await c.create(promo("DASHBOARD", "DASH10"))
        async with promokit.Client.from_config(config(server.url, tmp_path / "ours.sqlite3")) as c:
            out = io.StringIO()
            assert await export(c, None, out) == 1
            exported = json.loads(out.getvalue())["promotions"][0]
            assert exported["code"] is None
            assert "code" in exported["unknown"]
            file = tmp_path / "export.json"
            file.write_text(out.getvalue(), encoding="utf-8")
            (loaded,) = load_promotions(file)
            sent = len(emulator.requests)
            with pytest.raises(UnknownFields) as caught:
                await c.update(dashboard.id or "", loaded.draft())
            assert [problem.path for problem in caught.value.problems] == ["code"]
            assert len(emulator.requests) == sent  # no PATCH with code: null
