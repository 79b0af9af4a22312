"""A caller's aiohttp session and its trace configs see every request; OpenTelemetry spans."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import promokit
from promokit.testing import CannedServer

ROOT = Path(__file__).resolve().parents[1]
DETAIL = ROOT / "plugins" / "mayar" / "tests" / "fixtures" / "detail_response.json"
PROMOTION_ID = "c9aa143a-53f9-44e7-a9c6-83229ad7199b"  # the documented detail example's


def mayar_config(canned: CannedServer) -> dict[str, Any]:
    table = {"plugin": "mayar", "api_key": "mayar-test-key-0001", "base_url": canned.url + "/hl/v2"}
    return {"default": "shop", "providers": {"shop": table}}


async def test_a_callers_session_traces_every_request_and_stays_open() -> None:
    seen: list[tuple[str, str, int]] = []

    async def on_end(_: Any, __: Any, params: aiohttp.TraceRequestEndParams) -> None:
        seen.append((params.method, params.headers["X-Request-Id"], params.response.status))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    async with CannedServer() as canned, aiohttp.ClientSession(trace_configs=[trace]) as session:
        canned.get(f"{canned.url}/hl/v2/coupons/{PROMOTION_ID}", body=DETAIL.read_bytes())
        async with promokit.Client.from_config(mayar_config(canned), session=session) as client:
            fetched = await client.get(PROMOTION_ID)
        assert not session.closed  # the caller's session outlives the client
    assert fetched.id == PROMOTION_ID
    ((method, request_id, status),) = seen
    assert (method, status) == ("GET", 200)
    assert request_id.startswith("pk_")


async def test_opentelemetry_spans_carry_both_request_ids() -> None:
    pytest.importorskip(
        "opentelemetry.instrumentation.aiohttp_client",
        reason="the otel extra is not installed (the dev extra, so the README's leg, has it)",
    )
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    page = ROOT / "docs" / "observability.md"
    (block,) = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    async with CannedServer() as canned:
        canned.get(
            f"{canned.url}/hl/v2/coupons/{PROMOTION_ID}",
            body=DETAIL.read_bytes(),
            headers={"X-Request-Id": "gw_req_7"},
        )
        namespace: dict[str, Any] = {
            "PROVIDER": provider,
            "CONFIG": mayar_config(canned),
            "PROMOTION_ID": PROMOTION_ID,
        }
        exec(compile(block, str(page), "exec"), namespace)
        fetched = await namespace["fetch_traced"]()
    assert fetched.id == PROMOTION_ID
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["gateway.request_id"] == "gw_req_7"
    assert str(span.attributes["promokit.request_id"]).startswith("pk_")
    assert span.name.startswith("GET")
