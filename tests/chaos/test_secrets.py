"""A gateway that echoes the key (raw, base64 of ``key:``, URL-encoded) never makes it print."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import pytest

from promokit import PromokitError

from .conftest import Rig, error_texts, leaks, log_texts, promotion_for
from .tally import TALLY

ECHOES = ("echo_key_401", "echo_key_400", "echo_key_html_502", "redirect", "html_200")


async def run(rig: Rig, operation: str) -> Any:
    if operation == "get":
        return await rig.client.get("abc123")
    return await rig.client.create(promotion_for(rig.provider))


@pytest.mark.parametrize("operation", ["get", "create"])
@pytest.mark.parametrize("scenario", ECHOES)
async def test_an_echoed_key_is_masked_in_every_error_and_log(
    rig: Rig, scenario: str, operation: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    rig.chaos.scenario = scenario
    with pytest.raises(PromokitError) as caught:
        await run(rig, operation)
    assert leaks(rig.key, error_texts(caught.value)) == []
    assert leaks(rig.key, log_texts(debug_logs)) == []


@pytest.mark.parametrize("scenario", ["echo_key_cut_502", "echo_key_cut_200"])
@pytest.mark.parametrize("cut_at", [120, 200])
async def test_a_key_straddling_where_a_snippet_is_cut_leaves_no_prefix(
    rig: Rig, scenario: str, cut_at: int, debug_logs: pytest.LogCaptureFixture
) -> None:
    # Snippets of unreadable pages are cut at 120 (Durianpay, non-JSON successes) or
    # 200 characters (the default parser): the key is masked before the cut.
    rig.chaos.scenario = scenario
    rig.chaos.cut_at = cut_at
    with pytest.raises(PromokitError) as caught:
        await rig.client.get("abc123")
    assert leaks(rig.key, error_texts(caught.value)) == []
    assert leaks(rig.key, log_texts(debug_logs)) == []


async def test_recorded_fixtures_of_an_echoing_gateway_hold_no_key(rig: Rig, tmp_path: Any) -> None:
    from promokit.testing.recorder import Recorder

    recorder = Recorder()
    recorder.attach(rig.client.provider())
    for scenario in ("echo_key_401", "echo_key_400", "echo_key_html_502", "html_200"):
        rig.chaos.scenario = scenario
        with pytest.raises(PromokitError):
            await rig.client.get("abc123")
    files = recorder.save(tmp_path)
    assert len(files) >= 4  # 502s are retried
    assert leaks(rig.key, [path.read_text() for path in files]) == []


@pytest.mark.parametrize("scenario", ["echo_key_401", "echo_key_html_502", "redirect"])
async def test_the_cli_never_prints_an_echoed_key(rig: Rig, scenario: str, tmp_path: Any) -> None:
    config = tmp_path / "promokit.toml"
    config.write_text(
        f'[providers.shop]\nplugin = "{rig.provider}"\napi_key_env = "CHAOS_KEY"\n'
        f'base_url = "{rig.url}"\ntimeout = 1.0\n'
    )
    rig.chaos.scenario = scenario
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "promokit.cli",
        "get",
        "abc123",
        "--config",
        str(config),
        "--debug",  # tracebacks and DEBUG logs too
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "CHAOS_KEY": rig.key},
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode != 0
    assert rig.chaos.seen  # the CLI did reach the gateway
    leaked = leaks(rig.key, [out.decode(), err.decode()])
    TALLY.scenario(leaks=len(leaked))
    assert leaked == []


@pytest.mark.parametrize("rig", ["mayar"], indirect=True)  # Durianpay validates locally
async def test_a_key_echoed_in_a_validate_answer_is_masked_in_the_result(rig: Rig) -> None:
    from promokit import Checkout

    rig.chaos.scenario = "echo_key_200"
    validation = await rig.client.validate("CODE1", Checkout(amount=600_000, product_id="p1"))
    assert validation.message is not None
    assert validation.message.startswith("key=****")  # the provider's own text, masked
    assert leaks(rig.key, [validation.message, repr(validation)]) == []
