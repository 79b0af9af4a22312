"""``promokit diff`` and ``promokit apply`` against both emulators over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promokit.cli import confirm

from .cli_support import BackgroundEmulators, config, emulators, invoke

__all__ = ["config", "emulators"]  # fixtures used by name below


FILE = """
[[promotions]]
name = "Diskon [bold]tebal[/bold]"
code = "TEBAL10"
discount = { type = "fixed", amount = 10000 }
limit = { type = "quota", uses = 20 }
ends_at = 2030-06-30T16:59:59Z

[[promotions]]
name = "Diskon kedua kali"
code = "KEDUA5"
discount = { type = "percent", value = "5" }
limit = { type = "quota", uses = 50 }
min_purchase = 100000
ends_at = 2030-06-30T16:59:59Z
"""


@pytest.fixture
def promotions(tmp_path: Path) -> Path:
    path = tmp_path / "promotions.toml"
    path.write_text(FILE, encoding="utf-8")
    return path


def test_diff_on_an_empty_gateway_lists_creates_and_exits_2(config: Path, promotions: Path) -> None:
    result = invoke("diff", str(promotions), "-p", "mayar", "--config", str(config))
    assert result.exit_code == 2, result.output
    assert "2 to create" in result.output
    # A name that looks like markup is shown as written, never styled away.
    assert "Diskon [bold]tebal[/bold]" in result.output
    as_json = invoke("diff", str(promotions), "-p", "mayar", "--config", str(config), "--json")
    assert as_json.exit_code == 2
    data = json.loads(as_json.output)
    assert (data["in_sync"], data["changes"], data["problems"]) == (False, 2, 0)
    [target] = data["targets"]
    assert [c["name"] for c in target["create"]] == [
        "Diskon [bold]tebal[/bold]",
        "Diskon kedua kali",
    ]


def test_apply_then_diff_is_in_sync_and_exits_0(
    config: Path, promotions: Path, emulators: BackgroundEmulators
) -> None:
    applied = invoke("apply", str(promotions), "-p", "mayar", "--yes", "--config", str(config))
    assert applied.exit_code == 0, applied.output
    assert applied.output.count("created") == 2
    assert len(emulators.mayar.discounts) == 2
    again = invoke("diff", str(promotions), "-p", "mayar", "--config", str(config))
    assert again.exit_code == 0, again.output
    assert "in sync: nothing to change" in again.output
    # Applying an in-sync file asks nothing and sends nothing.
    idle = invoke("apply", str(promotions), "-p", "mayar", "--config", str(config))
    assert idle.exit_code == 0, idle.output
    assert len(emulators.mayar.discounts) == 2


def test_an_update_mayar_cannot_make_is_shown_with_whole_ids_and_what_to_do(
    config: Path, promotions: Path, emulators: BackgroundEmulators
) -> None:
    assert (
        invoke("apply", str(promotions), "-p", "mayar", "-y", "--config", str(config)).exit_code
        == 0
    )
    promotions.write_text(FILE.replace("min_purchase = 100000", "min_purchase = 250000"))
    result = invoke("diff", str(promotions), "-p", "mayar", "--config", str(config))
    assert result.exit_code == 2, result.output
    [discount_id] = [
        d.id for d in emulators.mayar.discounts.values() if d.name == "Diskon kedua kali"
    ]
    assert len(discount_id) > 30
    assert discount_id in result.output  # whole, on one line, at 80 columns
    assert "min_purchase" in result.output
    assert "250000" in result.output
    assert "cannot update" in result.output
    applied = invoke("apply", str(promotions), "-p", "mayar", "-y", "--config", str(config))
    assert applied.exit_code == 1
    assert "impossible" in applied.output
    assert "dashboard" in applied.output


def test_apply_without_a_terminal_refuses_and_sends_nothing(
    config: Path, promotions: Path, emulators: BackgroundEmulators
) -> None:
    result = invoke("apply", str(promotions), "-p", "mayar", "--config", str(config))
    assert result.exit_code == 2
    assert "re-run with --yes" in result.output
    assert emulators.mayar.discounts == {}


def test_a_file_edited_while_apply_runs_is_refused(
    config: Path, promotions: Path, emulators: BackgroundEmulators, monkeypatch: pytest.MonkeyPatch
) -> None:
    def edit_while_asking(*_: object) -> None:
        promotions.write_text(FILE.replace("uses = 20", "uses = 21"), encoding="utf-8")

    monkeypatch.setattr(confirm, "ask", edit_while_asking)
    result = invoke("apply", str(promotions), "-p", "mayar", "--config", str(config))
    assert result.exit_code == 2
    assert "was edited after the diff was shown; nothing was sent" in result.output
    assert emulators.mayar.discounts == {}


def test_every_diff_error_exits_1(config: Path, promotions: Path, tmp_path: Path) -> None:
    unknown_alias = invoke("diff", str(promotions), "-p", "nope", "--config", str(config))
    assert unknown_alias.exit_code == 1, unknown_alias.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[[promotions]]\nname = 3\n", encoding="utf-8")
    assert invoke("diff", str(broken), "--config", str(config)).exit_code == 1
    assert invoke("diff", str(tmp_path / "missing.toml"), "--config", str(config)).exit_code == 1
    # Durianpay cannot express these (no start date, no payment scope): a problem, not a change.
    cannot = invoke("diff", str(promotions), "-p", "durianpay", "--config", str(config))
    assert cannot.exit_code == 1, cannot.output
    assert "cannot express promotions[0]" in cannot.output


def test_diff_all_compares_every_target(config: Path, promotions: Path) -> None:
    result = invoke("diff", str(promotions), "--all", "--config", str(config), "--json")
    data = json.loads(result.output)
    assert [t["provider"] for t in data["targets"]] == ["durianpay", "mayar"]
