"""Canned HTTP answers served by a real aiohttp server on loopback (no client mocking)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from promokit.http.loopback import LoopbackServer

_HOSTED = re.compile(r"^/(https?)/([^/]+)(/.*)?$")


@dataclass(frozen=True)
class CannedRequest:
    """A request as the canned server received it."""

    method: str
    url: URL
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (``None`` when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass
class _Answer:
    pattern: URL | re.Pattern[str]
    method: str
    status: int
    body: bytes
    headers: CIMultiDict[str]
    reason: str | None
    left: int | None  # answers left; None = forever

    def matches(self, method: str, url: URL) -> bool:
        if method != self.method:
            return False
        if isinstance(self.pattern, re.Pattern):
            return self.pattern.match(str(url)) is not None
        return _normal(self.pattern) == _normal(url)


def _normal(url: URL) -> URL:
    # Query order is not meaningful to a server, so canned URLs match in any order.
    return url.with_query(urlencode(sorted(parse_qsl(url.query_string, keep_blank_values=True))))


class CannedServer(LoopbackServer):
    """Answers requests with registered responses, over real HTTP on 127.0.0.1.

    The API follows ``aioresponses`` (``add``, ``get``/``post``/..., ``requests``),
    but nothing inside aiohttp is patched: the client under test really connects,
    so it works on every aiohttp release. A URL on another host is reached through
    :meth:`base_for`, which maps ``https://api.example`` to a path on this server::

        async with CannedServer() as canned:
            canned.get("https://api.example/v1/items/7", payload={"id": "7"})
            base_url = canned.base_for("https://api.example/v1")  # give this to the client

    Answers match in the order added; each answers once unless ``repeat`` (``True``
    for always, or a count). A request nothing matches gets HTTP 501 whose body
    names it, and is listed in :attr:`unmatched`.
    """

    def __init__(self, *, host: str = "127.0.0.1") -> None:
        super().__init__(host=host)
        self.requests: dict[tuple[str, URL], list[CannedRequest]] = {}
        """Every request received, keyed like aioresponses: ``(method, URL)``."""
        self.unmatched: list[str] = []
        self._answers: list[_Answer] = []

    # -- answers -------------------------------------------------------------------

    def add(
        self,
        url: str | URL | re.Pattern[str],
        method: str = "GET",
        status: int = 200,
        body: str | bytes = b"",
        *,
        payload: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        reason: str | None = None,
        repeat: bool | int = False,
    ) -> None:
        """Answer the next request for ``method`` ``url`` (a string or a regex)."""
        if payload is not None:
            body = json.dumps(payload)
        merged: CIMultiDict[str] = CIMultiDict({"Content-Type": content_type})
        merged.update(headers or {})
        left = None if repeat is True else (int(repeat) if repeat else 1)
        pattern = url if isinstance(url, re.Pattern) else URL(str(url))
        data = body.encode() if isinstance(body, str) else body
        self._answers.append(_Answer(pattern, method.upper(), status, data, merged, reason, left))

    def get(self, url: str | URL | re.Pattern[str], **kwargs: Any) -> None:
        """:meth:`add` for GET."""
        self.add(url, "GET", **kwargs)

    def post(self, url: str | URL | re.Pattern[str], **kwargs: Any) -> None:
        """:meth:`add` for POST."""
        self.add(url, "POST", **kwargs)

    def put(self, url: str | URL | re.Pattern[str], **kwargs: Any) -> None:
        """:meth:`add` for PUT."""
        self.add(url, "PUT", **kwargs)

    def patch(self, url: str | URL | re.Pattern[str], **kwargs: Any) -> None:
        """:meth:`add` for PATCH."""
        self.add(url, "PATCH", **kwargs)

    def delete(self, url: str | URL | re.Pattern[str], **kwargs: Any) -> None:
        """:meth:`add` for DELETE."""
        self.add(url, "DELETE", **kwargs)

    def clear(self) -> None:
        """Forget every answer and every recorded request."""
        self._answers.clear()
        self.requests.clear()
        self.unmatched.clear()

    # -- addresses -----------------------------------------------------------------

    @property
    def url(self) -> str:
        """This server's root URL (answers added for it match as they are)."""
        return f"http://{self.host}:{self.port}"

    def base_for(self, base_url: str) -> str:
        """The loopback URL that stands for ``base_url``: requests under it are
        matched against answers added for ``base_url``'s own host."""
        real = URL(base_url)
        if real.scheme not in ("http", "https") or not real.host:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        authority = real.raw_authority
        return f"{self.url}/{real.scheme}/{authority}{real.raw_path.rstrip('/')}"

    def _real_url(self, request: web.Request) -> URL:
        hosted = _HOSTED.match(request.raw_path.split("?", 1)[0])
        if hosted is None:
            return URL(self.url + request.raw_path)
        scheme, authority, path = hosted.groups()
        query = f"?{request.query_string}" if request.query_string else ""
        return URL(f"{scheme}://{authority}{path or '/'}{query}")

    # -- serving -------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        url = self._real_url(request)
        body = await request.read()
        received = CannedRequest(request.method, url, request.headers, body)
        self.requests.setdefault((request.method, url), []).append(received)
        for answer in self._answers:
            if answer.matches(request.method, url):
                if answer.left is not None:
                    answer.left -= 1
                    if answer.left <= 0:
                        self._answers.remove(answer)
                return web.Response(
                    status=answer.status,
                    reason=answer.reason,
                    body=answer.body,
                    headers=answer.headers,
                )
        label = f"{request.method} {url}"
        self.unmatched.append(label)
        return web.Response(
            status=501, text=f"promokit CannedServer: no answer registered for {label}"
        )

    def build_app(self) -> web.Application:
        """One catch-all route: every method, every path."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app


__all__ = ["CannedRequest", "CannedServer"]
