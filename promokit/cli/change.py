"""``update``, ``delete`` and ``reconcile``: changing promotions that already exist."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from promokit.cli import render
from promokit.cli.confirm import ask, widened, yes_option
from promokit.cli.context import Context, bounded, common, run
from promokit.cli.create import ALLOW_UNKNOWN, POLICY, refuse
from promokit.client import Client
from promokit.errors import InvalidInput, Problem, plural
from promokit.model.capabilities import Policy, require_operation
from promokit.workflows.files import load_promotions


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--provider", "-p", default=None, help="Alias the promotions are on (default: as exported)."
)
@POLICY
@ALLOW_UNKNOWN
@yes_option
@common
@bounded
def update(
    context: Context,
    file: str,
    provider: str | None,
    policy: Policy,
    allow_unknown: bool,
    assume_yes: bool,
) -> None:
    """Replace each promotion in FILE, found by its id, where the provider can update.

    FILE is what `promokit export` writes (each promotion keeps its `id` and
    `provider`), edited. Every promotion is checked first; nothing is sent unless
    all pass.

    \b
    Examples:
      promokit export -p cards > cards.json   # edit it, then:
      promokit update cards.json --yes
    """
    promotions = load_promotions(file, now=datetime.now(UTC))
    client = context.client()
    problems: list[Problem] = []
    work_list = []
    for index, promotion in enumerate(promotions):
        alias = provider or promotion.provider or client.config.settings(None).alias
        instance = client.provider(alias)
        require_operation(
            instance.manifest, "update", provider=instance.alias, plugin=instance.plugin_name
        )
        if not promotion.id:
            problems.append(
                Problem(f"promotions[{index}].id", "required to update (export writes it)")
            )
            continue
        checked = client.plan(promotion.draft(), alias, policy=policy, allow_unknown=allow_unknown)
        problems.extend(
            Problem(f"{promotion.name} @ {alias}: {p.path}", p.message) for p in checked.problems
        )
        work_list.append((promotion.id, alias, promotion.draft(), checked))
    if problems and len(work_list) < len(promotions):  # a promotion without its id
        raise InvalidInput(
            f"{file}: {plural(len(problems), 'problem')}; nothing was sent", problems=problems
        )
    if problems:
        refuse(
            f"{file}: {plural(len(problems), 'problem')}; nothing was sent",
            [checked for _, _, _, checked in work_list],
            problems,
        )
    risky = widened((draft.name, checked) for _, _, draft, checked in work_list)
    if risky:
        ask(
            context,
            "Dropping these fields lets more customers use the promotion than it says. "
            "Update anyway?",
            risky,
            assume_yes,
        )

    async def send(client: Client) -> list[Any]:
        return [
            await client.update(
                promotion_id, draft, alias, policy=policy, allow_unknown=allow_unknown
            )
            for promotion_id, alias, draft, _ in work_list
        ]

    updated = run(context, send)
    context.output(updated, lambda: render.promotions_list(updated, context.out.width))


@click.command()
@click.argument("promotion_id")
@click.option(
    "--provider",
    "-p",
    default=None,
    metavar="ALIAS",
    help="Provider alias (default: the config's default).",
)
@yes_option
@common
@bounded
def delete(context: Context, promotion_id: str, provider: str | None, assume_yes: bool) -> None:
    """Remove a promotion, after showing it and asking (where the provider can delete).

    \b
    Examples:
      promokit delete prm_abc123 -p cards
      promokit delete prm_abc123 -p cards --yes
    """
    client = context.client()
    instance = client.provider(provider)
    require_operation(
        instance.manifest, "delete", provider=instance.alias, plugin=instance.plugin_name
    )
    found = run(context, lambda client: client.get(promotion_id, provider))
    if not assume_yes and not context.as_json:
        context.err.print(render.promotions_list([found], context.err.width))
    ask(context, f"Delete {promotion_id} from {instance.alias}?", [], assume_yes)
    run(context, lambda client: client.delete(promotion_id, provider))
    context.output(
        {"deleted": promotion_id, "provider": instance.alias},
        lambda: f"deleted {promotion_id} from {instance.alias}",
    )


@click.command()
@click.argument("idempotency_key")
@click.option("--provider", "-p", default=None, help="Alias the create was sent to.")
@click.option(
    "--found-id",
    default=None,
    help="The id of the promotion you found in the dashboard: record it as the outcome.",
)
@common
@bounded
def reconcile(
    context: Context, idempotency_key: str, provider: str | None, found_id: str | None
) -> None:
    """Finish a create whose outcome was unknown (the key is in its error).

    \b
    Examples:
      promokit reconcile 'create:shop:…'
      promokit reconcile 'create:shop:…' -p shop --found-id 5df8fdfc-…
    """
    found = run(
        context, lambda client: client.reconcile(idempotency_key, provider, found_id=found_id)
    )
    if context.as_json:
        context.emit({"found": found})
    elif found is None:
        context.out.print("not created: the key is free to use again")
    else:
        context.out.print(f"recorded {found.id} on {found.provider}", markup=False)
