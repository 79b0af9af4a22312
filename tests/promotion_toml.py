"""Promotions files the CLI tests write: one card promotion, varied only where a test needs it."""

from __future__ import annotations

import json


def card_promotion(
    name: str,
    code: str,
    *,
    percent: str = "10",
    uses: int = 10,
    ends_at: str = "2030-01-01T00:00:00Z",
    banks: tuple[str, ...] = (),
) -> str:
    """A ``[[promotions]]`` table: a percent off card payments with BIN 424242, from 2026."""
    bank_list = f", banks = {json.dumps(list(banks))}" if banks else ""
    return f"""
[[promotions]]
name = {json.dumps(name)}
code = {json.dumps(code)}
discount = {{ type = "percent", value = "{percent}" }}
limit = {{ type = "quota", uses = {uses} }}
starts_at = 2026-01-01T00:00:00Z
ends_at = {ends_at}
payment = {{ type = "card", bins = ["424242"]{bank_list} }}
"""
