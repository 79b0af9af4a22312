"""A newcomer's first hour at 80 columns, as real processes, asserting on what a person sees.

emulate both -> config check -> plan -> create -> list -> validate -> usage -> update ->
export -> migrate -> delete.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PROMOKIT = [sys.executable, "-m", "promokit.cli"]
SCREEN = {"COLUMNS": "80", "LINES": "40", "NO_COLOR": "1", "TERM": "dumb"}

SHOP = """
[[promotions]]
name = "Diskon Murmer"
code = "HARIBAIK"
discount = { type = "fixed", amount = 100000 }
min_purchase = 500000
limit = { type = "quota", uses = 100 }
ends_at = 2030-01-01T09:06:14.933Z
products = ["kelas-python"]
"""

CARDS = """
[[promotions]]
name = "KARTU10-2030"
code = "KARTU10"
discount = { type = "percent", value = "10", max_amount = 50000 }
min_purchase = 100000
limit = { type = "quota", uses = 500 }
starts_at = 2026-01-01T00:00:00Z
ends_at = 2030-12-31T16:59:59Z
payment = { type = "card", bins = ["424242"], banks = ["BCA"] }
"""

PROMOTIONS = "# One promotion for each gateway, as a shop would write them.\n" + SHOP + CARDS


class Emulator:
    """``promokit emulate PLUGIN --json`` in its own process, and what it printed."""

    def __init__(self, plugin: str, *options: str) -> None:
        self.process = subprocess.Popen(
            [*PROMOKIT, "emulate", plugin, "--json", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **SCREEN},
        )
        assert self.process.stdout is not None
        lines = []
        while not lines or not lines[-1].startswith("}"):
            line = self.process.stdout.readline()
            assert line, self.process.stderr.read() if self.process.stderr else "no output"
            lines.append(line)
        self.info = json.loads("".join(lines))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def gateways() -> Iterator[tuple[Emulator, Emulator]]:
    mayar = Emulator("mayar", "--product", "kelas-python", "--alias", "shop")
    durianpay = Emulator("durianpay", "--activate", "--echo-codes", "--alias", "cards")
    yield mayar, durianpay
    mayar.stop()
    durianpay.stop()


class Person:
    """Someone typing ``promokit ...`` in a directory, at an 80-column terminal."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def run(self, *args: str, expect: int = 0) -> str:
        done = subprocess.run(
            [*PROMOKIT, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.directory,
            env={**os.environ, **SCREEN},
        )
        seen = done.stdout + done.stderr
        assert done.returncode == expect, f"promokit {' '.join(args)}:\n{seen}"
        assert "Traceback" not in seen
        for line in seen.splitlines():
            # Tables fit the screen; only free text (messages, commands) may run on.
            if line[:1] in "┏┃┡│└━ " and any(c in line for c in "┃│━─"):
                assert len(line) <= 80, f"wider than the terminal: {line!r}"
        return seen


def test_the_first_hour(gateways: tuple[Emulator, Emulator], tmp_path: Path) -> None:
    mayar, durianpay = gateways
    (tmp_path / "promokit.toml").write_text(
        'default = "shop"\n\n' + mayar.info["config"] + "\n" + durianpay.info["config"],
        encoding="utf-8",
    )
    (tmp_path / "promotions.toml").write_text(PROMOTIONS, encoding="utf-8")
    me = Person(tmp_path)

    # The emulators said what to paste and what to try.
    assert "[providers.shop]" in mayar.info["config"]
    assert any("promokit validate HARIBAIK" in line for line in mayar.info["examples"])

    checked = me.run("config", "check")
    assert "default provider shop" in checked
    assert "shop: plugin mayar" in checked
    assert "cards: plugin durianpay" in checked

    # Each promotion fits one gateway: the plan says so field by field, and strict
    # create refuses the file as a whole, naming each refusal, sending nothing.
    plan = me.run("plan", "promotions.toml", "--all", expect=2)
    assert "Plan for 'Diskon Murmer'" in plan
    assert "cards with BIN 424242" in plan  # a payment scope in words
    assert "CardScope" not in plan
    assert "KARTU10-2030 @ shop" not in plan  # plan shows tables, not a refusal
    refused = me.run("create", "promotions.toml", "--all", expect=2)
    assert "2 promotions of 2 cannot be created as written; nothing was sent" in refused
    assert "Diskon Murmer @ cards: products:" in refused
    assert "KARTU10-2030 @ shop: payment:" in refused

    (tmp_path / "shop.toml").write_text(SHOP, encoding="utf-8")
    (tmp_path / "cards.toml").write_text(CARDS, encoding="utf-8")
    created = me.run("create", "shop.toml")
    assert "Diskon Murmer" in created
    assert "created" in created
    again = me.run("create", "shop.toml")
    assert "already created" in again  # the ledger remembers: nothing sent twice
    on_cards = me.run("create", "cards.toml", "-p", "cards", "--json")
    card_promo = json.loads(on_cards)[0]["outcomes"][0]["promotion"]
    card_id = card_promo["id"]
    assert card_promo["status"] == "active"

    listed = me.run("list")
    shop_promo = json.loads(me.run("list", "--json"))[0]
    assert shop_promo["id"] in listed  # the whole id, copyable
    assert "…" not in listed
    listed_cards = me.run("list", "-p", "cards")
    assert card_id in listed_cards
    assert "KARTU10" in listed_cards

    accepted = me.run("validate", "HARIBAIK", "--amount", "600000", "--product", "kelas-python")
    assert "HARIBAIK @ shop: accepted, discount 100000" in accepted
    too_small = me.run(
        "validate", "HARIBAIK", "--amount", "200000", "--product", "kelas-python", expect=1
    )
    assert "refused (MIN_PURCHASE_NOT_MET)" in too_small
    card = me.run(
        "validate",
        "KARTU10",
        "--amount",
        "300000",
        "-p",
        "cards",
        "--payment-method",
        "card",
        "--card-bin",
        "42424242",
    )
    assert "KARTU10 @ cards: accepted, discount 30000" in card

    used = me.run("usage", "HARIBAIK")
    assert "HARIBAIK: used 0 of 100, 100 remaining" in used

    # Export the card promotion, edit it, update it; Mayar cannot update, and says why.
    exported = subprocess.run(
        [*PROMOKIT, "export", "-p", "cards", "-o", "cards.json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={**os.environ, **SCREEN},
    )
    assert exported.returncode == 0, exported.stderr
    assert "exported 1 promotion" in exported.stderr
    document = json.loads((tmp_path / "cards.json").read_text(encoding="utf-8"))
    (entry,) = document["promotions"]
    entry["name"] = "KARTU15-2030"
    entry["discount"]["value"] = "15"
    (tmp_path / "edited.json").write_text(json.dumps(document), encoding="utf-8")
    updated = me.run("update", "edited.json")
    assert card_id in updated
    assert "KARTU15-2030" in updated
    cannot = me.run("update", "edited.json", "-p", "shop", expect=2)
    assert "shop (mayar) does not offer update" in cannot

    # Move the Mayar promotion to Durianpay, filling what Durianpay requires, as JSON.
    fills = (
        "--fill",
        'payment={"type": "card", "banks": ["BCA"]}',
        "--fill",
        'starts_at="2026-01-01T00:00:00Z"',
    )
    strict = me.run("migrate", "--from", "shop", "--to", "cards", "--dry-run", *fills)
    assert "skipped 1" in strict
    assert "Diskon Murmer: products:" in strict  # Durianpay has no product scope
    fills = (*fills, "--policy", "drop")
    dry = me.run("migrate", "--from", "shop", "--to", "cards", "--dry-run", *fills)
    assert "Dry run shop → cards (policy drop)" in dry
    assert "planned 1" in dry
    assert "Diskon Murmer: dropped: products" in dry
    # Dropping the product scope widens who can use it: asked, refused without a terminal.
    asked = me.run("migrate", "--from", "shop", "--to", "cards", *fills, expect=2)
    assert "Diskon Murmer @ cards: products" in asked
    assert "re-run with --yes" in asked
    moved = me.run("migrate", "--from", "shop", "--to", "cards", *fills, "--yes")
    assert "migrated 1" in moved
    rerun = me.run("migrate", "--from", "shop", "--to", "cards", *fills, "--yes")
    assert "already there 1" in rerun

    # Delete asks first; without a terminal and without --yes nothing goes.
    kept = me.run("delete", card_id, "-p", "cards", expect=2)
    assert card_id in kept
    assert "re-run with --yes" in kept
    gone = me.run("delete", card_id, "-p", "cards", "--yes")
    assert f"deleted {card_id} from cards" in gone
    assert card_id not in me.run("list", "-p", "cards")
    no_delete = me.run("delete", shop_promo["id"], "--yes", expect=2)
    assert "does not offer delete" in no_delete
