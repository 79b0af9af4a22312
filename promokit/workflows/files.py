"""Promotions as files: TOML or JSON in the neutral model, read with errors that name the field."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from promokit.errors import InvalidInput, InvalidPromotion, Problem, plural
from promokit.http import codec
from promokit.model import Promotion
from promokit.workflows.checking import near_miss, table_problems


def load_promotions(path: str | Path, *, now: datetime | None = None) -> list[Promotion]:
    """Every promotion in ``path`` (``[[promotions]]`` in TOML; a list or
    ``{"promotions": [...]}`` in JSON); every problem in the file is reported at once.

    With ``now`` (as for a create), an ``ends_at`` already past is a problem too.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{file} is not UTF-8 text (byte {exc.start})") from None
    raw: Any
    try:
        raw = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(
            f"{file} is not valid {file.suffix.lstrip('.').upper()}: {exc}"
        ) from None
    except RecursionError:
        raise InvalidInput(f"{file} nests arrays or tables too deep to read") from None
    problems: list[Problem] = []
    if isinstance(raw, dict):
        # A misspelt table (``[[promotion]]``) would otherwise drop its promotions unseen.
        problems.extend(
            Problem(str(key), "unknown top-level key" + near_miss(str(key), ["promotions"]))
            for key in raw
            if key != "promotions"
        )
    items = raw.get("promotions") if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        problems.append(
            Problem("promotions", "no promotions (expected [[promotions]] tables or a list)")
        )
        items = []
    promotions: list[Promotion] = []
    for index, item in enumerate(items):
        where = f"promotions[{index}]"
        try:
            found = table_problems(item, Promotion, where, dec_hook=codec.dec_hook)
            if found:
                problems.extend(found)
                continue
            promotion = msgspec.convert(item, Promotion, dec_hook=codec.dec_hook)
        except msgspec.ValidationError as exc:  # a rule the per-key check cannot see
            problems.append(Problem(where, _readable(str(exc))))
            continue
        except InvalidPromotion as exc:  # refused when built (a percent of NaN, say)
            problems.extend(Problem(f"{where}.{p.path}", p.message) for p in exc.problems)
            continue
        except RecursionError:
            problems.append(Problem(where, "nests arrays or tables too deep to read"))
            continue
        problems.extend(
            Problem(f"{where}.{problem.path}", problem.message)
            for problem in promotion.problems(now=now)
        )
        promotions.append(promotion)
    if problems:
        raise InvalidInput(
            f"{file} has {plural(len(problems), 'problem')}; nothing was sent", problems=problems
        )
    return promotions


def _readable(text: str) -> str:
    return text.replace("Object contains unknown field", "unknown field").replace(" - at $", " at ")


def dump_promotion(promotion: Promotion) -> dict[str, Any]:
    """A promotion as JSON-ready builtins (the export format; round-trips through load)."""
    data: dict[str, Any] = codec.to_builtins(promotion)
    return data


def dumps_promotions(promotions: Iterable[Promotion]) -> str:
    """Promotions as a JSON document ``load_promotions`` reads back."""
    return json.dumps(
        {"promotions": [dump_promotion(p) for p in promotions]}, indent=2, ensure_ascii=False
    )
