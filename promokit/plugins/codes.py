"""Codes of promotions a provider cannot echo back, kept per target in a store (the ledger)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol


class CodeStore(Protocol):
    """Where a :class:`CodeBook` keeps its map, per target (the ledger is one)."""

    async def remember_code(self, target: str, code: str, promo_id: str) -> None:
        """Record that ``promo_id`` carries ``code`` under ``target``."""

    async def forget_codes(self, target: str, promo_id: str) -> None:
        """Drop every code of ``promo_id`` under ``target``."""

    async def codes(
        self, target: str, *, code: str | None = None, promo_id: str | None = None
    ) -> dict[str, str]:
        """``code -> promo id`` under ``target``, narrowed to ``code`` or ``promo_id``."""

    async def codes_version(self, target: str) -> int:
        """A number every change to ``target``'s codes, by any process, moves.

        A store may also offer ``codes_version_now(target) -> int | None``: the same
        number when it can tell without waiting (else ``None``). The book then checks
        it on every read without a coroutine (the ledger does, for SQLite).
        """


class CodeBook:
    """The code ↔ promotion id map of one provider alias, backed by the ledger.

    Some gateways (Durianpay) never return a promo's code on create, fetch or list,
    so the code can only be matched to its promo through what promokit sent. The
    book is written whenever promokit creates or updates a promotion and read by
    every process sharing the ledger (its :class:`CodeStore`). Reads are coherent
    across processes: each time a code matters (``id_for`` for validate and usage,
    ``ready_for`` before a read by id, ``ready`` before a listing) the book asks the
    store for the target's codes version, which every change by any process bumps
    (a trigger in the ledger), and reads the whole map again only when it moved. So
    a long-lived worker never trusts a code another process has since changed or
    retired, and a call whose codes did not change pays one primary-key read (on
    SQLite, on the event loop without a worker thread). ``code_for`` answers from
    what the last of those read.

    Unbound (no ledger: a provider built outside a :class:`~promokit.Client`), it
    keeps the map in memory only.
    """

    def __init__(self) -> None:
        self._id_by_code: dict[str, str] = {}
        self._code_by_id: dict[str, str] = {}
        self._ledger: CodeStore | None = None
        self._target: Callable[[], Awaitable[str]] | None = None
        self._version: int | None = None
        """The ledger's codes version when the map was last read whole (None: never)."""
        self._resolved: str | None = None
        self._version_now: Callable[[str], int | None] | None = None

    def bind(self, ledger: CodeStore, target: Callable[[], Awaitable[str]]) -> None:
        """Keep the map in ``ledger`` under the target ``target()`` resolves to."""
        self._ledger, self._target = ledger, target
        self._version = None
        self._resolved = None
        self._version_now = getattr(ledger, "codes_version_now", None)

    async def _resolve(self) -> str:
        """The target, resolved once (it is fixed for the life of a binding)."""
        assert self._target is not None
        self._resolved = await self._target()
        return self._resolved

    def _set(self, code: str, promo_id: str) -> None:
        self._drop_id(promo_id)
        self._drop_code(code)
        self._id_by_code[code] = promo_id
        self._code_by_id[promo_id] = code

    def _drop_id(self, promo_id: str) -> None:
        old = self._code_by_id.pop(promo_id, None)
        if old is not None and self._id_by_code.get(old) == promo_id:
            del self._id_by_code[old]

    def _drop_code(self, code: str) -> None:
        old = self._id_by_code.pop(code, None)
        if old is not None and self._code_by_id.get(old) == code:
            del self._code_by_id[old]

    async def remember(self, code: str | None, promo_id: str | None) -> None:
        """Record that ``promo_id`` carries ``code`` (replacing its previous code)."""
        if code is None or promo_id is None:
            return
        self._set(code, promo_id)
        if self._ledger is not None and self._target is not None:
            await self._ledger.remember_code(
                self._resolved or await self._resolve(), code, promo_id
            )

    async def forget(self, promo_id: str) -> None:
        """Drop whatever code ``promo_id`` had."""
        self._drop_id(promo_id)
        if self._ledger is not None and self._target is not None:
            await self._ledger.forget_codes(self._resolved or await self._resolve(), promo_id)

    async def load(self) -> None:
        """Read every code the ledger holds for this target, in place of what was known."""
        self._version = None
        await self.ready()

    async def ready(self) -> None:
        """The whole map as the ledger has it now: read again only if its codes changed."""
        if not self._current():
            await self._refresh()

    async def _refresh(self) -> None:
        """Ask the ledger for the codes version, and read the map if it moved.

        The version is read before the map, so a change landing in between moves it
        past what was read and the next call reads again.
        """
        assert self._ledger is not None
        target = self._resolved or await self._resolve()
        version = await self._ledger.codes_version(target)
        if version != self._version:
            held = await self._ledger.codes(target)
            self._id_by_code = dict(held)
            self._code_by_id = {promo_id: code for code, promo_id in held.items()}
            self._version = version

    def _current(self) -> bool:
        """Whether the map is the ledger's now, told without waiting (``False``: ask).

        Unbound, the map is all there is. Bound, the store's ``codes_version_now``
        answers on this thread when it can; otherwise :meth:`_refresh` asks it properly.
        """
        if self._ledger is None or self._target is None:
            return True
        version_now, target = self._version_now, self._resolved
        if version_now is None or target is None:
            return False
        version = version_now(target)
        return version is not None and version == self._version

    async def ready_for(self, promo_id: str) -> None:
        """Before a read by id: ``promo_id``'s code as the ledger has it now."""
        # Not through ready(): a read whose codes did not change (nearly every one)
        # then costs no coroutine beyond this one.
        if not self._current():
            await self._refresh()

    async def id_for(self, code: str) -> str | None:
        """The id of the promo carrying ``code``, as the ledger has it now (another
        process may have moved or retired the code); this process's map unbound."""
        if not self._current():
            await self._refresh()
        return self._id_by_code.get(code)

    def code_for(self, promo_id: str) -> str | None:
        """The code of ``promo_id``, from what this process last read or wrote."""
        return self._code_by_id.get(promo_id)
