"""The documented examples, answered by aioresponses, through promokit.Client end to end."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from aioresponses import aioresponses

import promokit
from promokit.errors import ResponseValidationError
from promokit.testing.mocked import needs_aioresponses

PROMOS = "https://api.durianpay.id/v1/merchants/promos"
LIST = re.compile(r"^https://api\.durianpay\.id/v1/merchants/promos\?.*$")

pytestmark = needs_aioresponses()


async def test_the_seed_example_end_to_end(
    mocked_client: promokit.Client,
    seed_promotion: promokit.Promotion,
    fixture_bytes: Callable[[str], bytes],
    fixture_json: Callable[[str], Any],
) -> None:
    with aioresponses() as mocked:
        mocked.post(PROMOS, body=fixture_bytes("create_response.json"))
        # The documented example ended in 2022: replayed on purpose.
        created = await mocked_client.create(seed_promotion, allow_ended=True)
        [sent] = next(iter(mocked.requests.values()))

    assert json.loads(sent.kwargs["data"]) == fixture_json("create_request.json")
    assert created.id == "prm_rdrZVRIhcq5927"
    assert created.status == "expired"
    assert created.code == "SALE2022", "not echoed, so the code we sent is kept"
    # "SALE50202" is the published response's label (a typo of the request's "SALE502022").
    assert created.draft() == msgspec.structs.replace(seed_promotion, name="SALE50202")


async def test_fetch_one_unwrapped_and_wrapped(
    mocked_client: promokit.Client, fixture_bytes: Callable[[str], bytes]
) -> None:
    with aioresponses() as mocked:
        mocked.get(PROMOS + "/prm_XXXXXXX", body=fixture_bytes("fetch_one_response.json"))
        sdk = fixture_bytes("fetch_one_sdk_response.json")
        mocked.get(PROMOS + "/prm_3eTlttAEF84045", body=sdk)
        unwrapped = await mocked_client.get("prm_XXXXXXX")
        wrapped = await mocked_client.get("prm_3eTlttAEF84045")

    assert unwrapped.id == "prm_XXXXXXX"
    assert unwrapped.reward == "discount"
    assert wrapped.id == "prm_3eTlttAEF84045"


async def test_update_docs_example_round_trip(
    mocked_client: promokit.Client,
    seed_promotion: promokit.Promotion,
    fixture_bytes: Callable[[str], bytes],
    fixture_json: Callable[[str], Any],
) -> None:
    promotion = msgspec.structs.replace(seed_promotion, name="SALE302022")
    with aioresponses() as mocked:
        mocked.patch(PROMOS + "/prm_JaQGjzJDdz0460", body=fixture_bytes("update_response.json"))
        updated = await mocked_client.update("prm_JaQGjzJDdz0460", promotion)
        sent = next(iter(mocked.requests.values()))[0]

    assert json.loads(sent.kwargs["data"]) == fixture_json("update_request.json")
    assert updated.code == "PROMO1"


async def test_list_reads_the_old_docs_shape(
    mocked_client: promokit.Client, fixture_bytes: Callable[[str], bytes]
) -> None:
    with aioresponses() as mocked:
        # The docs' answer every time, as from a server that ignores skip and limit.
        mocked.get(LIST, body=fixture_bytes("fetch_all_response.json"), repeat=True)
        listed = [promotion async for promotion in mocked_client.list()]

    assert [promotion.id for promotion in listed] == ["prm_XXXXXXX"]
    assert listed[0].limit == promokit.Quota(uses=50)


async def test_delete_reads_the_documented_message(
    mocked_client: promokit.Client, fixture_bytes: Callable[[str], bytes]
) -> None:
    with aioresponses() as mocked:
        mocked.delete(PROMOS + "/prm_1", body=fixture_bytes("delete_response.json"))
        await mocked_client.delete("prm_1")
        mocked.delete(PROMOS + "/prm_2", status=200, body=b"")
        await mocked_client.delete("prm_2")
        mocked.delete(PROMOS + "/prm_3", status=200, body=b"<html></html>")
        with pytest.raises(ResponseValidationError):
            await mocked_client.delete("prm_3")
