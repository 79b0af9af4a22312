"""One promotion on several providers at once, with compensation when some fail."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

import msgspec

from promokit.errors import PromokitError
from promokit.model import Promotion
from promokit.model.capabilities import Policy

if TYPE_CHECKING:
    from promokit.client import Client

Outcome = Literal[
    "created", "already_created", "failed", "rolled_back", "left_in_place", "rollback_failed"
]


class ProviderOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What happened on one provider."""

    provider: str
    outcome: Outcome
    promotion: Promotion | None = None
    error: str | None = None
    idempotency_key: str | None = None
    """The ledger key to finish an unknown outcome with (``promokit reconcile KEY``)."""


class FanoutResult(msgspec.Struct, frozen=True, kw_only=True):
    """The per-provider results of one fan-out create."""

    name: str
    outcomes: tuple[ProviderOutcome, ...]

    @property
    def ok(self) -> bool:
        """True when every provider has the promotion."""
        return all(outcome.outcome in ("created", "already_created") for outcome in self.outcomes)


async def create_everywhere(
    client: Client,
    promotion: Promotion,
    providers: list[str],
    *,
    policy: Policy = "strict",
    compensate: bool = True,
    allow_unknown: bool = False,
) -> FanoutResult:
    """Create ``promotion`` on every provider concurrently.

    Everything is planned first: if any provider cannot express it, nothing is sent
    anywhere. A promotion the ledger already had is ``already_created``. If some
    creates then fail, the ones this call made are deleted where the
    provider can delete (``rolled_back``) and reported as ``left_in_place`` where it
    cannot, so a partial result is never silent.
    """
    for alias in providers:
        client.plan(
            promotion, alias, policy=policy, allow_unknown=allow_unknown
        ).raise_for_problems()

    async def one(alias: str) -> ProviderOutcome:
        try:
            created = await client.create(
                promotion, alias, policy=policy, allow_unknown=allow_unknown
            )
        except PromokitError as error:
            key = getattr(error, "idempotency_key", None)
            return ProviderOutcome(
                provider=alias, outcome="failed", error=str(error), idempotency_key=key
            )
        # Answered from the ledger: it existed before this call (and is never rolled back).
        made: Outcome = "already_created" if created.already_created else "created"
        return ProviderOutcome(provider=alias, outcome=made, promotion=created)

    outcomes = list(await asyncio.gather(*(one(alias) for alias in providers)))
    if compensate and any(outcome.outcome == "failed" for outcome in outcomes):
        outcomes = [await _compensate(client, outcome) for outcome in outcomes]
    return FanoutResult(name=promotion.name, outcomes=tuple(outcomes))


async def _compensate(client: Client, outcome: ProviderOutcome) -> ProviderOutcome:
    if outcome.outcome != "created" or outcome.promotion is None:
        return outcome
    instance = client.provider(outcome.provider)
    if not instance.manifest.supports("delete") or outcome.promotion.id is None:
        note = f"{outcome.provider} cannot delete promotions; remove it in its dashboard"
        return msgspec.structs.replace(outcome, outcome="left_in_place", error=note)
    try:
        await client.delete(outcome.promotion.id, outcome.provider)
    except PromokitError as error:
        return msgspec.structs.replace(outcome, outcome="rollback_failed", error=str(error))
    return msgspec.structs.replace(outcome, outcome="rolled_back")
