"""Human output for the promokit command: rich tables for plans, promotions and reports."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from promokit.model import Promotion, Usage, Validation
from promokit.model.capabilities import FIELDS, OPERATIONS, Manifest, Plan, describe, when

if TYPE_CHECKING:
    from promokit.workflows.fanout import FanoutResult
    from promokit.workflows.migrate import MigrationReport

_STYLE = {
    "native": "green",
    "emulated": "cyan",
    "dropped": "yellow",
    "unsupported": "bold red",
    "not_set": "dim",
    "unknown": "bold magenta",
    "created": "green",
    "already_created": "green",
    "migrated": "green",
    "already_migrated": "green",
    "planned": "cyan",
    "skipped": "yellow",
    "failed": "bold red",
    "rolled_back": "yellow",
    "left_in_place": "bold yellow",
    "rollback_failed": "bold red",
}


def styled(word: str) -> Text:
    """``word`` coloured by what it means."""
    return Text(word.replace("_", " "), style=_STYLE.get(word, ""))


def plain(value: object) -> Text:
    """Text that is not ours (names, codes, provider messages), shown as is: never markup."""
    return Text("" if value is None else str(value))


def copyable(table: Table, header: str, values: Iterable[str | None]) -> None:
    """A column for ids, codes or keys: as wide as its longest value, never cut or wrapped."""
    width = max([len(header), *(len(value or "") for value in values)])
    table.add_column(header, no_wrap=True, min_width=width, overflow="fold")


def folded(table: Table, header: str) -> None:
    """A column whose words wrap and whose long words fold, so nothing ends in an ellipsis."""
    table.add_column(header, overflow="fold")


def manifest_matrix(manifests: dict[str, Manifest], versions: dict[str, str]) -> Table:
    """Neutral field (and operation) x provider: native / emulated / unsupported."""
    table = Table(title="Capabilities", show_lines=False)
    table.add_column("field / operation")
    for name in manifests:
        table.add_column(f"{name} {versions.get(name, '')}".strip())
    for field in FIELDS:
        cells = []
        for manifest in manifests.values():
            support = manifest.field(field)
            text = styled(support.support)
            if support.support != "unsupported" and support.values is not None:
                text.append(f" ({', '.join(support.values)})", style="dim")
            if support.required:
                text.append(" required", style="bold")
            cells.append(text)
        table.add_row(field, *cells)
    table.add_section()
    for operation in OPERATIONS:
        table.add_row(
            f"{operation}()",
            *(styled(m.operations.get(operation, "unsupported")) for m in manifests.values()),
        )
    return table


def plan_table(plans: Sequence[Plan]) -> Table:
    """One row per field, one column per provider: what will happen to the value."""
    promotion = plans[0].promotion
    table = Table(title=Text(f"Plan for {promotion.name!r}"))
    table.add_column("field", no_wrap=True)
    folded(table, "value")
    for plan in plans:
        table.add_column(plain(plan.provider))
    for index, field in enumerate(FIELDS):
        lines = [plan.lines[index] for plan in plans]
        if all(line.action == "not_set" for line in lines):
            continue
        value = next((line.value for line in lines if line.value), "")
        table.add_row(field, plain(value), *(styled(line.action) for line in lines))
    return table


def problems_text(plans: Sequence[Plan]) -> Text:
    """Every problem of every plan, one per line."""
    text = Text()
    for plan in plans:
        for problem in plan.problems:
            text.append(f"  {plan.provider}: ", style="bold")
            text.append(f"{problem.path}: {problem.message}\n", style="red")
    return text


def changes(plan: Plan) -> list[str]:
    """What ``plan`` does not send as written: dropped fields, then emulated ones."""
    dropped = [line.field for line in plan.lines if line.action == "dropped"]
    emulated = [line.field for line in plan.lines if line.action == "emulated"]
    notes = []
    if dropped:
        notes.append(f"dropped: {', '.join(dropped)}")
    if emulated:
        notes.append(f"emulated: {', '.join(emulated)}")
    return notes


def promotions_side_by_side(promotions: Sequence[Promotion]) -> Table:
    """Neutral views of promotions from different providers, field by field."""
    table = Table(title="Neutral view")
    table.add_column("field", no_wrap=True)
    for promotion in promotions:
        folded(table, f"{promotion.provider}: {promotion.id}")
    rows = ("id", "name", *FIELDS[1:], "status", "coupons", "created_at")
    for field in rows:
        if field == "coupons":
            cells = [
                ", ".join(c.code for c in p.coupons[:3])
                + (f" (+{len(p.coupons) - 3} more)" if len(p.coupons) > 3 else "")
                for p in promotions
            ]
        elif field in ("id", "status"):
            cells = [str(getattr(p, field) or "") for p in promotions]
        elif field == "created_at":
            cells = [when(p.created_at) for p in promotions]
        else:
            cells = [_cell(p, field, describe(p, field)) for p in promotions]
        if any(cells):
            table.add_row(field, *map(plain, cells))
    return table


UNKNOWN_MARK = "?"
"""Shown for a field the provider did not report (``Promotion.unknown``), never a blank."""


def _cell(promotion: Promotion, field: str, shown: str) -> str:
    if promotion.known(field):
        return shown
    return f"{shown} {UNKNOWN_MARK}" if shown and field == "discount" else UNKNOWN_MARK


def code_of(promotion: Promotion) -> str:
    """The code customers type (the first generated ones when the provider made them)."""
    if promotion.code:
        return _cell(promotion, "code", promotion.code)
    codes = [coupon.code for coupon in promotion.coupons]
    shown = ", ".join(codes[:2]) + (f" (+{len(codes) - 2})" if len(codes) > 2 else "")
    return _cell(promotion, "code", shown)


def promotions_list(promotions: Sequence[Promotion], width: int | None = None) -> Table:
    """A compact list of promotions; ids and codes are never cut.

    "?" marks a field the provider did not report. When the ids leave too little
    room for every column in ``width``, each promotion's other fields are stacked
    in a second column instead.
    """
    ids = [p.id or "" for p in promotions]
    codes = [code_of(p) for p in promotions]
    fixed = max([2, *map(len, ids)]) + max([4, *map(len, codes)])
    # No vertical rules: they cost width the ids need.
    table = Table(title="Promotions", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False)
    copyable(table, "id", ids)
    if width is not None and fixed + 60 > width:
        folded(table, "promotion")
        for promotion, code in zip(promotions, codes, strict=True):
            details = Text()
            if code:
                details.append(code + "\n", style="bold")
            details.append(f"{promotion.name}\n")
            details.append(_cell(promotion, "discount", describe(promotion, "discount")))
            for field, label in (("min_purchase", "min "), ("limit", "")):
                shown = _cell(promotion, field, describe(promotion, field))
                if shown:
                    details.append(f", {label}{shown}")
            details.append(", ")
            details.append_text(styled(promotion.status or "unknown"))
            if promotion.ends_at:
                details.append(f", ends {when(promotion.ends_at)}")
            table.add_row(plain(promotion.id), details)
        return table
    copyable(table, "code", codes)
    for column in ("name", "discount", "min_purchase", "limit", "status", "ends_at"):
        folded(table, column)
    for promotion, code in zip(promotions, codes, strict=True):
        table.add_row(
            plain(promotion.id),
            plain(code),
            plain(promotion.name),
            plain(_cell(promotion, "discount", describe(promotion, "discount"))),
            plain(_cell(promotion, "min_purchase", describe(promotion, "min_purchase"))),
            plain(_cell(promotion, "limit", describe(promotion, "limit"))),
            styled(promotion.status or "unknown"),
            plain(when(promotion.ends_at)),
        )
    return table


def validation_text(code: str, result: Validation) -> Text:
    """One line saying whether ``code`` applies and why."""
    text = Text(f"{code} @ {result.provider}: ")
    if result.valid:
        text.append(f"accepted, discount {result.discount_amount}", style="bold green")
    else:
        text.append(f"refused ({result.reason})", style="bold red")
    if result.message:
        text.append(f" — provider says: {result.message!r}", style="dim")
    if result.evaluated_locally:
        text.append(" [evaluated locally]", style="cyan")
    return text


def usage_text(usage: Usage) -> Text:
    """Used / limit / remaining for one code."""
    limit = "unlimited" if usage.limit is None else str(usage.limit)
    remaining = "∞" if usage.remaining is None else str(usage.remaining)
    return Text(
        f"{usage.code}: used {usage.used} of {limit}, {remaining} remaining"
        + (" (exhausted)" if usage.exhausted else "")
    )


_PYTHON_RECONCILE = re.compile(r"call client\.reconcile\('([^']*)'(, found_id=\.\.\.)?\)")


def for_the_command_line(message: str, provider: str | None) -> str:
    """``message`` with its Python ``client.reconcile(...)`` advice as the CLI command."""

    def command(match: re.Match[str]) -> str:
        where = f" -p {provider}" if provider else ""
        found = " --found-id ID" if match.group(2) else ""
        return f"run: promokit reconcile {match.group(1)}{where}{found}"

    return _PYTHON_RECONCILE.sub(command, message)


def fanout_table(
    results: Sequence[FanoutResult], notes: Mapping[tuple[str, str], list[str]] | None = None
) -> Group:
    """Per promotion and provider: created, failed, rolled back or left in place.

    Notes (``notes`` by promotion name and provider: what was dropped or emulated;
    errors and what to do next) follow the table at full width, so none is cut off.
    """
    table = Table(title="Create")
    outcomes = [(result.name, outcome) for result in results for outcome in result.outcomes]
    folded(table, "promotion")
    table.add_column("provider", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    copyable(table, "id", (o.promotion.id if o.promotion else "" for _, o in outcomes))
    below = Text()
    for name, outcome in outcomes:
        lines = list((notes or {}).get((name, outcome.provider), ()))
        if outcome.error:
            lines.append(for_the_command_line(outcome.error, outcome.provider))
        for line in lines:
            below.append(f"{name} @ {outcome.provider}: ", style="bold")
            below.append(f"{line}\n")
        table.add_row(
            plain(name),
            plain(outcome.provider),
            styled(outcome.outcome),
            plain(outcome.promotion.id if outcome.promotion else ""),
        )
    return Group(table, below) if below else Group(table)


def migration_table(report: MigrationReport) -> Group:
    """The final migration report: one row per source promotion, details below it."""
    verb = "Dry run" if report.dry_run else "Migration"
    table = Table(title=Text(f"{verb} {report.source} → {report.target} (policy {report.policy})"))
    # Both ids in one column, one above the other: side by side two UUIDs leave no
    # room for the name at 80 columns.
    folded(table, "name")
    table.add_column("result", no_wrap=True)
    copyable(
        table,
        "source id → target id",
        [item.source_id for item in report.items]
        + [f"→ {item.target_id}" for item in report.items if item.target_id],
    )
    below = Text()
    for item in report.items:
        details = [f"{p.path}: {p.message}" for p in item.reasons]
        if item.dropped:
            details.append(f"dropped: {', '.join(item.dropped)}")
        if item.filled:
            details.append(f"filled: {', '.join(item.filled)}")
        if item.error:
            details.append(item.error.splitlines()[0])
        for line in details:
            below.append(f"{item.name}: ", style="bold")
            below.append(f"{line}\n")
        ids = (item.source_id or "") + (f"\n→ {item.target_id}" if item.target_id else "")
        table.add_row(plain(item.name), styled(item.status), plain(ids))
    table.caption = (
        f"migrated {report.count('migrated')}, already there "
        f"{report.count('already_migrated')}, planned {report.count('planned')}, "
        f"skipped {report.count('skipped')}, failed {report.count('failed')}"
    )
    return Group(table, below) if below else Group(table)
