"""Every error's ``outcome`` says what happened on the wire, wherever it was raised."""

from __future__ import annotations

import pytest

from promokit import ConfigurationError, OutcomeUnknown

from .conftest import Rig, promotion_for


async def test_a_redirected_read_was_received_and_refused(rig: Rig) -> None:
    rig.chaos.scenario = "redirect"
    with pytest.raises(ConfigurationError) as caught:
        await rig.client.get("abc123")
    assert rig.chaos.seen  # the gateway did receive it
    assert caught.value.outcome == "rejected"
    assert caught.value.status == 301


async def test_a_redirected_create_is_unknown_never_not_sent(rig: Rig) -> None:
    rig.chaos.scenario = "redirect"
    with pytest.raises(OutcomeUnknown) as caught:
        await rig.client.create(promotion_for(rig.provider))
    assert rig.chaos.writes == 1  # received once, never resent
    assert caught.value.outcome == "unknown"
    chain = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    redirects = [e for e in chain if isinstance(e, ConfigurationError)]
    assert redirects  # the create's own redirect says unknown; the lookup's says rejected
    assert {e.outcome for e in redirects} <= {"unknown", "rejected"}
    assert any(e.outcome == "unknown" and e.operation == "create" for e in redirects)
