"""Record a provider's HTTP exchanges as redacted JSON fixtures, and replay them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from promokit.http.redact import LOGGED_HEADERS, secret_forms
from promokit.http.transport import ErrorInfo, Response
from promokit.plugins.provider import Provider
from promokit.testing.secrets import SecretLeak

MASK = "****"
SECRET_FIELD = re.compile(r"(key|secret|token|password|authorization|signature)", re.IGNORECASE)
"""JSON field names whose values are always masked, whatever they hold."""


@dataclass
class Exchange:
    """One request and the response it got, as stored in a fixture file.

    Bodies are kept as parsed JSON when they are JSON, as text otherwise.
    ``path`` is relative to the provider's base URL, so a fixture can be replayed
    against any host.
    """

    operation: str
    method: str
    path: str
    status: int
    query: dict[str, str] = field(default_factory=dict)
    request_body: Any = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None

    def response_bytes(self) -> bytes:
        """The response body as it would come over the wire."""
        if self.response_body is None:
            return b""
        if isinstance(self.response_body, str):
            return self.response_body.encode()
        return json.dumps(self.response_body).encode()


@dataclass
class _Pending:
    operation: str
    method: str
    path: str
    query: dict[str, str]
    body: bytes | None


_CURRENT: ContextVar[_Pending | None] = ContextVar("promokit_recorder_request", default=None)


def _parse(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace")


class Recorder:
    """Captures every exchange of the providers it is attached to, already redacted.

    Attach it to a provider built by a client (``client.provider(alias)``), run the
    operations — against an emulator or, once, against a sandbox — then
    :meth:`save` the exchanges as fixture files. Redaction happens when an
    exchange is captured, so nothing unredacted is ever kept:

    * every form of every key in ``secrets`` (raw and Basic-auth base64) becomes
      ``****`` wherever it appears;
    * JSON fields named like ``*key*``, ``*secret*``, ``*token*``, ``*password*``,
      ``*authorization*`` or ``*signature*`` are masked whatever they hold;
    * ``replace`` maps any other text (customer e-mails, account ids) to stand-ins;
    * only allow-listed response headers are kept (``Content-Type``, ``Retry-After``,
      ``X-Request-Id``...); request headers (where credentials live) never are.
    """

    def __init__(
        self, secrets: Iterable[str] = (), *, replace: Mapping[str, str] | None = None
    ) -> None:
        self.secrets = tuple(secret for secret in secrets if secret)
        self.replace = dict(replace or {})
        self.exchanges: list[Exchange] = []

    # -- capture ------------------------------------------------------------------

    def attach(self, provider: Provider) -> Provider:
        """Record ``provider``'s exchanges from now on (returns it, for chaining)."""
        http = provider.http
        key = provider.settings.api_key
        if key is not None and key.reveal() not in self.secrets:
            self.secrets += (key.reveal(),)
        original_request = http.request
        original_parser = http.error_parser
        base = http.base_url

        async def request(method: str, path: str, **kwargs: Any) -> Response:
            pending = _Pending(
                operation=str(kwargs.get("operation", "?")),
                method=method,
                path=path,
                query=dict(kwargs.get("params") or {}),
                body=kwargs.get("body"),
            )
            token = _CURRENT.set(pending)
            try:
                return await original_request(method, path, **kwargs)
            finally:
                _CURRENT.reset(token)

        def parser(response: Response) -> ErrorInfo | None:
            pending = _CURRENT.get()
            path = response.url[len(base) :] if response.url.startswith(base) else response.url
            self._capture(pending, response, path)
            return original_parser(response)

        http.request = request  # type: ignore[method-assign]
        http.error_parser = parser
        return provider

    def _capture(self, pending: _Pending | None, response: Response, path: str) -> None:
        headers = {
            name: str(value)
            for name, value in response.headers.items()
            if name.lower() in LOGGED_HEADERS and name.lower() != "content-length"
        }
        exchange = Exchange(
            operation=pending.operation if pending else "?",
            method=response.method,
            path=path,
            status=response.status,
            query=pending.query if pending else {},
            request_body=_parse(pending.body if pending else None),
            response_headers=headers,
            response_body=_parse(response.body),
        )
        self.exchanges.append(self.redact(exchange))

    # -- redaction ----------------------------------------------------------------

    def _text(self, text: str) -> str:
        for secret in self.secrets:
            for form in secret_forms(secret):
                text = text.replace(form, MASK)
        for old, new in self.replace.items():
            text = text.replace(old, new)
        return text

    def _value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, list):
            return [self._value(item) for item in value]
        if isinstance(value, dict):
            return {
                self._text(str(name)): MASK
                if SECRET_FIELD.search(str(name)) and item not in (None, "")
                else self._value(item)
                for name, item in value.items()
            }
        return value

    def redact(self, exchange: Exchange) -> Exchange:
        """A copy of ``exchange`` with secrets and ``replace`` texts scrubbed."""
        data = self._value(asdict(exchange))
        data["status"] = exchange.status
        return Exchange(**data)

    def check(self, text: str) -> None:
        """Raise :class:`SecretLeak` if ``text`` still holds a secret in any form."""
        for secret in self.secrets:
            for form in secret_forms(secret):
                if form in text:
                    raise SecretLeak("a recorded fixture still contains an API key")

    # -- files --------------------------------------------------------------------

    def save(self, directory: str | Path, *, prefix: str = "") -> list[Path]:
        """Write one pretty-printed JSON file per exchange, numbered in order.

        Each file is checked for secrets after writing, so a leak fails loudly
        rather than being committed.
        """
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for index, exchange in enumerate(self.exchanges, start=1):
            name = f"{prefix}{index:03d}_{exchange.operation}_{exchange.status}.json"
            text = json.dumps(asdict(exchange), indent=2, ensure_ascii=False) + "\n"
            self.check(text)
            path = target / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


def load_exchanges(directory: str | Path, pattern: str = "*.json") -> list[Exchange]:
    """Read fixture files written by :meth:`Recorder.save`, in name order."""
    return [
        Exchange(**json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(Path(directory).glob(pattern))
    ]


MockAdd = Callable[..., None]


def replay(mock: Any, exchanges: Iterable[Exchange], base_url: str) -> None:
    """Register ``exchanges`` on a canned server, each answered once, in order.

    ``mock`` is a :class:`~promokit.testing.canned.CannedServer` (or anything with
    its ``add``, such as an ``aioresponses()`` instance); ``base_url`` is the
    provider's base URL the exchanges are answered under. With a canned server,
    give the client ``mock.base_for(base_url)``::

        async with CannedServer() as canned:
            replay(canned, load_exchanges(path), "https://api.example")
            client = promokit_client(Acme, base_url=canned.base_for("https://api.example"))
    """
    from yarl import URL

    add: MockAdd = mock.add
    for exchange in exchanges:
        url = URL(base_url.rstrip("/") + exchange.path)
        if exchange.query:
            url = url.with_query(exchange.query)
        add(
            str(url),
            method=exchange.method,
            status=exchange.status,
            body=exchange.response_bytes(),
            headers=exchange.response_headers or None,
        )


__all__ = ["Exchange", "Recorder", "load_exchanges", "replay"]
