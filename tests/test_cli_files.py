"""Promotions and config files: checked whole, every problem at once, nothing half-sent."""

from __future__ import annotations

import json
from pathlib import Path

from .cli_support import BackgroundEmulators, config, emulators, invoke, write

__all__ = ["config", "emulators"]  # fixtures used by name below

EXAMPLES = str(Path(__file__).parent.parent / "promokit" / "examples" / "promotions.toml")

GOOD_AND_BAD = """
[[promotions]]
name = "Diskon Murmer"
code = "HARIBAIK"
discount = { type = "fixed", amount = 100000 }
limit = { type = "quota", uses = 100 }
ends_at = 2030-01-01T00:00:00Z

[[promotions]]
name = "Kartu saja"
code = "KARTU"
discount = { type = "percent", value = "10" }
limit = { type = "quota", uses = 5 }
ends_at = 2030-01-01T00:00:00Z
payment = { type = "card", bins = ["424242"] }
"""


def test_the_example_file_on_mayar_sends_nothing_and_names_every_failing_promotion(
    config: Path, emulators: BackgroundEmulators
) -> None:
    result = invoke("create", EXAMPLES, "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "2 promotions of 3 cannot be created as written; nothing was sent" in result.output
    assert "KARTU10-2030 @ mayar: payment:" in result.output
    assert "Ongkir gratis @ mayar: reward:" in result.output
    assert "--partial creates the others" in result.output
    assert emulators.mayar.discounts == {}  # "Diskon Murmer" was not sent either
    assert emulators.mayar.requests == []


def test_partial_creates_what_passes_and_reports_the_rest(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "p.toml", GOOD_AND_BAD)
    result = invoke("create", file, "--partial", "--json", "--config", str(config))
    assert result.exit_code == 1, result.output  # something was left out: not a clean success
    entries = json.loads(result.output)
    assert [entry["name"] for entry in entries] == ["Diskon Murmer", "Kartu saja"]
    assert entries[0]["outcomes"][0]["outcome"] == "created"
    assert entries[1]["outcomes"][0]["outcome"] == "not_sent"
    assert "payment" in entries[1]["outcomes"][0]["problems"][0]
    assert [d.name for d in emulators.mayar.discounts.values()] == ["Diskon Murmer"]
    human = invoke("create", file, "--partial", "--config", str(config))
    assert "not sent: Kartu saja @ mayar: payment:" in human.output


def test_an_ends_at_in_the_past_is_refused_before_any_request(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "old.toml", GOOD_AND_BAD.replace("2030-01-01", "2021-01-01", 1))
    for command in ("create", "plan"):
        result = invoke(command, file, "--config", str(config))
        assert result.exit_code == 2
        assert "promotions[0].ends_at: is already in the past" in result.output
    assert emulators.mayar.requests == []


def test_every_problem_of_a_promotions_file_at_once_with_near_misses(
    config: Path, tmp_path: Path
) -> None:
    file = write(
        tmp_path,
        "typos.toml",
        """
[[promotion]]
name = "lost if ignored"
discount = { type = "fixed", amount = 1 }

[[promotions]]
nmae = "Typo"
discount = { type = "fixed", amout = 5 }
limit = { type = "quota", uses = "ten" }
customers = "al"
""",
    )
    result = invoke("plan", file, "--config", str(config))
    assert result.exit_code == 2
    for line in (
        "has 7 problems; nothing was sent",
        "promotions[0].discount.amount: required",
        "promotion: unknown top-level key; did you mean 'promotions'?",
        "promotions[0].nmae: unknown key; did you mean 'name'?",
        "promotions[0].name: required",
        "promotions[0].discount.amout: unknown key; did you mean 'amount'?",
        "promotions[0].limit.uses: Expected `int`, got `str`",
        "promotions[0].customers: must be one of 'all', 'new', 'returning'; did you mean 'all'?",
    ):
        assert line in result.output
    as_json = json.loads(invoke("plan", file, "--json", "--config", str(config)).output)
    assert len(as_json["problems"]) == 7


def test_every_problem_of_a_config_file_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "promokit.toml",
        'defualt = "shop"\n[providers.shop]\nplugin = "mayar"\nenviroment = "sandbox"\n'
        'api_kye = "x"\n[provider.other]\nplugin = "durianpay"\n',
    )
    result = invoke("config", "check", "--config", path)
    assert result.exit_code == 2
    for line in (
        "has 4 problems",
        "defualt: unknown key; did you mean 'default'?",
        "provider: unknown key; did you mean 'providers'?",
        "providers.shop.enviroment: unknown key; did you mean 'environment'?",
        "providers.shop.api_kye: unknown key; did you mean 'api_key'?",
    ):
        assert line in result.output
    assert "Traceback" not in result.output


def test_config_check_keeps_square_brackets_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "promokit.toml", '[providers.shop]\nplugin = "mayar"\n')
    result = invoke("config", "check", "--config", path)
    assert result.exit_code == 2
    assert "[providers.shop]" in result.output  # the plugin's own message, unmangled


def test_migrate_fill_is_json_checked_up_front_and_needs_two_providers(
    config: Path, emulators: BackgroundEmulators
) -> None:
    cfg = ("--config", str(config))
    same = invoke("migrate", "--from", "mayar", "--to", "mayar", *cfg)
    assert same.exit_code == 2
    assert "--from and --to are both 'mayar'" in same.output
    bad = invoke(
        "migrate",
        "--from",
        "mayar",
        "--to",
        "durianpay",
        "--fill",
        "paymnt={}",
        "--fill",
        'payment={"type": "card", "bnks": ["BCA"]}',
        "--fill",
        "starts_at=soon",
        *cfg,
    )
    assert bad.exit_code == 2
    assert "--fill paymnt: not a promotion field; did you mean 'payment'?" in bad.output
    assert "--fill payment.bnks: unknown key; did you mean 'banks'?" in bad.output
    assert "--fill starts_at: Invalid RFC3339 encoded datetime" in bad.output
    assert emulators.mayar.requests == []
    assert emulators.durianpay.requests == []
    help_text = invoke("migrate", "--help").output
    assert '--fill \'payment={"type": "card", "banks": ["BCA"]}\'' in help_text


def test_the_demo_prints_fills_that_paste_as_json() -> None:
    demo = invoke("demo").output
    line = next(text for text in demo.splitlines() if text.startswith("--fill"))
    value = line.split("'")[1].partition("=")[2]
    assert json.loads(value) == {"type": "card", "banks": ["BCA"]}
