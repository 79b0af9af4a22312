"""Human output for the promokit command: rich tables for plans, promotions and reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from promokit.capabilities import FIELDS, OPERATIONS, Manifest, Plan, describe
from promokit.model import Promotion, Usage, Validation

if TYPE_CHECKING:
    from promokit.fanout import FanoutResult
    from promokit.migrate import MigrationReport

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
    table = Table(title=f"Plan for {promotion.name!r}")
    table.add_column("field")
    table.add_column("value")
    for plan in plans:
        table.add_column(plan.provider)
    for index, field in enumerate(FIELDS):
        lines = [plan.lines[index] for plan in plans]
        if all(line.action == "not_set" for line in lines):
            continue
        value = next((line.value for line in lines if line.value), "")
        table.add_row(field, value, *(styled(line.action) for line in lines))
    return table


def problems_text(plans: Sequence[Plan]) -> Text:
    """Every problem of every plan, one per line."""
    text = Text()
    for plan in plans:
        for problem in plan.problems:
            text.append(f"  {plan.provider}: ", style="bold")
            text.append(f"{problem.path}: {problem.message}\n", style="red")
    return text


def promotions_side_by_side(promotions: Sequence[Promotion]) -> Table:
    """Neutral views of promotions from different providers, field by field."""
    table = Table(title="Neutral view")
    table.add_column("field")
    for promotion in promotions:
        table.add_column(f"{promotion.provider}: {promotion.id}")
    rows = ("name", *FIELDS[1:], "status", "coupons", "created_at")
    for field in rows:
        if field == "coupons":
            cells = [
                ", ".join(c.code for c in p.coupons[:3]) + ("…" if len(p.coupons) > 3 else "")
                for p in promotions
            ]
        elif field in ("status", "created_at"):
            cells = [str(getattr(p, field) or "") for p in promotions]
        else:
            cells = [_cell(p, field, describe(p, field)) for p in promotions]
        if any(cells):
            table.add_row(field, *cells)
    return table


UNKNOWN_MARK = "?"
"""Shown for a field the provider did not report (``Promotion.unknown``), never a blank."""


def _cell(promotion: Promotion, field: str, shown: str) -> str:
    if promotion.known(field):
        return shown
    return f"{shown} {UNKNOWN_MARK}" if shown and field == "discount" else UNKNOWN_MARK


def promotions_list(promotions: Sequence[Promotion]) -> Table:
    """A compact list of promotions; "?" marks a field the provider did not report."""
    table = Table(title="Promotions")
    for column in ("id", "name", "code", "discount", "min_purchase", "limit", "status", "ends_at"):
        table.add_column(column)
    for promotion in promotions:
        code = promotion.code or ", ".join(c.code for c in promotion.coupons[:2])
        table.add_row(
            promotion.id or "",
            promotion.name,
            _cell(promotion, "code", code),
            _cell(promotion, "discount", describe(promotion, "discount")),
            _cell(promotion, "min_purchase", describe(promotion, "min_purchase")),
            _cell(promotion, "limit", describe(promotion, "limit")),
            styled(promotion.status or "unknown"),
            str(promotion.ends_at or ""),
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


def fanout_table(results: Sequence[FanoutResult]) -> Table:
    """Per promotion and provider: created, failed, rolled back or left in place."""
    table = Table(title="Create")
    for column in ("promotion", "provider", "outcome", "id", "note"):
        table.add_column(column)
    for result in results:
        for outcome in result.outcomes:
            table.add_row(
                result.name,
                outcome.provider,
                styled(outcome.outcome),
                outcome.promotion.id if outcome.promotion else "",
                (outcome.error or "").splitlines()[0] if outcome.error else "",
            )
    return table


def migration_table(report: MigrationReport) -> Table:
    """The final migration report: one row per source promotion."""
    verb = "Dry run" if report.dry_run else "Migration"
    table = Table(title=f"{verb} {report.source} → {report.target} (policy {report.policy})")
    for column in ("source id", "name", "result", "target id", "details"):
        table.add_column(column)
    for item in report.items:
        details = [f"{p.path}: {p.message}" for p in item.reasons]
        if item.dropped:
            details.append(f"dropped: {', '.join(item.dropped)}")
        if item.filled:
            details.append(f"filled: {', '.join(item.filled)}")
        if item.error:
            details.append(item.error.splitlines()[0])
        table.add_row(
            item.source_id or "",
            item.name,
            styled(item.status),
            item.target_id or "",
            "\n".join(details),
        )
    table.caption = (
        f"migrated {report.count('migrated')}, already there "
        f"{report.count('already_migrated')}, planned {report.count('planned')}, "
        f"skipped {report.count('skipped')}, failed {report.count('failed')}"
    )
    return table
