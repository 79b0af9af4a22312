"""What a person sees at 80 columns: nothing cut off, brackets kept, outcomes told apart."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from promokit.cli import main

from .cli_support import BackgroundEmulators, config, emulators, invoke, write
from .promotion_toml import card_promotion

__all__ = ["config", "emulators"]  # fixtures used by name below

BRACKETS = card_promotion(
    "Promo [b]X[/b] [red]kartu[/red]",
    "KODE[b]1",
    uses=1,
    ends_at="2030-12-31T16:59:59Z",
    banks=("BCA",),
)

MAYAR_ONLY = """
[[promotions]]
name = "Diskon Murmer"
code = "HARIBAIK"
discount = { type = "fixed", amount = 100000 }
limit = { type = "quota", uses = 1 }
ends_at = 2030-01-01T09:06:14.933Z
"""


def test_square_brackets_in_names_codes_and_messages_are_kept(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "b.toml", BRACKETS)
    cfg = ("-p", "durianpay", "--config", str(config))
    plan = invoke("plan", file, *cfg, "--policy", "drop")
    assert "Plan for 'Promo [b]X[/b] [red]kartu[/red]'" in plan.output
    assert "KODE[b]1" in plan.output
    created = invoke("create", file, *cfg)
    assert created.exit_code == 0, created.output
    assert "[b]X[/b]" in created.output
    listed = invoke("list", *cfg)
    assert "[b]X[/b]" in listed.output.replace("\n", " ")
    scaffold = invoke("new-provider", "acme", "--dir", str(tmp_path))
    assert "[test]" in scaffold.output
    odd = '\n[providers.odd]\nplugin = "mayar"\napi_key = "k"\noptions = { "[x]" = 1 }\n'
    options = write(tmp_path, "o.toml", config.read_text() + odd)
    check = invoke("config", "check", "--config", options)
    assert check.exit_code == 2
    assert "[providers.odd]" in check.output


def test_ids_codes_and_keys_are_never_cut_at_80_columns(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "m.toml", MAYAR_ONLY)
    cfg = ("--config", str(config))
    created = invoke("create", file, *cfg)
    assert created.exit_code == 0, created.output
    (discount,) = emulators.mayar.discounts.values()
    assert discount.id in created.output
    listed = invoke("list", *cfg)
    assert discount.id in listed.output
    assert "HARIBAIK" in listed.output or "HARIBAIK" in invoke("get", discount.id, *cfg).output
    assert "…" not in listed.output
    assert "..." not in listed.output
    for line in (created.output + listed.output).splitlines():
        assert len(line) <= 80, line


def test_an_unknown_outcome_gives_its_key_and_the_cli_command_uncut(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    emulators.mayar.faults.add("drop_after", method="POST")
    emulators.mayar.faults.add("status", status=503, count=10, method="GET")
    file = write(tmp_path, "m.toml", MAYAR_ONLY)
    cfg = ("--config", str(config))
    lost = invoke("create", file, *cfg)
    assert lost.exit_code == 1
    assert "client.reconcile" not in lost.output
    command = re.search(r"run: promokit reconcile (create:\S+) -p mayar", lost.output)
    assert command is not None, lost.output
    for line in lost.output.splitlines():
        assert len(line) <= 80 or "promokit reconcile" in line, line
    as_json = invoke("create", file, "--json", *cfg)
    outcome = json.loads(as_json.output)[0]["outcomes"][0]
    assert outcome["idempotency_key"] == command.group(1)
    assert outcome["outcome"] != "created"
    assert "run: promokit reconcile" in outcome["error"]
    emulators.mayar.faults.clear()
    settled = invoke("reconcile", outcome["idempotency_key"], "-p", "mayar", *cfg)
    assert settled.exit_code == 0, settled.output
    assert "recorded" in settled.output


def test_plans_show_scopes_in_words_one_date_format_and_right_plurals(
    config: Path, tmp_path: Path
) -> None:
    file = write(tmp_path, "b.toml", BRACKETS)
    plan = invoke("plan", file, "--all", "--config", str(config)).output
    assert "CardScope" not in plan
    assert "cards with BIN 424242 or from BCA" in plan.replace("\n", " ").replace("│", " ")
    assert "1 use " in plan
    assert "1 uses" not in plan
    assert "2026-01-01 00:00:00 UTC" in plan
    assert "2030-12-31 16:59:59 UTC" in plan
    extensions = write(
        tmp_path,
        "e.toml",
        MAYAR_ONLY + 'extensions = { mayar = { note = "x" } }\n',
    )
    assert "{'note'" not in invoke("plan", extensions, "--config", str(config)).output


def test_export_counts_with_the_right_plural(config: Path, tmp_path: Path) -> None:
    invoke("create", write(tmp_path, "m.toml", MAYAR_ONLY), "--config", str(config))
    exported = invoke("export", "--config", str(config))
    assert "exported 1 promotion\n" in exported.output
    assert "promotion(s)" not in exported.output


def every_command() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in main.commands.items():  # type: ignore[attr-defined]
        if isinstance(command, click.Group):
            found.extend((f"{name} {sub}", c) for sub, c in command.commands.items())
        else:
            found.append((name, command))
    return found


@pytest.mark.parametrize(("name", "command"), every_command(), ids=lambda x: str(x))
def test_every_option_has_help_and_every_command_an_example(
    name: str, command: click.Command
) -> None:
    undocumented = [
        option.opts[0]
        for option in command.params
        if isinstance(option, click.Option) and not option.help
    ]
    assert not undocumented, f"{name}: {undocumented}"
    if name not in ("providers", "demo"):
        assert "Example" in (command.help or ""), name


def test_the_command_list_cuts_no_description_at_80_columns() -> None:
    listing = invoke("--help").output
    commands = listing.partition("Commands:")[2]
    assert "..." not in commands
    assert "…" not in commands
    assert "Shell completion" in listing


def test_status_is_a_fixed_choice() -> None:
    refused = invoke("list", "--status", "actve")
    assert refused.exit_code == 2
    assert "'actve' is not one of 'active'" in refused.output


def test_shell_completion_works_as_documented(tmp_path: Path) -> None:
    # Completion is keyed to the program name: ask the installed script itself.
    script = Path(sys.executable).parent / "promokit"
    sourced = subprocess.run(
        [str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "_PROMOKIT_COMPLETE": "bash_source"},
    )
    assert "complete -o nosort -F" in sourced.stdout, sourced.stdout
    words = subprocess.run(
        [str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            **os.environ,
            "_PROMOKIT_COMPLETE": "bash_complete",
            "COMP_WORDS": "promokit mig",
            "COMP_CWORD": "1",
        },
    )
    assert "migrate" in words.stdout
    docs = (Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "_PROMOKIT_COMPLETE=bash_source promokit" in docs
