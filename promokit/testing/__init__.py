"""Test helpers for promokit users and plugin authors (conformance suite, fixtures)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promokit.testing.canned import CannedRequest, CannedServer
    from promokit.testing.conformance import (
        ErrorCase,
        Harness,
        ProviderConformance,
        manifest_problems,
    )
    from promokit.testing.fields import field_table_problems, wire_paths
    from promokit.testing.harness import NoSleep, build_emulator, open_client, registered
    from promokit.testing.recorder import Exchange, Recorder, load_exchanges, replay
    from promokit.testing.secrets import SecretGuard, SecretLeak, guard_secrets

# Imported on first use: the pytest plugin (entry point ``pytest11``) imports this
# package in every pytest run, and must not pull in pytest-asyncio or aiohttp for
# projects that never use the conformance suite.
_EXPORTS = {
    "CannedRequest": "promokit.testing.canned",
    "CannedServer": "promokit.testing.canned",
    "ErrorCase": "promokit.testing.conformance",
    "Harness": "promokit.testing.conformance",
    "ProviderConformance": "promokit.testing.conformance",
    "manifest_problems": "promokit.testing.conformance",
    "field_table_problems": "promokit.testing.fields",
    "wire_paths": "promokit.testing.fields",
    "NoSleep": "promokit.testing.harness",
    "build_emulator": "promokit.testing.harness",
    "open_client": "promokit.testing.harness",
    "registered": "promokit.testing.harness",
    "Exchange": "promokit.testing.recorder",
    "Recorder": "promokit.testing.recorder",
    "load_exchanges": "promokit.testing.recorder",
    "replay": "promokit.testing.recorder",
    "SecretGuard": "promokit.testing.secrets",
    "SecretLeak": "promokit.testing.secrets",
    "guard_secrets": "promokit.testing.secrets",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'promokit.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "CannedRequest",
    "CannedServer",
    "ErrorCase",
    "Exchange",
    "Harness",
    "NoSleep",
    "ProviderConformance",
    "Recorder",
    "SecretGuard",
    "SecretLeak",
    "build_emulator",
    "field_table_problems",
    "guard_secrets",
    "load_exchanges",
    "manifest_problems",
    "open_client",
    "registered",
    "replay",
    "wire_paths",
]
