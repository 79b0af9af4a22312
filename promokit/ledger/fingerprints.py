"""What identifies a create: a promotion's fingerprint, its differences, its ledger bytes."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import msgspec

from promokit.http import codec
from promokit.model import Promotion, trusted
from promokit.model.capabilities import FIELDS

_COMPARED = tuple(
    field for field in FIELDS if field not in ("description", "discount.max_amount", "extensions")
)
"""Fields that identify what was asked for (``discount`` covers its cap)."""
_PROMOTION = msgspec.json.Decoder(Promotion)
_ENCODER = msgspec.json.Encoder()


def _normalised(value: Any) -> Any:
    if isinstance(value, datetime):
        # Providers keep milliseconds at best; compare at that precision.
        utc = codec.as_utc(value)
        assert utc is not None
        return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    if isinstance(value, tuple):
        return tuple(sorted(map(str, value)))
    return value


def fingerprint(promotion: Promotion) -> str:
    """A stable digest of what the merchant asked for (read-only fields excluded)."""
    fields = {name: _normalised(getattr(promotion, name)) for name in _COMPARED}
    fields["description"] = promotion.description
    fields["extensions"] = promotion.extensions
    digest = hashlib.sha256(codec.encode(codec.to_builtins(fields)))
    return digest.hexdigest()[:32]


def differences(intended: Promotion, found: Promotion) -> list[str]:
    """Fields where ``found`` contradicts ``intended``; fields ``found`` lacks are skipped."""
    differing = []
    for name in _COMPARED:
        theirs = getattr(found, name)
        if theirs is None or theirs == ():
            continue
        ours = codec.at_precision_of(theirs, getattr(intended, name))
        if _normalised(ours) != _normalised(theirs):
            differing.append(name)
    return differing


def encode_promotion(promotion: Promotion) -> bytes:
    """Serialise a promotion for the ledger."""
    return _ENCODER.encode(promotion)


def decode_promotion(data: bytes) -> Promotion:
    """Read a promotion stored by :func:`encode_promotion`."""
    with trusted():  # written by encode_promotion after the promotion was checked
        return _PROMOTION.decode(data)
