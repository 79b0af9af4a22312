"""export reads each Mayar discount's detail, resumes, and re-creates elsewhere; list marks "?"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from promokit_mayar.emulator import MayarEmulator

from promokit.cli import main
from promokit.plugins.emulator import EmulatorServer

from .cli_support import MAYAR_KEY, BackgroundEmulators

THREE = "".join(
    f"""
[[promotions]]
name = "Diskon nomor {index}"
code = "NOMOR{index}"
discount = {{ type = "fixed", amount = {index}00000 }}
min_purchase = 500000
limit = {{ type = "quota", uses = {10 * index} }}
customers = "new"
ends_at = 2030-01-01T09:06:14.933Z
"""
    for index in (1, 2, 3)
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def emulators() -> Iterator[BackgroundEmulators]:
    running = BackgroundEmulators()
    yield running
    running.close()


@pytest.fixture
def target(emulators: BackgroundEmulators) -> Iterator[tuple[MayarEmulator, str]]:
    """A second Mayar account (its own emulator) to re-create the export on."""
    emulator = MayarEmulator(api_key=MAYAR_KEY)
    server = EmulatorServer(emulator, prefix="/hl/v2")
    emulators.call(server.start())
    yield emulator, server.url
    emulators.call(server.stop())


@pytest.fixture
def config(
    emulators: BackgroundEmulators, target: tuple[MayarEmulator, str], tmp_path: Path
) -> str:
    path = emulators.write_config(tmp_path)
    with path.open("a", encoding="utf-8") as file:
        file.write(
            f'\n[providers.copy]\nplugin = "mayar"\napi_key = "{MAYAR_KEY}"\n'
            f'environment = "sandbox"\nbase_url = "{target[1]}"\nrate_limit = 6000\n'
        )
    return str(path)


@pytest.fixture
def seeded(config: str, tmp_path: Path) -> str:
    file = tmp_path / "three.toml"
    file.write_text(THREE, encoding="utf-8")
    created = invoke("create", str(file), "-p", "mayar", "--config", config)
    assert created.exit_code == 0, created.output
    return config


def _details_read(emulators: BackgroundEmulators) -> int:
    return sum(
        1
        for request in emulators.mayar.requests
        if request.method == "GET" and request.path.startswith("/hl/v2/coupons/")
    )


def _exported(path: Path) -> list[dict[str, Any]]:
    promotions: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["promotions"]
    return promotions


def test_plain_list_marks_what_the_gateway_did_not_send(seeded: str) -> None:
    listed = invoke("list", "-p", "mayar", "--json", "--config", seeded)
    assert listed.exit_code == 0, listed.output
    for entry in json.loads(listed.stdout):
        assert entry["code"] is None
        assert {"code", "min_purchase", "limit", "customers"} <= set(entry["unknown"])

    human = invoke("list", "-p", "mayar", "--config", seeded)
    assert "?" in human.output

    exact = json.loads(
        invoke("list", "-p", "mayar", "--detail", "--json", "--config", seeded).stdout
    )
    assert sorted(entry["code"] for entry in exact) == ["NOMOR1", "NOMOR2", "NOMOR3"]
    assert all(entry["unknown"] == [] for entry in exact)


def test_an_export_is_planned_and_created_on_another_account(
    seeded: str,
    emulators: BackgroundEmulators,
    target: tuple[MayarEmulator, str],
    tmp_path: Path,
) -> None:
    out = tmp_path / "export.json"
    emulators.mayar.requests.clear()
    exported = invoke("export", "-p", "mayar", "-o", str(out), "--config", seeded)
    assert exported.exit_code == 0, exported.output
    assert "exported 3 promotions" in exported.output
    assert _details_read(emulators) == 3
    promotions = _exported(out)
    assert sorted(p["code"] for p in promotions) == ["NOMOR1", "NOMOR2", "NOMOR3"]
    assert all(p["unknown"] == [] and p["limit"]["type"] == "quota" for p in promotions)
    assert {p["min_purchase"] for p in promotions} == {500000}

    planned = invoke("plan", str(out), "-p", "copy", "--config", seeded)
    assert planned.exit_code == 0, planned.output
    created = invoke("create", str(out), "-p", "copy", "--config", seeded)
    assert created.exit_code == 0, created.output

    copies = target[0].discounts.values()
    assert sorted(d.coupons[0].code for d in copies) == ["NOMOR1", "NOMOR2", "NOMOR3"]
    assert sorted(d.total_coupons for d in copies) == [10, 20, 30]
    assert {d.eligible_customer_type for d in copies} == {"new"}


def test_an_export_without_detail_is_refused_naming_the_unknown_fields(
    seeded: str, tmp_path: Path
) -> None:
    out = tmp_path / "summary.json"
    assert invoke("export", "--no-detail", "-o", str(out), "--config", seeded).exit_code == 0
    planned = invoke("plan", str(out), "-p", "copy", "--config", seeded)
    assert planned.exit_code == 2
    assert "limit: not reported by mayar" in planned.output
    assert "requires it" not in planned.output

    created = invoke("create", str(out), "-p", "copy", "--config", seeded)
    assert created.exit_code == 2
    assert "UnknownFields" in created.output


def test_an_interrupted_export_resumes_without_reading_details_again(
    seeded: str, emulators: BackgroundEmulators, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    assert invoke("export", "-o", str(out), "--config", seeded).exit_code == 0
    whole = out.read_text(encoding="utf-8")
    lines = whole.splitlines(keepends=True)
    # Cut short after the first promotion, in the middle of the second.
    out.write_text("".join(lines[:2]) + lines[2][:25], encoding="utf-8")

    emulators.mayar.requests.clear()
    resumed = invoke("export", "-o", str(out), "--config", seeded)
    assert resumed.exit_code == 0, resumed.output
    assert "exported 3 promotions, 1 kept from the previous run" in resumed.output
    assert _details_read(emulators) == 2
    assert out.read_text(encoding="utf-8") == whole

    again = invoke("export", "-o", str(out), "--config", seeded)
    assert "3 kept from the previous run" in again.output
    assert out.read_text(encoding="utf-8") == whole


def test_an_existing_file_that_is_no_export_is_never_overwritten(
    seeded: str, tmp_path: Path
) -> None:
    out = tmp_path / "notes.json"
    out.write_text('{"mine": true}\n', encoding="utf-8")
    refused = invoke("export", "-o", str(out), "--config", seeded)
    assert refused.exit_code == 2
    assert "is not a promokit export" in refused.output
    assert out.read_text(encoding="utf-8") == '{"mine": true}\n'


def test_an_output_that_cannot_be_written_is_a_typed_error(seeded: str, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "export.json"
    refused = invoke("export", "-o", str(out), "--config", seeded)
    assert refused.exit_code == 2
    assert "cannot write the export to" in refused.output
    assert "Traceback" not in refused.output


def test_an_export_cut_before_its_first_promotion_starts_afresh(
    seeded: str, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    out.write_text('{"promotions": [\n{"name": "Disk', encoding="utf-8")
    resumed = invoke("export", "-o", str(out), "--config", seeded)
    assert resumed.exit_code == 0, resumed.output
    assert "kept from the previous run" not in resumed.output
    assert len(_exported(out)) == 3
