"""The code book reads the ledger's map again only when its codes version moved."""

from __future__ import annotations

import asyncio

from promokit.plugins.codes import CodeBook


class CountingStore:
    """A code store that counts what it is asked; ``now`` answers without waiting, or not."""

    def __init__(self, *, answers_now: bool) -> None:
        self.map: dict[str, str] = {"SAVE10": "prm_1"}
        self.version = 1
        self.answers_now = answers_now
        self.reads = 0
        self.version_asks = 0
        self.now_asks = 0

    async def remember_code(self, target: str, code: str, promo_id: str) -> None:
        self.map[code] = promo_id
        self.version += 1

    async def forget_codes(self, target: str, promo_id: str) -> None:
        self.map = {code: held for code, held in self.map.items() if held != promo_id}
        self.version += 1

    async def codes(
        self, target: str, *, code: str | None = None, promo_id: str | None = None
    ) -> dict[str, str]:
        self.reads += 1
        return dict(self.map)

    async def codes_version(self, target: str) -> int:
        self.version_asks += 1
        return self.version

    def codes_version_now(self, target: str) -> int | None:
        self.now_asks += 1
        return self.version if self.answers_now else None


async def _target() -> str:
    return "target-1"


def test_an_unchanged_version_is_checked_without_asking_the_store_again() -> None:
    async def run() -> tuple[int, int, str | None, str | None]:
        store = CountingStore(answers_now=True)
        book = CodeBook()
        book.bind(store, _target)
        await book.ready_for("prm_1")  # first read: the whole map
        for _ in range(5):
            await book.ready_for("prm_1")
        assert await book.id_for("SAVE10") == "prm_1"
        reads, asks = store.reads, store.version_asks
        # Another process moves the code: the version moves, so the map is read again.
        store.map = {"SAVE10": "prm_2"}
        store.version += 1
        checks = store.now_asks
        moved = await book.id_for("SAVE10")
        # Checked once without waiting, then asked properly: not checked again on the way.
        assert (store.now_asks - checks, store.version_asks - asks) == (1, 1)
        return reads, asks, book.code_for("prm_2"), moved

    reads, asks, code, moved = asyncio.run(run())
    assert (reads, asks) == (1, 1)
    assert (code, moved) == ("SAVE10", "prm_2")


def test_a_store_that_cannot_answer_at_once_is_asked_every_time() -> None:
    async def run() -> tuple[int, int]:
        store = CountingStore(answers_now=False)
        book = CodeBook()
        book.bind(store, _target)
        for _ in range(3):
            assert await book.id_for("SAVE10") == "prm_1"
        return store.reads, store.version_asks

    # Asked each time (coherent across processes), read whole only once.
    assert asyncio.run(run()) == (1, 3)


def test_load_reads_the_map_again_even_when_the_version_did_not_move() -> None:
    async def run() -> int:
        store = CountingStore(answers_now=True)
        book = CodeBook()
        book.bind(store, _target)
        await book.ready()
        await book.load()
        return store.reads

    assert asyncio.run(run()) == 2
