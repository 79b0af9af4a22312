"""One create as the exactly-once writer carries it: the provider it goes through, its record."""

from __future__ import annotations

from typing import Protocol

from promokit.errors import OutcomeUnknown
from promokit.http.settings import ProviderSettings
from promokit.ledger.entries import Entry
from promokit.ledger.fingerprints import encode_promotion
from promokit.model import Promotion
from promokit.model.capabilities import Manifest


class WriteProvider(Protocol):
    """What an exactly-once write needs of a provider (:class:`promokit.sdk.Provider` is one)."""

    @property
    def alias(self) -> str:
        """The configured alias the write goes through."""

    @property
    def settings(self) -> ProviderSettings:
        """Its ``timeout`` bounds the write; its ``settle_margin`` a takeover's wait."""

    @property
    def manifest(self) -> Manifest:
        """Whether the gateway can ``get`` a recorded write back."""

    def natural_key(self, promotion: Promotion) -> str | None:
        """The caller-chosen value the gateway keeps unique, if any."""

    def natural_key_unique(self, promotion: Promotion) -> bool:
        """Whether the gateway refuses a second promotion with that key."""

    async def create(self, promotion: Promotion) -> Promotion:
        """Send the create."""

    async def get(self, promotion_id: str) -> Promotion:
        """Read a promotion by id."""

    async def find(self, promotion: Promotion) -> Promotion | None:
        """Look a promotion up by its natural key."""


def outcome_unknown(
    message: str, *, provider: WriteProvider, key: str, natural: str | None
) -> OutcomeUnknown:
    """The error for a create that may or may not have happened, with what reconcile needs."""
    return OutcomeUnknown(
        message,
        provider=provider.alias,
        operation="create",
        idempotency_key=key,
        natural_key=natural,
    )


class Write:
    """One create in progress: what is written, where, under which key."""

    __slots__ = ("digest", "key", "natural", "promotion", "provider", "target", "unique")

    def __init__(
        self,
        provider: WriteProvider,
        promotion: Promotion,
        key: str,
        natural: str | None,
        digest: str,
        target: str,
    ) -> None:
        self.provider = provider
        self.promotion = promotion
        self.key = key
        self.natural = natural
        self.digest = digest
        self.target = target
        self.unique = provider.natural_key_unique(promotion)
        """Whether the gateway refuses a second create with this natural key."""

    def entry(self) -> Entry:
        """The intent as the ledger records it."""
        return Entry(
            key=self.key,
            target=self.target,
            provider=self.provider.alias,
            operation="create",
            state="pending",
            fingerprint=self.digest,
            natural_key=self.natural,
            request=encode_promotion(self.promotion),
        )
