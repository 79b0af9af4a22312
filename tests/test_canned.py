"""CannedServer: canned answers over real loopback HTTP, matched as aioresponses matches."""

from __future__ import annotations

import re
import subprocess
import sys

import aiohttp
import pytest
from yarl import URL

from promokit.testing import CannedServer


async def test_answers_match_in_order_once_each_unless_repeated() -> None:
    async with CannedServer() as canned, aiohttp.ClientSession() as session:
        base = canned.base_for("https://api.example/v1")
        canned.get("https://api.example/v1/items/7", payload={"id": "7"})
        canned.get("https://api.example/v1/items/7", status=404, body="gone", repeat=2)
        canned.add(re.compile(r"^https://api\.example/v1/any/.*$"), "POST", 201, repeat=True)
        answers = []
        for _ in range(4):
            async with session.get(base + "/items/7") as response:
                answers.append((response.status, await response.read()))
        assert answers[:3] == [(200, b'{"id": "7"}'), (404, b"gone"), (404, b"gone")]
        assert answers[3][0] == 501  # nothing left: a clear refusal naming the request
        assert b"GET https://api.example/v1/items/7" in answers[3][1]
        assert canned.unmatched == ["GET https://api.example/v1/items/7"]
        for path in ("/any/1", "/any/2"):
            async with session.post(base + path, json={"n": 1}) as response:
                assert response.status == 201
        assert len(canned.requests["GET", URL("https://api.example/v1/items/7")]) == 4


async def test_query_order_headers_and_request_bodies() -> None:
    async with CannedServer() as canned, aiohttp.ClientSession() as session:
        canned.get(
            "https://api.example/list?page=2&size=10",
            body=b"<html/>",
            content_type="text/html",
            headers={"X-Request-Id": "req_1"},
        )
        url = canned.base_for("https://api.example") + "/list"
        async with session.get(url, params={"size": "10", "page": "2"}) as response:
            assert response.status == 200
            assert response.headers["content-type"] == "text/html"
            assert response.headers["x-request-id"] == "req_1"
        async with session.post(url, json={"a": 1}, headers={"X-Trace": "t"}):
            pass
        (sent,) = [r for (method, _), rs in canned.requests.items() if method == "POST" for r in rs]
        assert sent.json() == {"a": 1}
        assert sent.headers["x-trace"] == "t"  # case-insensitive, as HTTP names are
        assert str(sent.url) == "https://api.example/list"


async def test_own_urls_and_bad_bases() -> None:
    async with CannedServer() as canned, aiohttp.ClientSession() as session:
        canned.get(canned.url + "/plain", body="ok")
        async with session.get(canned.url + "/plain") as response:
            assert await response.text() == "ok"
        with pytest.raises(ValueError, match="not an http"):
            canned.base_for("ftp://example")
        canned.clear()
        assert canned.requests == {}


def test_the_pytest_plugin_imports_nothing_heavy_until_a_fixture_is_used() -> None:
    # pytest imports the plugin in every run where promokit is installed.
    code = (
        "import sys, pytest; import promokit.testing.pytest_plugin; "
        "print([m for m in ('aiohttp', 'msgspec', 'promokit.client') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_aioresponses_tests_skip_with_the_reason_or_fail_where_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from promokit.testing import mocked

    monkeypatch.delenv(mocked.REQUIRE, raising=False)  # the CI's aiohttp-3.13 leg sets it
    monkeypatch.delenv(mocked.SKIP, raising=False)  # and its floors leg this
    monkeypatch.setattr(mocked, "aioresponses_problem", lambda: "aioresponses 0.7.9 broke")
    mark = mocked.needs_aioresponses()
    assert mark.args == (True,)
    assert "aioresponses 0.7.9 broke" in mark.kwargs["reason"]
    assert "aiohttp-3.13 leg" in mark.kwargs["reason"]
    monkeypatch.setenv(mocked.REQUIRE, "1")
    with pytest.raises(RuntimeError, match=r"0\.7\.9 broke"):
        mocked.needs_aioresponses()
    monkeypatch.setattr(mocked, "aioresponses_problem", lambda: None)
    assert mocked.needs_aioresponses().args == (False,)
    monkeypatch.delenv(mocked.REQUIRE)
    monkeypatch.setenv(mocked.SKIP, "not at these floors")
    skipped = mocked.needs_aioresponses()
    assert skipped.args == (True,)
    assert skipped.kwargs["reason"].startswith("not at these floors")
