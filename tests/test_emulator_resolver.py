"""One resolver builds a plugin's emulator, for the CLI and the test kit alike."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from promokit.cli import emulate
from promokit.errors import ConfigurationError
from promokit.plugins import emulators
from promokit.plugins.emulator import Emulator
from promokit.plugins.provider import Provider
from promokit.testing import harness


def not_an_emulator(**options: Any) -> object:
    return object()


class Returns(Provider):
    plugin_name = "returns_object"
    emulator: ClassVar[str | None] = f"{__name__}:not_an_emulator"


class Declares(Provider):
    plugin_name = "declares_nothing"


def test_the_cli_and_the_test_kit_share_the_resolver() -> None:
    assert emulate.load_emulator is emulators.load_emulator
    assert harness.build_emulator is emulators.build_emulator
    assert harness.emulator_factory is emulators.emulator_factory


def test_an_unknown_option_is_named_as_the_caller_spells_it() -> None:
    with pytest.raises(ConfigurationError, match="the mayar emulator has no --colour option"):
        emulators.load_emulator("mayar", describe_option=lambda name: "--colour", colour="red")
    with pytest.raises(ConfigurationError, match="the mayar emulator has no 'colour' option"):
        emulators.load_emulator("mayar", colour="red")


def test_the_harness_checks_hold_for_every_caller() -> None:
    with pytest.raises(ConfigurationError, match=r"returned object, not a promokit\.sdk\.Emulator"):
        emulators.build_emulator(Returns)
    with pytest.raises(ConfigurationError, match="declares no emulator"):
        emulators.build_emulator(Declares)
    built, prefix = emulators.load_emulator("durianpay", api_key="dp_test_RESOLVER00001")
    assert isinstance(built, Emulator)
    assert prefix == "/v1"
