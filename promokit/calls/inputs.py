"""Arguments refused before anything is sent (wrong types, empty, ended), naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from promokit.errors import (
    InvalidCheckout,
    InvalidInput,
    InvalidPromotion,
    Problem,
)
from promokit.model import Checkout, Promotion
from promokit.model.promotion import extension_problems
from promokit.model.rules import type_problems
from promokit.plugins.provider import Provider


def well_typed(promotion: Promotion) -> None:
    """Refuse a promotion holding a value of the wrong type, naming its field."""
    problems = (
        type_problems(promotion)
        if isinstance(promotion, Promotion)
        else [Problem("promotion", f"must be a Promotion, got {type(promotion).__name__}")]
    )
    if problems:
        raise InvalidPromotion(
            "the promotion has a value of the wrong type; nothing was sent", problems=problems
        )


def checkable(code: str, checkout: Checkout) -> None:
    """Refuse a ``validate`` whose code is not a string or whose checkout is ill-typed."""
    # A Checkout checked its own types when built (it is frozen): only its extensions,
    # dicts that stay mutable, may have changed since, and what a caller passed in its
    # place is left to refuse.
    problems: list[Problem] = (
        extension_problems(checkout.extensions)
        if isinstance(checkout, Checkout)
        else [Problem("checkout", f"must be a Checkout, got {type(checkout).__name__}")]
    )
    if not isinstance(code, str):
        problems.append(Problem("code", f"must be a string, got {type(code).__name__}"))
    if problems:
        raise InvalidCheckout(
            "a value of the wrong type; nothing was sent",
            operation="validate",
            problems=problems,
        )


def registrable(code: str, promotion_id: str) -> None:
    """Refuse a ``register_code`` missing its code or its promotion id."""
    if not code or not promotion_id:
        raise InvalidInput(
            "a code and a promotion id are both needed",
            problems=[Problem("code" if not code else "promotion_id", "must not be empty")],
        )


def now_of(instance: Provider) -> datetime:
    """The provider's clock where it keeps one (a test's virtual clock), else the wall clock."""
    now = getattr(instance, "now", None)
    return now() if callable(now) else datetime.now(UTC)


def not_ended(promotion: Promotion, others: Sequence[Problem], *, now: datetime) -> None:
    """Refuse a promotion whose ``ends_at`` has passed, listing the plan's problems too."""
    ends = promotion.ends_at
    if ends is None or ends.utcoffset() is None:
        return  # no end, or a naive one: the plan names that
    if ends > now:  # the provider's clock (a test's virtual one, else the wall clock)
        return
    when = ends.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    raise InvalidPromotion(
        f"promotion {promotion.name!r} already ended ({when}); nothing was sent",
        problems=[Problem("ends_at", f"is already in the past ({when})"), *others],
    )


__all__ = [
    "checkable",
    "not_ended",
    "now_of",
    "registrable",
    "well_typed",
]
