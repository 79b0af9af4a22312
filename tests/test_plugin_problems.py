"""Broken environments: each bad installed plugin is skipped with one line, the rest work."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import promokit
from promokit.cli import main
from promokit.http.observe import RequestEvent
from promokit.plugins import Plugins, reset_default_plugins

from .test_plugins import PLUGIN_SOURCE

OBSERVER_SOURCE = """
import promokit
SEEN = []

@promokit.hookimpl
def promokit_request_done(event):
    SEEN.append(event)
"""


def install(
    root: Path,
    dist: str,
    module: str,
    entry: str,
    *,
    source: str | None = None,
    provider: str | None = None,
    requires: str = "",
) -> None:
    """An installed distribution (dist-info, entry point) whose module is ``source``."""
    text = source if source is not None else PLUGIN_SOURCE.format(name=provider or entry)
    (root / f"{module}.py").write_text(text)
    info = root / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    metadata = f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n"
    if requires:
        metadata += f"Requires-Dist: {requires}\n"
    (info / "METADATA").write_text(metadata)
    (info / "entry_points.txt").write_text(f"[promokit]\n{entry} = {module}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("PROMOKIT_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("PROMOKIT_DISABLE_PLUGINS", raising=False)
    reset_default_plugins()
    yield tmp_path
    reset_default_plugins()
    for name in list(sys.modules):
        if name.startswith("promokit_fake_"):
            del sys.modules[name]


def only_fakes(problems: list[str]) -> list[str]:
    return [line for line in problems if "promokit-fake" in line]


def test_an_entry_point_that_fails_to_import_is_skipped_naming_its_distribution(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    install(site, "promokit-fake-good", "promokit_fake_good", "good")
    install(site, "promokit-fake-bad", "promokit_fake_bad", "bad", source="import nowhere\n")
    with caplog.at_level(logging.WARNING, logger="promokit.plugins"):
        plugins = Plugins()
    assert "good" in plugins.providers()
    (line,) = only_fakes(plugins.problems)
    assert line.startswith("promokit-fake-bad 1.2.3: plugin 'bad' (promokit_fake_bad)")
    assert "ModuleNotFoundError: No module named 'nowhere'; skipped" in line
    assert "\n" not in line
    assert line in caplog.messages


def test_two_distributions_with_one_plugin_name_keep_the_first(site: Path) -> None:
    install(site, "promokit-fake-one", "promokit_fake_one", "twin", provider="one")
    install(site, "promokit-fake-two", "promokit_fake_two", "twin", provider="two")
    plugins = Plugins()
    names = plugins.providers().names()
    assert ("one" in names) != ("two" in names)  # whichever was found first, only it
    (line,) = only_fakes(plugins.problems)
    assert "the plugin name 'twin' is taken by promokit-fake-" in line
    assert line.endswith("; skipped")


def test_two_plugins_registering_one_provider_name_skip_the_second(site: Path) -> None:
    install(site, "promokit-fake-alpha", "promokit_fake_alpha", "alpha", provider="acme")
    install(site, "promokit-fake-beta", "promokit_fake_beta", "beta", provider="acme")
    install(site, "promokit-fake-gamma", "promokit_fake_gamma", "gamma")
    plugins = Plugins()
    registry = plugins.providers()
    assert "gamma" in registry
    assert "acme" in registry
    (line,) = only_fakes(plugins.problems)
    assert "two plugins register a provider named 'acme'" in line
    assert "promokit-fake-alpha 1.2.3" in line
    assert "promokit-fake-beta 1.2.3" in line


def test_a_plugin_built_for_another_promokit_major_is_skipped(site: Path) -> None:
    install(site, "promokit-fake-next", "promokit_fake_next", "next", requires="promokit>=1,<2")
    install(site, "promokit-fake-now", "promokit_fake_now", "now", requires="promokit>=0.1,<0.2")
    plugins = Plugins()
    assert "now" in plugins.providers()
    assert "next" not in plugins.providers()
    (line,) = only_fakes(plugins.problems)
    assert line == (
        f"promokit-fake-next 1.2.3: built for promokit<2,>=1 "
        f"(installed: promokit {promokit.__version__}); skipped"
    )
    assert "promokit_fake_next" not in sys.modules  # never imported


def test_an_installed_plugin_whose_hook_raises_is_skipped(site: Path) -> None:
    source = (
        "import promokit\n@promokit.hookimpl\n"
        "def promokit_register_providers(registry):\n    raise RuntimeError('boom')\n"
    )
    install(site, "promokit-fake-boom", "promokit_fake_boom", "boom", source=source)
    install(site, "promokit-fake-fine", "promokit_fake_fine", "fine")
    plugins = Plugins()
    assert "fine" in plugins.providers()
    (line,) = only_fakes(plugins.problems)
    assert line.startswith("promokit-fake-boom 1.2.3: plugin 'boom' (promokit-fake-boom 1.2.3)")
    assert "RuntimeError: boom; skipped" in line


def test_the_plugins_command_lists_providers_observers_and_problems(site: Path) -> None:
    install(site, "promokit-fake-acme", "promokit_fake_acme", "acme")
    install(site, "promokit-fake-watch", "promokit_fake_watch", "watch", source=OBSERVER_SOURCE)
    install(site, "promokit-fake-bad", "promokit_fake_bad", "bad", source="import nowhere\n")
    result = CliRunner().invoke(main, ["plugins", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    listed = {item["name"]: item for item in json.loads(result.output)}
    assert listed["acme"]["providers"] == ["acme"]
    assert listed["acme"]["distribution"] == "promokit-fake-acme"
    assert listed["watch"]["hooks"] == ["promokit_request_done"]
    assert listed["watch"]["providers"] == []
    assert "failed to load" in listed["bad"]["problem"]
    assert listed["promokit.plugins.memory"]["providers"] == ["memory"]
    human = CliRunner().invoke(main, ["plugins"], catch_exceptions=False)
    assert "watch (promokit-fake-watch 1.2.3): hooks promokit_request_done" in human.output
    providers = CliRunner().invoke(main, ["providers"], catch_exceptions=False)
    assert providers.exit_code == 0
    assert "acme" in providers.stdout


def test_tracing_shows_every_hook_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROMOKIT_TRACE_PLUGINS", "1")
    seen: list[RequestEvent] = []

    class Watch:
        @promokit.hookimpl
        def promokit_request_done(self, event: RequestEvent) -> None:
            seen.append(event)

    plugins = Plugins(load_entry_points=False)
    plugins.register(Watch(), name="watch")
    assert "memory" in plugins.providers()
    observer = plugins.request_observer()
    assert observer is not None
    event = RequestEvent(
        provider="shop",
        operation="get",
        method="GET",
        url="https://x.invalid/1",
        attempt=1,
        duration=0.01,
        status=200,
        request_id="pk_1",
        error=None,
    )
    observer(event)
    assert seen == [event]
    err = capsys.readouterr().err
    assert "promokit_register_providers [hook]" in err
    assert "promokit_request_done [hook]" in err
