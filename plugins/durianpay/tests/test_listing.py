"""Durianpay listing is complete whatever the server does with skip/limit (one mode each)."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest
from promokit_durianpay.emulator import PAGING_MODES, DurianpayEmulator

import promokit
from promokit.errors import ConfigurationError
from promokit.sdk import EmulatorServer, VirtualClock

TOTAL = 30


async def _listed(
    make_client: Callable[..., promokit.Client],
    url: str,
    emulator: DurianpayEmulator,
    promotion: promokit.Promotion,
    *,
    page_size: int = 25,
) -> list[promokit.Promotion]:
    async with make_client(url, options={"page_size": page_size}) as client:
        for index in range(TOTAL):
            await client.create(
                msgspec.structs.replace(promotion, name=f"P-{index:02}", code=f"C{index:02}")
            )
        emulator.requests.clear()
        return [listed async for listed in client.list()]


def _pages(emulator: DurianpayEmulator) -> list[tuple[str, str]]:
    return [(r.query["skip"], r.query["limit"]) for r in emulator.requests]


@pytest.mark.parametrize(
    ("paging", "pages"),
    [
        # An empty page, never a merely short one, ends the listing.
        ("honours", [("0", "25"), ("25", "25"), ("30", "25")]),
        # The same promos again (nothing new) end it.
        ("ignores", [("0", "25"), ("30", "25")]),
        # Pages of 10 though 25 were asked for: short pages go on.
        ("caps", [("0", "25"), ("10", "25"), ("20", "25"), ("30", "25")]),
        # The same first id again: ask from the start for more.
        ("ignores_skip", [("0", "25"), ("25", "25"), ("0", "50")]),
    ],
)
async def test_every_promo_once_in_every_paging_mode(
    clock: VirtualClock,
    make_client: Callable[..., promokit.Client],
    promotion: promokit.Promotion,
    paging: str,
    pages: list[tuple[str, str]],
) -> None:
    emulator = DurianpayEmulator(clock=clock, seed=3, paging=paging)  # type: ignore[arg-type]
    async with EmulatorServer(emulator, prefix="/v1") as server:
        listed = await _listed(make_client, server.url, emulator, promotion)

    names = [item.name for item in listed]
    assert names == [f"P-{index:02}" for index in range(TOTAL)]
    assert len({item.id for item in listed}) == TOTAL
    assert _pages(emulator) == pages


async def test_a_page_smaller_than_the_cap_is_not_the_end(
    clock: VirtualClock, make_client: Callable[..., promokit.Client], promotion: promokit.Promotion
) -> None:
    # Issue 19's report: a server capping at 10 listed 10 of 30 promos.
    emulator = DurianpayEmulator(clock=clock, seed=3, paging="caps", page_cap=10)
    async with EmulatorServer(emulator, prefix="/v1") as server:
        listed = await _listed(make_client, server.url, emulator, promotion, page_size=100)
    assert len(listed) == TOTAL


async def test_ignored_skip_with_small_pages_grows_until_everything_came(
    clock: VirtualClock, make_client: Callable[..., promokit.Client], promotion: promokit.Promotion
) -> None:
    emulator = DurianpayEmulator(clock=clock, seed=3, paging="ignores_skip")
    async with EmulatorServer(emulator, prefix="/v1") as server:
        listed = await _listed(make_client, server.url, emulator, promotion, page_size=4)

    assert [item.name for item in listed] == [f"P-{index:02}" for index in range(TOTAL)]
    # 4, then 4 again (nothing new), then from the start for 8, 16, 32 (30: the end).
    assert _pages(emulator) == [("0", "4"), ("4", "4"), ("0", "8"), ("0", "16"), ("0", "32")]


@pytest.mark.parametrize("paging", PAGING_MODES)
async def test_validate_finds_the_last_code_in_every_paging_mode(
    clock: VirtualClock,
    make_client: Callable[..., promokit.Client],
    promotion: promokit.Promotion,
    paging: str,
) -> None:
    # A new client has an empty code book: the code is found by listing every page.
    emulator = DurianpayEmulator(clock=clock, seed=3, paging=paging, echo_code=True)  # type: ignore[arg-type]
    async with EmulatorServer(emulator, prefix="/v1") as server:
        await _listed(make_client, server.url, emulator, promotion, page_size=7)
        async with make_client(server.url, options={"page_size": 7}) as fresh:
            usage = await fresh.usage(f"C{TOTAL - 1:02}")
    assert usage.limit == 3


async def test_an_empty_account_is_one_request(
    server: EmulatorServer, emulator: DurianpayEmulator, client: promokit.Client
) -> None:
    assert [item async for item in client.list()] == []
    assert len(emulator.requests) == 1


@pytest.mark.parametrize(
    ("option", "value"), [("paging", "sometimes"), ("page_cap", 0), ("page_cap", True)]
)
def test_the_emulator_refuses_an_unknown_paging_mode(option: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=option):
        DurianpayEmulator(**{option: value})  # type: ignore[arg-type]
