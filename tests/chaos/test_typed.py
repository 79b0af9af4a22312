"""Whatever a gateway answers, what reaches the caller is a typed promokit error."""

from __future__ import annotations

import pytest

from promokit import PromokitError

from .conftest import Rig, promotion_for


async def operate(rig: Rig, operation: str) -> object:
    if operation == "get":
        return await rig.client.get("abc123")
    if operation == "list":
        return [p async for p in rig.client.list()]
    return await rig.client.create(promotion_for(rig.provider))


@pytest.mark.parametrize("scenario", ["nested_json", "nested_json_error"])
@pytest.mark.parametrize("operation", ["get", "list", "create"])
async def test_json_nested_a_hundred_thousand_deep_is_a_typed_error(
    rig: Rig, scenario: str, operation: str
) -> None:
    rig.chaos.scenario = scenario
    with pytest.raises(PromokitError) as caught:
        await operate(rig, operation)
    assert caught.value.outcome in ("unknown", "rejected")
