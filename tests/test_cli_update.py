"""``promokit update FILE``: export, edit, update where the provider can; refused where not."""

from __future__ import annotations

import json
from pathlib import Path

from .cli_support import BackgroundEmulators, config, emulators, invoke, write
from .promotion_toml import card_promotion

__all__ = ["config", "emulators"]  # fixtures used by name below

CARD = card_promotion("Kartu dulu", "DULU10")


def test_export_edit_update_round_trip_on_durianpay(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    cfg = ("-p", "durianpay", "--config", str(config))
    assert invoke("create", write(tmp_path, "c.toml", CARD), *cfg).exit_code == 0
    exported = invoke("export", *cfg)
    document = json.loads(exported.stdout)
    (promotion,) = document["promotions"]
    promotion["name"] = "Kartu sekarang"
    promotion["discount"]["value"] = "15"
    edited = write(tmp_path, "edited.json", json.dumps(document))
    updated = invoke("update", edited, "--json", "--config", str(config))
    assert updated.exit_code == 0, updated.output
    (after,) = json.loads(updated.output)
    assert after["id"] == promotion["id"]
    assert after["name"] == "Kartu sekarang"
    stored = emulators.durianpay.promos[promotion["id"]]
    assert stored.fields["label"] == "Kartu sekarang"
    assert len(emulators.durianpay.promos) == 1  # replaced, not created again
    human = invoke("update", edited, "--config", str(config))
    assert promotion["id"] in human.output


def test_update_is_refused_with_the_reason_where_the_provider_cannot(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    file = write(tmp_path, "m.json", json.dumps([{**_neutral(), "id": "abc", "provider": "mayar"}]))
    refused = invoke("update", file, "--config", str(config))
    assert refused.exit_code == 2
    assert "mayar (mayar) does not offer update" in refused.output
    assert "Mayar dashboard" in refused.output
    assert emulators.mayar.requests == []


def test_update_checks_the_whole_file_first(
    config: Path, tmp_path: Path, emulators: BackgroundEmulators
) -> None:
    promotions = [
        {**_neutral(), "provider": "durianpay"},  # no id: nothing says which to replace
        {**_neutral(), "id": "prm_x", "provider": "durianpay", "ends_at": "2021-01-01T00:00:00Z"},
    ]
    file = write(tmp_path, "u.json", json.dumps(promotions))
    refused = invoke("update", file, "--config", str(config))
    assert refused.exit_code == 2
    assert "promotions[1].ends_at: is already in the past" in refused.output
    fixed = [promotions[0], {**promotions[1], "ends_at": "2030-01-01T00:00:00Z"}]
    missing = invoke(
        "update", write(tmp_path, "v.json", json.dumps(fixed)), "--config", str(config)
    )
    assert missing.exit_code == 2
    assert "promotions[0].id: required to update (export writes it)" in missing.output
    assert emulators.durianpay.requests == []


def _neutral() -> dict[str, object]:
    return {
        "name": "Kartu dulu",
        "code": "DULU10",
        "discount": {"type": "percent", "value": "10"},
        "limit": {"type": "quota", "uses": 10},
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2030-01-01T00:00:00Z",
        "payment": {"type": "card", "bins": ["424242"]},
    }
