"""``codes add`` and ``codes import``: make codes the gateway never returns known to promokit."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from promokit.cli.context import Context, bounded, common, run
from promokit.cli.read import PROVIDER
from promokit.errors import InvalidInput, Problem, plural


@click.group()
def codes() -> None:
    """Register codes of promos made elsewhere (Durianpay never returns a promo's code)."""


@codes.command("add")
@click.argument("code")
@click.argument("promo_id")
@PROVIDER
@common
@bounded
def add(context: Context, code: str, promo_id: str, provider: str | None) -> None:
    """Record that PROMO_ID carries CODE (the promo is read by id first).

    \b
    Example:
      promokit codes add HEMAT10 prm_7Xy2 -p cards
    """
    found = run(context, lambda client: client.register_code(code, promo_id, provider))
    if context.as_json:
        context.emit({"code": code, "promotion": found})
    else:
        context.out.print(f"registered {code} as {found.id} ({found.name})", markup=False)


@codes.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@PROVIDER
@common
@bounded
def import_(context: Context, file: str, provider: str | None) -> None:
    """Register every code in a CSV file with columns ``code`` and ``promo_id``.

    \b
    Example:
      promokit codes import dashboard-codes.csv -p cards
    """
    pairs = read_pairs(Path(file))
    found = run(context, lambda client: client.register_codes(pairs, provider))
    if context.as_json:
        context.emit({"registered": len(found)})
    else:
        context.out.print(f"registered {plural(len(found), 'code')} from {file}", markup=False)


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """``(code, promo_id)`` rows of ``path``; a missing column or value names its row.

    The file is UTF-8, with or without the byte-order mark Excel's "CSV UTF-8" writes;
    any other encoding is refused by name rather than misread.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path} is not UTF-8 text (byte {error.start} cannot be read as UTF-8); "
            "save it as UTF-8 (in Excel: CSV UTF-8) and import it again",
            problems=[Problem(str(path), "must be UTF-8")],
        ) from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"code", "promo_id"} - set(reader.fieldnames or ())
        if missing:
            raise InvalidInput(
                f"{path} needs the columns code and promo_id",
                problems=[Problem(name, "column missing") for name in sorted(missing)],
            )
        pairs, problems = [], []
        for line, row in enumerate(reader, start=2):
            code, promo_id = (row.get("code") or "").strip(), (row.get("promo_id") or "").strip()
            if not code or not promo_id:
                problems.append(Problem(f"line {line}", "code and promo_id must both be set"))
            pairs.append((code, promo_id))
    if problems:
        raise InvalidInput(f"{path} has rows without a code or a promo id", problems=problems)
    return pairs
