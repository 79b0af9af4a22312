"""No request reaches the wire behind the limiter's and the retry policy's back.

aiohttp resends a GET, HEAD, PUT or DELETE by itself when a reused keep-alive
connection turns out to be closed (RFC 9112 §9.3.1); promokit turns that off, so
every request the gateway sees was admitted by the rate limiter and the retry
budget.
"""

from __future__ import annotations

import aiohttp
import pytest

from promokit import Client, NotFound, Overloaded, PromokitError, TransportError
from promokit.http.session import _ResendAccounting
from promokit.http.transport import ProviderHttp, RetryPolicy, Transport

from .conftest import Rig, settings


@pytest.mark.rig(rate_limit=2, max_retries=0)
async def test_a_read_dropped_on_a_reused_connection_is_not_resent_by_aiohttp(rig: Rig) -> None:
    rig.chaos.scenario = "drop_reused"
    with pytest.raises(NotFound):
        await rig.client.get("first")  # opens the connection, which is kept alive
    with pytest.raises(TransportError) as caught:
        await rig.client.get("second")  # reuses it; the gateway drops it
    assert caught.value.outcome == "unknown"
    assert len(rig.chaos.seen) == 2  # aiohttp would have sent a third, unlimited


@pytest.mark.rig(rate_limit=2, max_retries=3)
async def test_our_own_retry_of_a_dropped_read_is_rate_limited(rig: Rig) -> None:
    rig.chaos.scenario = "drop_reused"
    with pytest.raises(NotFound):
        await rig.client.get("first")
    with pytest.raises(PromokitError) as caught:
        await rig.client.get("second")
    # The retry would be the third request of this minute: the limiter refuses it.
    assert isinstance(caught.value, TransportError | Overloaded)
    assert len(rig.chaos.seen) == 2


async def test_a_write_on_a_dropped_connection_is_sent_once(rig: Rig) -> None:
    rig.chaos.scenario = "drop_reused_all"
    transport = Transport()
    http = ProviderHttp(
        transport,
        provider="chaos",
        base_url=rig.url,
        headers={},
        retry=RetryPolicy(max_retries=0),
        timeout=2.0,
    )
    try:
        for method in ("GET", "POST", "PATCH"):
            with pytest.raises(PromokitError):
                await http.request(method, "/nowhere", operation="probe", body=b"{}")
    finally:
        await transport.aclose()
    # The first GET opened the connection; POST and PATCH each reached the gateway once.
    assert [method for method, _ in rig.chaos.seen] == ["GET", "POST", "PATCH"]


@pytest.fixture
def resends_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as on an aiohttp whose own resend cannot be turned off (3.10)."""
    import promokit.http.session

    monkeypatch.setattr(promokit.http.session, "CAN_STOP_RESENDS", False)


@pytest.mark.usefixtures("resends_counted")
@pytest.mark.rig(rate_limit=2, max_retries=0)
async def test_where_aiohttp_resends_anyway_the_resend_obeys_max_retries(rig: Rig) -> None:
    rig.chaos.scenario = "drop_reused"
    with pytest.raises(NotFound):
        await rig.client.get("first")
    with pytest.raises(TransportError, match="not resent: max_retries is 0") as caught:
        await rig.client.get("second")
    assert caught.value.outcome == "unknown"
    assert len(rig.chaos.seen) == 2


@pytest.mark.usefixtures("resends_counted")
@pytest.mark.rig(rate_limit=2, max_retries=3)
async def test_where_aiohttp_resends_anyway_the_resend_takes_a_rate_limit_place(
    rig: Rig,
) -> None:
    rig.chaos.scenario = "drop_reused"
    with pytest.raises(NotFound):
        await rig.client.get("first")
    with pytest.raises(PromokitError) as caught:
        await rig.client.get("second")
    # aiohttp's resend was refused a place (both of this minute are taken), and so
    # was the retry of ours that followed it.
    assert isinstance(caught.value, Overloaded)
    assert isinstance(caught.value.__context__, TransportError)
    assert "rate limit has no place" in str(caught.value.__context__)
    assert len(rig.chaos.seen) == 2
    rig.chaos.scenario = None
    http = rig.client.provider().http
    assert http is not None
    assert http.rate_limiter is not None
    assert http.rate_limiter.delay() > 50  # both places of this minute are taken


@pytest.mark.usefixtures("resends_counted")
async def test_a_callers_session_where_aiohttp_resends_anyway_is_counted_too(rig: Rig) -> None:
    # On aiohttp 3.10 (the floor) a session the caller built resends a dropped read
    # by itself, as promokit's own would: promokit's accounting must see it too.
    rig.chaos.scenario = "drop_reused"
    config = settings(rig.provider, rig.url, rate_limit=2, max_retries=0)
    async with aiohttp.ClientSession() as session:
        async with Client.from_config(config, session=session) as client:
            with pytest.raises(NotFound):
                await client.get("first")
            with pytest.raises(TransportError, match="not resent: max_retries is 0") as caught:
                await client.get("second")
        assert caught.value.outcome == "unknown"
        assert len(rig.chaos.seen) == 2  # without the accounting: a third, unlimited
        # The caller's own requests on that session pass untouched, their own trace
        # context included, and a second client does not count them twice.
        rig.chaos.scenario = None
        async with (
            Client.from_config(config, session=session),
            session.get(rig.url + "/", trace_request_ctx={"mine": 1}) as answer,
        ):
            await answer.read()
        assert not session.closed
        assert sum(isinstance(c, _ResendAccounting) for c in session._trace_configs) == 1


@pytest.mark.usefixtures("resends_counted")
@pytest.mark.rig(rate_limit=2, max_retries=3)
async def test_a_callers_session_resend_takes_a_rate_limit_place(rig: Rig) -> None:
    rig.chaos.scenario = "drop_reused"
    config = settings(rig.provider, rig.url, rate_limit=2, max_retries=3)
    async with (
        aiohttp.ClientSession() as session,
        Client.from_config(config, session=session) as client,
    ):
        with pytest.raises(NotFound):
            await client.get("first")
        with pytest.raises(Overloaded) as caught:
            await client.get("second")
    assert "rate limit has no place" in str(caught.value.__context__)
    assert len(rig.chaos.seen) == 2
