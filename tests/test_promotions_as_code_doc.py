"""Every block of docs/promotions-as-code.md runs, in order, against the emulators."""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from promokit.cli import main
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.emulators import load_emulator

from .cli_support import BackgroundEmulators

PAGE = Path(__file__).resolve().parents[1] / "docs" / "promotions-as-code.md"
BLOCK = re.compile(r'```(\w+)(?: title="([^"]+)")?\n(.*?)```', re.DOTALL)
EXIT = re.compile(r"#\s*exit (\d)")


def blocks() -> list[tuple[str, str, str]]:
    return BLOCK.findall(PAGE.read_text(encoding="utf-8"))


@pytest.fixture
def emulators() -> Iterator[BackgroundEmulators]:
    running = BackgroundEmulators()
    yield running
    running.close()


def run_command(line: str) -> int:
    command = line.partition("#")[0]
    argv = shlex.split(command)
    assert argv[0] == "promokit", line
    return CliRunner().invoke(main, argv[1:], catch_exceptions=False).exit_code


def test_the_walkthrough_runs_from_an_empty_gateway_to_the_pull_request_check(
    emulators: BackgroundEmulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMOKIT_LEDGER_URL", raising=False)
    servers: dict[str, str] = {}
    ran = []
    for language, title, code in blocks():
        if language == "toml":
            text = code
            if title == "promokit.toml":
                # The emulators run on free ports here, not the page's 8701/8702.
                for port, url in servers.items():
                    text = re.sub(rf"http://127\.0\.0\.1:{port}/[\w/]*", url, text)
            (tmp_path / title).write_text(text, encoding="utf-8")
            tomllib.loads(text)
        elif language == "console":
            for line in code.strip().splitlines():
                assert line.startswith("$ "), line
                argv = shlex.split(line[2:].partition("#")[0])
                if argv[1] == "emulate":
                    # `promokit emulate` serves until stopped: start the same emulator here.
                    plugin, port = argv[2], argv[argv.index("--port") + 1]
                    servers[port] = _serve(emulators, plugin, tmp_path, port)
                    continue
                expected = EXIT.search(line)
                assert expected is not None, f"say which exit code {line!r} ends with"
                assert run_command(line[2:]) == int(expected.group(1)), line
        elif language == "python":
            exec(compile(code, str(PAGE), "exec"), {"__name__": "__doc__"})
        elif language == "yaml":
            [check] = re.findall(r"- run: (promokit diff .*)", code)
            assert run_command(check) == 0, "the pull-request check passes once applied"
        else:
            raise AssertionError(f"a {language} block this test does not run")
        ran.append(language)
    assert ran.count("console") >= 4
    assert {"toml", "python", "yaml"} <= set(ran)


def _serve(emulators: BackgroundEmulators, plugin: str, directory: Path, port: str) -> str:
    """Serve ``plugin``'s emulator accepting the key the page's config will name."""
    keys = {"mayar": "emulator-mayar-key-0001", "durianpay": "dp_test_emulator00000001"}
    emulator, prefix = load_emulator(plugin, api_key=keys[plugin])
    server = EmulatorServer(emulator, prefix=prefix)
    emulators.call(server.start())
    emulators.servers.append(server)  # stopped with the others
    return server.url


def test_the_page_is_in_the_site_navigation() -> None:
    nav = (PAGE.parents[1] / "mkdocs.yml").read_text(encoding="utf-8")
    assert "promotions-as-code.md" in nav
