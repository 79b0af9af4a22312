"""SyncClient offers every operation of Client with the same arguments (docs/sync.md).

Compared by signature — names, order, kinds and defaults of every parameter — for
every public method of :class:`promokit.Client`, so a parameter or operation added
to the async client without its blocking twin fails here.
"""

from __future__ import annotations

import inspect

import pytest

from promokit import Client, SyncClient

# Where the two differ on purpose, and why.
DIFFERENT = {
    "aclose": "close",  # blocking close; also `with` and interpreter exit
}
NOT_OPERATIONS = {
    # Attributes of the async client, not operations: reach them through
    # SyncClient.client on the client's own loop.
    "ledger",
    "plugins",
    "writes",
}


def public(cls: type) -> dict[str, object]:
    return {
        name: inspect.getattr_static(cls, name)
        for name in dir(cls)
        if not name.startswith("_") and name not in NOT_OPERATIONS
    }


def parameters(function: object) -> list[tuple[str, object, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [
        (parameter.name, parameter.kind, parameter.default)
        for parameter in signature.parameters.values()
    ]


@pytest.mark.parametrize("name", sorted(public(Client)))
def test_every_client_operation_has_a_sync_twin_with_the_same_arguments(name: str) -> None:
    twin = DIFFERENT.get(name, name)
    assert hasattr(SyncClient, twin), f"SyncClient has no {twin}() for Client.{name}()"
    if name in DIFFERENT:
        return
    ours = getattr(Client, name)
    theirs = getattr(SyncClient, twin)
    assert parameters(theirs) == parameters(ours), f"SyncClient.{twin} differs from Client.{name}"


def test_the_sync_client_has_no_operation_the_async_one_lacks() -> None:
    extra = set(public(SyncClient)) - set(public(Client)) - set(DIFFERENT.values())
    assert extra <= {"client"}, extra  # the async client underneath


def test_the_operations_the_sync_client_lacked_work_blocking(tmp_path: object) -> None:
    from pathlib import Path

    from .cli_support import BackgroundEmulators
    from .test_sync import promotion_for

    emulators = BackgroundEmulators()
    try:
        with SyncClient.from_config(emulators.write_config(Path(str(tmp_path)))) as client:
            wanted = promotion_for("durianpay", 1)
            assert client.provider("durianpay").plugin_name == "durianpay"
            assert client.target("durianpay").startswith("durianpay ")
            diff = client.diff([wanted], "durianpay")
            report = client.apply(diff)
            [item] = report.targets[0].items
            assert item.action == "created"
            assert item.id is not None
            assert client.register_code("SYNCD1", item.id, "durianpay").code == "SYNCD1"
            assert [found.id for found in client.register_codes([], "durianpay")] == []
            assert client.diff([wanted], "durianpay").in_sync
            listed = list(client.list("durianpay", detail=True))
            assert [p.id for p in listed] == [item.id]
            created = client.create(
                promotion_for("mayar", 2),
                "mayar",
                idempotency_key="sync-parity",
                allow_unknown=True,
            )
            assert created.id is not None
            assert client.forget("sync-parity", "mayar") is True
            assert client.forget("sync-parity", "mayar") is False
    finally:
        emulators.close()
