"""What promokit last applied to each gateway promotion, kept in the ledger per target."""

from __future__ import annotations

from promokit.errors import LedgerError
from promokit.ledger.core import Ledger
from promokit.ledger.entries import Entry
from promokit.ledger.fingerprints import decode_promotion, encode_promotion, fingerprint
from promokit.model import Promotion

APPLIED = "applied:"
"""Key prefix of the records of what apply left on a gateway promotion (one per id)."""


async def recorded(ledger: Ledger, target: str) -> dict[str, Promotion]:
    """Gateway id -> the promotion promokit last wrote there, for ``target``.

    Both creates (whatever created them: ``create``, ``migrate``, ``apply``) and
    apply's own records count; the newest wins. Records that cannot be read (a
    newer promokit's) are skipped rather than trusted.
    """
    found: dict[str, Promotion] = {}
    for entry in await ledger.entries(target=target, state="done"):
        if entry.provider_id is None or entry.result is None:
            continue
        if entry.operation not in ("create", "apply"):
            continue
        try:
            promotion = decode_promotion(entry.result)
        except ValueError:
            continue
        found[entry.provider_id] = promotion
    return found


async def record(ledger: Ledger, *, target: str, alias: str, promotion: Promotion) -> None:
    """Remember that ``promotion`` (with its gateway ``id``) is what apply left there.

    The record is the neutral promotion as the file asked for it, so a later diff
    tells a gateway-side change (drift) from a file-side one without reading back
    anything else. It replaces the previous record of the same id.
    """
    if promotion.id is None:
        raise LedgerError("cannot record an applied promotion without its id", store="ledger")
    key = APPLIED + promotion.id
    await ledger.forget(key, target=target)
    claim = await ledger.claim(
        Entry(
            key=key,
            target=target,
            provider=alias,
            operation="apply",
            state="pending",
            fingerprint=fingerprint(promotion),
            natural_key=promotion.code,
        )
    )
    if claim.owned:
        await ledger.done(key, encode_promotion(promotion), promotion.id, target=target)


async def drop(ledger: Ledger, *, target: str, provider_id: str) -> None:
    """Forget every record of ``provider_id`` after it was deleted from the gateway."""
    await ledger.forget(APPLIED + provider_id, target=target)
    await ledger.release(target, provider_id)
