"""``plan`` and ``create``: a whole file checked against every provider before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

import click
import msgspec

from promokit.cli import bulk_bar, render
from promokit.cli.bulk_bar import BulkBar
from promokit.cli.confirm import ask, widened, yes_option
from promokit.cli.context import EXIT_PROVIDER, EXIT_USAGE, Context, bounded, common, run
from promokit.client import Client
from promokit.errors import Problem, UnknownFields, UnsupportedFeature, plural
from promokit.http import codec
from promokit.model import Promotion, Quota
from promokit.model.capabilities import Plan, Policy
from promokit.workflows.files import load_promotions

POLICY = click.option(
    "--policy",
    type=click.Choice(["strict", "drop"]),
    default="strict",
    show_default=True,
    help="What to do with a field a provider cannot express: refuse the promotion "
    "(strict) or send it without the field (drop; listed, and asked about when it "
    "widens who can use the promotion).",
)


ALLOW_UNKNOWN = click.option(
    "--allow-unknown",
    is_flag=True,
    help="Send fields the source did not report (listed in unknown) as they are.",
)


def aliases(client: Client, chosen: tuple[str, ...], everywhere: bool) -> list[str]:
    """The providers a command works on: ``--all``, the ``-p`` ones, or the default."""
    if everywhere:
        return sorted(client.config.providers)
    return list(chosen) or [client.config.settings(None).alias]


def plan_all(
    client: Client,
    promotions: list[Promotion],
    where: list[str],
    policy: Policy,
    allow_unknown: bool = False,
) -> list[list[Plan]]:
    """Every promotion planned for every provider; no I/O."""
    return [
        [client.plan(p, alias, policy=policy, allow_unknown=allow_unknown) for alias in where]
        for p in promotions
    ]


def _batch_plan(
    client: Client, promotion: Promotion, alias: str, count: int, policy: Policy, allow: bool
) -> Plan:
    """The plan of one batch of a bulk create (single-use codes, as many as a request takes)."""
    size = client.provider(alias).manifest.limits.max_codes_per_request or count
    batch = msgspec.structs.replace(
        promotion, coupon_type="single_use", code=None, limit=Quota(uses=min(size, count))
    )
    return client.plan(batch, alias, policy=policy, allow_unknown=allow)


def refusals(promotions: list[Promotion], plans: list[list[Plan]]) -> list[Problem]:
    """Every problem of every plan, located by promotion name and provider."""
    return [
        Problem(f"{promotion.name} @ {plan.provider}: {problem.path}", problem.message)
        for promotion, group in zip(promotions, plans, strict=True)
        for plan in group
        for problem in plan.problems
    ]


def refuse(message: str, plans: list[Plan], problems: list[Problem]) -> NoReturn:
    """Raise for a file that cannot be sent: :class:`UnknownFields` when fields a source
    did not report are in the way (they are the caller's to fill in), else
    :class:`UnsupportedFeature`; ``problems`` lists every one."""
    unknown = sorted({field for plan in plans for field in plan.unknown})
    if unknown:
        raise UnknownFields(
            f"{message}; fields the source did not report: {', '.join(unknown)} "
            "(set them, or --allow-unknown)",
            operation="create",
            problems=problems,
        )
    raise UnsupportedFeature(message, operation="create", problems=problems)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--provider", "-p", "chosen", multiple=True, help="Alias to plan for (repeat).")
@click.option("--all", "everywhere", is_flag=True, help="Every configured provider.")
@POLICY
@ALLOW_UNKNOWN
@common
def plan(
    context: Context,
    file: str,
    chosen: tuple[str, ...],
    everywhere: bool,
    policy: Policy,
    allow_unknown: bool,
) -> None:
    """Show, field by field, what each provider can express; no I/O.

    \b
    Examples:
      promokit plan promotions.toml --all
      promokit plan promotions.toml -p shop --policy drop
    """
    promotions = load_promotions(file, now=datetime.now(UTC))
    client = context.client()
    where = aliases(client, chosen, everywhere)
    plans = plan_all(client, promotions, where, policy, allow_unknown)
    if context.as_json:
        context.emit(plans)
    else:
        for group in plans:
            context.out.print(render.plan_table(group))
            context.out.print(render.problems_text(group))
    if any(not plan.ok for group in plans for plan in group):
        raise SystemExit(EXIT_USAGE)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--provider", "-p", "chosen", multiple=True, help="Alias to create on (repeat).")
@click.option("--all", "everywhere", is_flag=True, help="Every configured provider.")
@POLICY
@click.option(
    "--partial",
    is_flag=True,
    help="Create the promotions that pass even when others in FILE do not "
    "(default: send nothing unless every one passes).",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Generate this many single-use codes per promotion (bulk).",
)
@ALLOW_UNKNOWN
@yes_option
@common
@bounded
def create(
    context: Context,
    file: str,
    chosen: tuple[str, ...],
    everywhere: bool,
    policy: Policy,
    partial: bool,
    count: int | None,
    allow_unknown: bool,
    assume_yes: bool,
) -> None:
    """Create every promotion in FILE on one or more providers, concurrently.

    The whole file is planned for every provider first; unless every promotion
    passes (or --partial), nothing is sent. Running it again creates nothing twice.

    \b
    Examples:
      promokit create promotions.toml
      promokit create promotions.toml --all
      promokit create promotions.toml -p shop --policy drop --yes
      promokit create single-use.toml --count 500
    """
    from promokit.workflows.fanout import create_everywhere

    promotions = load_promotions(file, now=datetime.now(UTC))
    client = context.client()
    where = aliases(client, chosen, everywhere)
    if count is not None:
        plans = [
            [_batch_plan(client, p, a, count, policy, allow_unknown) for a in where]
            for p in promotions
        ]
    else:
        plans = plan_all(client, promotions, where, policy, allow_unknown)
    problems = refusals(promotions, plans)
    passing = [all(plan.ok for plan in group) for group in plans]
    sendable = [p for p, ok in zip(promotions, passing, strict=True) if ok]
    if problems and not (partial and sendable):
        failing = len(promotions) - len(sendable)
        hint = " (--partial creates the others)" if sendable and not partial else ""
        refuse(
            f"{file}: {plural(failing, 'promotion')} of {len(promotions)} cannot be created "
            f"as written; nothing was sent{hint}",
            [plan for group in plans for plan in group],
            problems,
        )
    kept = [(p, g) for p, g, ok in zip(promotions, plans, passing, strict=True) if ok]
    risky = widened((p.name, plan) for p, group in kept for plan in group)
    if risky:
        ask(
            context,
            "Dropping these fields lets more customers use the promotion than it says. "
            "Create anyway?",
            risky,
            assume_yes,
        )

    async def work(client: Client) -> Any:
        if count is not None:
            return await _bulk(context, client, sendable, where, count)
        return [
            await create_everywhere(client, p, where, policy=policy, allow_unknown=allow_unknown)
            for p in sendable
        ]

    results = run(context, work)
    if count is not None:
        return
    notes = {(p.name, plan.provider): render.changes(plan) for p, group in kept for plan in group}
    skipped = [
        (p, group) for p, group, ok in zip(promotions, plans, passing, strict=True) if not ok
    ]
    if context.as_json:
        context.emit(
            [_result_json(result, notes) for result in results]
            + [_skipped_json(p, group) for p, group in skipped]
        )
    else:
        context.out.print(render.fanout_table(results, notes))
        for problem in problems:
            context.out.print(f"  not sent: {problem}", markup=False, highlight=False)
    if skipped or not all(result.ok for result in results):
        raise SystemExit(EXIT_PROVIDER)


def _result_json(result: Any, notes: dict[tuple[str, str], list[str]]) -> dict[str, Any]:
    entry: dict[str, Any] = codec.to_builtins(result)
    for outcome in entry["outcomes"]:
        lines = notes.get((result.name, outcome["provider"]), [])
        outcome["dropped"] = _fields(lines, "dropped: ")
        outcome["emulated"] = _fields(lines, "emulated: ")
        if outcome.get("error"):
            outcome["error"] = render.for_the_command_line(outcome["error"], outcome["provider"])
    return entry


def _skipped_json(promotion: Promotion, plans: list[Plan]) -> dict[str, Any]:
    return {
        "name": promotion.name,
        "outcomes": [
            {
                "provider": plan.provider,
                "outcome": "skipped" if plan.ok else "not_sent",
                "problems": [str(problem) for problem in plan.problems],
            }
            for plan in plans
        ],
    }


def _fields(lines: list[str], prefix: str) -> list[str]:
    return [
        field
        for line in lines
        if line.startswith(prefix)
        for field in line.removeprefix(prefix).split(", ")
    ]


async def _bulk(
    context: Context, client: Client, promotions: list[Any], where: list[str], count: int
) -> None:
    results = []
    with context.progress(*bulk_bar.columns()) as progress:
        for promotion in promotions:
            for alias in where:
                bar = BulkBar(context, progress, f"{promotion.name} @ {alias}", count)
                result = await client.create_bulk(
                    promotion, count, alias, on_progress=bar.done, on_wait=bar.wait
                )
                results.append(
                    {
                        "provider": alias,
                        "name": promotion.name,
                        "codes": result.codes,
                        "idempotency_key": result.idempotency_key,
                    }
                )
    if context.as_json:
        context.emit(results)
    else:
        for entry in results:
            context.out.print(
                f"{entry['name']} @ {entry['provider']}: {plural(len(entry['codes']), 'code')}",
                markup=False,
                highlight=False,
            )
