"""The promokit command through click's runner, against emulators on loopback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from promokit.cli import main

from .cli_support import MAYAR_KEY, BackgroundEmulators, config, emulators
from .promotion_toml import card_promotion

__all__ = ["config", "emulators"]  # fixtures used by name below

EXAMPLES = str(Path(__file__).parent.parent / "promokit" / "examples" / "promotions.toml")

MAYAR_ONLY = """
[[promotions]]
name = "Diskon Murmer"
code = "HARIBAIK"
discount = { type = "fixed", amount = 100000 }
min_purchase = 500000
limit = { type = "quota", uses = 100 }
ends_at = 2030-01-01T09:06:14.933Z
"""

BOTH_WITH_DROP = card_promotion("Kartu semua", "SEMUA10", uses=50)

WELCOME = """
[[promotions]]
name = "Welcome gift"
discount = { type = "fixed", amount = 10000 }
limit = { type = "quota", uses = 1 }
ends_at = 2030-01-01T00:00:00Z
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_providers_lists_every_plugin_with_its_manifest() -> None:
    result = invoke("providers", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"mayar", "durianpay", "memory"} <= set(data)
    assert data["mayar"]["manifest"]["operations"]["delete"] == "unsupported"
    assert data["durianpay"]["manifest"]["operations"]["validate"] == "emulated"
    table = invoke("providers")
    assert "starts_at" in table.output
    assert "durianpay" in table.output


def test_plan_shows_every_problem_and_exits_2(config: Path, tmp_path: Path) -> None:
    result = invoke("plan", EXAMPLES, "--all", "--config", str(config))
    assert result.exit_code == 2
    assert "unsupported" in result.output
    assert "mayar: payment: mayar cannot express it" in result.output.replace("\n", " ")
    as_json = invoke("plan", EXAMPLES, "-p", "mayar", "--json", "--config", str(config))
    plans = json.loads(as_json.output)
    assert plans[0][0]["provider"] == "mayar"
    assert plans[0][0]["problems"] == []


def test_the_read_write_commands_end_to_end(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    cfg = ("--config", str(config))
    file = write(tmp_path, "mayar.toml", MAYAR_ONLY)
    created = invoke("create", file, "--json", *cfg)
    assert created.exit_code == 0, created.output
    outcome = json.loads(created.output)[0]["outcomes"][0]
    assert outcome["outcome"] == "created"
    promotion_id = outcome["promotion"]["id"]

    got = json.loads(invoke("get", promotion_id, "--json", *cfg).output)
    assert got["code"] == "HARIBAIK"
    assert got["discount"] == {"type": "fixed", "amount": 100000}

    listed = json.loads(invoke("list", "--json", *cfg).output)
    assert [p["id"] for p in listed] == [promotion_id]

    product = emulators.product
    accepted = invoke("validate", "HARIBAIK", "--amount", "600000", "--product", product, *cfg)
    assert accepted.exit_code == 0
    assert "accepted, discount 100000" in accepted.output
    refused = invoke(
        "validate", "HARIBAIK", "--amount", "1000", "--product", product, "--json", *cfg
    )
    assert refused.exit_code == 1
    assert json.loads(refused.output)["reason"] == "MIN_PURCHASE_NOT_MET"

    emulators.mayar.redeem("HARIBAIK", times=2)
    usage = json.loads(invoke("usage", "HARIBAIK", "--json", *cfg).output)
    assert (usage["used"], usage["limit"], usage["remaining"]) == (2, 100, 98)

    exported = invoke("export", *cfg)
    assert exported.exit_code == 0
    document = json.loads(exported.stdout)
    assert [p["id"] for p in document["promotions"]] == [promotion_id]

    refused_delete = invoke("delete", promotion_id, *cfg)
    assert refused_delete.exit_code == 2
    assert "does not offer delete" in refused_delete.output
    assert "Traceback" not in refused_delete.output


def test_create_all_with_drop_reaches_both_providers(config: Path, tmp_path: Path) -> None:
    file = write(tmp_path, "both.toml", BOTH_WITH_DROP)
    strict = invoke("create", file, "--all", "--config", str(config))
    assert strict.exit_code == 2  # Mayar cannot take the payment scope: nothing is sent
    asked = invoke("create", file, "--all", "--policy", "drop", "--config", str(config))
    assert asked.exit_code == 2  # dropping payment widens who may use it: nobody to ask
    assert "Kartu semua @ mayar: starts_at, payment" in asked.output
    assert "re-run with --yes" in asked.output
    drop = ("--all", "--policy", "drop", "--yes", "--config", str(config))
    result = invoke("create", file, "--json", *drop)
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)[0]["outcomes"]
    outcomes = {o["provider"]: o["outcome"] for o in entries}
    assert outcomes == {"mayar": "created", "durianpay": "created"}
    mayar = next(o for o in entries if o["provider"] == "mayar")
    assert mayar["dropped"] == ["starts_at", "payment"]


def test_partial_failure_rolls_back_where_it_can(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "both.toml", BOTH_WITH_DROP)
    emulators.mayar.faults.add(
        "status",
        status=400,
        method="POST",
        body=b'{"statusCode":400,"messages":"Validation Error","data":[]}',
    )
    result = invoke(
        "create", file, "--all", "--policy", "drop", "--yes", "--json", "--config", str(config)
    )
    assert result.exit_code == 1
    outcomes = {o["provider"]: o["outcome"] for o in json.loads(result.output)[0]["outcomes"]}
    assert outcomes == {"mayar": "failed", "durianpay": "rolled_back"}
    assert emulators.durianpay.promos == {}


def test_partial_failure_reports_what_cannot_be_rolled_back(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "both.toml", BOTH_WITH_DROP)
    emulators.durianpay.faults.add(
        "status",
        status=400,
        method="POST",
        body=b'{"error":"bad","error_code":"DPAY_INVALID_REQUEST"}',
    )
    result = invoke("create", file, "--all", "--policy", "drop", "--yes", "--config", str(config))
    assert result.exit_code == 1
    assert "left in place" in result.output
    assert "dashboard" in result.output
    assert len(emulators.mayar.discounts) == 1


def test_migrate_dry_run_then_real_then_rerun(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    cfg = ("--config", str(config))
    assert invoke("create", write(tmp_path, "m.toml", MAYAR_ONLY), *cfg).exit_code == 0
    fill = (
        "--fill",
        'payment={"type":"card","banks":["BCA"]}',
        "--fill",
        'starts_at="2026-01-01T00:00:00Z"',
    )
    bare = json.loads(
        invoke(
            "migrate", "--from", "mayar", "--to", "durianpay", "--dry-run", "--json", *cfg
        ).output
    )
    assert bare["items"][0]["status"] == "skipped"
    assert {r["path"] for r in bare["items"][0]["reasons"]} == {"payment", "starts_at"}
    dry = json.loads(
        invoke(
            "migrate", "--from", "mayar", "--to", "durianpay", "--dry-run", "--json", *fill, *cfg
        ).output
    )
    assert dry["items"][0]["status"] == "planned"
    assert emulators.durianpay.promos == {}
    real = invoke("migrate", "--from", "mayar", "--to", "durianpay", *fill, *cfg)
    assert real.exit_code == 0, real.output
    assert "migrated 1" in real.output
    again = json.loads(
        invoke("migrate", "--from", "mayar", "--to", "durianpay", "--json", *fill, *cfg).output
    )
    assert again["items"][0]["status"] == "already_migrated"
    assert len(emulators.durianpay.promos) == 1


def test_config_check_names_missing_keys_without_values(tmp_path: Path) -> None:
    path = tmp_path / "promokit.toml"
    path.write_text(
        'default = "shop"\n[providers.shop]\nplugin = "mayar"\napi_key_env = "NOPE_KEY"\n'
        'environment = "sandbox"\n[providers.cards]\nplugin = "durianpay"\n'
        'api_key = "dp_live_abcdefghijklmnop"\nenvironment = "sandbox"\n'
    )
    result = invoke("config", "check", "--config", str(path))
    assert result.exit_code == 2
    assert "NOPE_KEY is not set" in result.output
    assert "dp_live_…mnop" in result.output
    assert "abcdefghijklmnop" not in result.output


def test_errors_are_one_line_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "promokit.toml"
    path.write_text('[providers.shop]\nplugin = "mayar"\napi_kye = "x"\n')
    result = invoke("list", "--config", str(path))
    assert result.exit_code == 2
    assert "providers.shop.api_kye: unknown key; did you mean 'api_key'?" in result.output
    assert "Traceback" not in result.output
    as_json = json.loads(invoke("list", "--json", "--config", str(path)).output)
    assert as_json["error"] == "ConfigurationError"


def test_switching_default_switches_every_command(
    emulators: BackgroundEmulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = emulators.write_config(tmp_path, default="mayar")
    file = write(tmp_path, "both.toml", BOTH_WITH_DROP)
    monkeypatch.setenv("PROMOKIT_PROVIDER", "durianpay")
    result = invoke("create", file, "--policy", "drop", "--json", "--config", str(config))
    outcomes = json.loads(result.output)[0]["outcomes"]
    assert [o["provider"] for o in outcomes] == ["durianpay"]
    assert len(emulators.durianpay.promos) == 1
    assert emulators.mayar.discounts == {}


def test_bulk_create_generates_the_requested_number_of_codes(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "welcome.toml", WELCOME)
    result = invoke("create", file, "--count", "120", "--json", "--config", str(config))
    assert result.exit_code == 0, result.output
    codes = json.loads(result.output)[0]["codes"]
    assert len(codes) == len(set(codes)) == 120
    assert len(emulators.mayar.discounts) == 3  # 50 + 50 + 20
    assert MAYAR_KEY not in result.output


def test_a_bulk_create_that_stops_says_how_to_resume_in_one_error(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "gift.toml", WELCOME)
    emulators.mayar.faults.add(
        "status", status=400, body=b'{"statusCode":400,"messages":"Gagal"}', method="POST"
    )
    cfg = ("--config", str(config))
    stopped = invoke("create", file, "--count", "120", *cfg)
    assert stopped.exit_code == 1
    assert "Traceback" not in stopped.output
    assert "BadRequest" in stopped.output
    assert "call it again with the same arguments" in stopped.output
    as_json = invoke("create", file, "--count", "120", "--json", *cfg)
    assert as_json.exit_code == 0, as_json.output  # the fault was used up: the re-run resumes
    assert len(json.loads(as_json.output)[0]["codes"]) == 120
    assert len(emulators.mayar.discounts) == 3


def test_reconcile_settles_an_unknown_create(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    cfg = ("--config", str(config))
    unknown = invoke("reconcile", "no-such-key", *cfg)
    assert unknown.exit_code == 2
    assert "no write is recorded" in unknown.output
    emulators.mayar.faults.add("drop_after", method="POST")
    emulators.mayar.faults.add("status", status=503, count=10, method="GET")
    file = write(tmp_path, "m.toml", MAYAR_ONLY)
    lost = invoke("create", file, "--json", *cfg)
    assert lost.exit_code == 1
    outcome = json.loads(lost.output)[0]["outcomes"][0]
    assert "OutcomeUnknown" in outcome["error"] or "reconcile" in outcome["error"]
    emulators.mayar.faults.clear()
    assert outcome["idempotency_key"].startswith("create:")
    assert outcome["idempotency_key"] in outcome["error"]
    settled = invoke("reconcile", outcome["idempotency_key"], "--json", *cfg)
    assert settled.exit_code == 0, settled.output
    assert json.loads(settled.output)["found"]["reconciled"] is True
    assert len(emulators.mayar.discounts) == 1


def test_timeout_bounds_a_command_and_refuses_bad_values(
    config: Path, emulators: BackgroundEmulators
) -> None:
    cfg = ("--config", str(config))
    emulators.mayar.faults.add("delay", delay=3.0, count=1)
    started = time.monotonic()
    slow = invoke("get", "some-id", "--timeout", "0.3", "--json", *cfg)
    assert time.monotonic() - started < 2.0  # the provider's own timeout is 30 s
    assert slow.exit_code == 1
    assert json.loads(slow.output)["error"] == "RequestTimeout"
    for bad in ("0", "-1", "soon"):
        refused = invoke("get", "some-id", "--timeout", bad, *cfg)
        assert refused.exit_code == 2
        assert "--timeout" in refused.output
    assert "--timeout" not in invoke("emulate", "--help").output  # only where it applies
