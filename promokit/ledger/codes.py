"""Codes of promotions a provider cannot echo back, kept per target in the ledger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from promokit.ledger.core import Ledger


class CodeBook:
    """The code ↔ promotion id map of one provider alias, backed by the ledger.

    Some gateways (Durianpay) never return a promo's code on create, fetch or list,
    so the code can only be matched to its promo through what promokit sent. The
    book is written whenever promokit creates or updates a promotion and read by
    every process sharing the ledger: a code created by one worker is found by
    another with one ledger query and one fetch by id. ``code_for`` answers from
    what this process has loaded; ``id_for`` asks the ledger on a miss.

    Unbound (no ledger: a provider built outside a :class:`~promokit.Client`), it
    keeps the map in memory only.
    """

    def __init__(self) -> None:
        self._id_by_code: dict[str, str] = {}
        self._code_by_id: dict[str, str] = {}
        self._ledger: Ledger | None = None
        self._target: Callable[[], Awaitable[str]] | None = None
        self._loaded = False

    def bind(self, ledger: Ledger, target: Callable[[], Awaitable[str]]) -> None:
        """Keep the map in ``ledger`` under the target ``target()`` resolves to."""
        self._ledger, self._target = ledger, target

    def _set(self, code: str, promo_id: str) -> None:
        old = self._code_by_id.pop(promo_id, None)
        if old is not None and self._id_by_code.get(old) == promo_id:
            del self._id_by_code[old]
        self._id_by_code[code] = promo_id
        self._code_by_id[promo_id] = code

    async def remember(self, code: str | None, promo_id: str | None) -> None:
        """Record that ``promo_id`` carries ``code`` (replacing its previous code)."""
        if code is None or promo_id is None:
            return
        self._set(code, promo_id)
        if self._ledger is not None and self._target is not None:
            await self._ledger.remember_code(await self._target(), code, promo_id)

    async def forget(self, promo_id: str) -> None:
        """Drop whatever code ``promo_id`` had."""
        code = self._code_by_id.pop(promo_id, None)
        if code is not None and self._id_by_code.get(code) == promo_id:
            del self._id_by_code[code]
        if self._ledger is not None and self._target is not None:
            await self._ledger.forget_codes(await self._target(), promo_id)

    async def load(self) -> None:
        """Read every code the ledger holds for this target."""
        if self._ledger is not None and self._target is not None:
            for code, promo_id in (await self._ledger.codes(await self._target())).items():
                self._set(code, promo_id)
        self._loaded = True

    async def ready(self) -> None:
        """:meth:`load` once per process, before answering reads by id or listings."""
        if not self._loaded:
            await self.load()

    async def id_for(self, code: str) -> str | None:
        """The id of the promo carrying ``code``: this process's map, then the ledger's."""
        known = self._id_by_code.get(code)
        if known is None and self._ledger is not None:
            await self.load()
            known = self._id_by_code.get(code)
        return known

    def code_for(self, promo_id: str) -> str | None:
        """The code of ``promo_id``, from what this process has loaded."""
        return self._code_by_id.get(promo_id)
