"""What went wrong, as promokit errors with a truthful outcome: an answer or a lost connection."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import msgspec

from promokit.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    Problem,
    PromokitError,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    RequestTimeout,
    TransportError,
    error_class_for_status,
)
from promokit.http.redact import redact_body, secret_forms, secret_probes
from promokit.http.request import SAFE_METHODS, Request, Response
from promokit.http.session import BodyTooLarge

_JSON_STARTS = (b"{", b"[")


class ErrorInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A provider failure read from a response; ``status`` may come from the body."""

    status: int
    message: str
    code: str | None = None
    request_id: str | None = None
    fields: tuple[Problem, ...] = ()
    retry_after: float | None = None


ErrorParser = Callable[[Response], ErrorInfo | None]


def default_error_info(response: Response) -> ErrorInfo | None:
    """The fallback reading of a response: any status >= 400 is a failure."""
    if response.status < 400:
        return None
    return ErrorInfo(
        status=response.status,
        message=redact_body(response.body, limit=200) or f"HTTP {response.status}",
    )


def decode_json_error(body: bytes) -> Any:
    """Parse an error body without ever raising: unknown shapes become ``None``."""
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or HTTP date); garbage is ``None``."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None or moment.tzinfo is None:
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds < 0:
        return 0.0 if seconds == seconds else None
    return seconds


class ResendRefused(Exception):
    """aiohttp's own resend of a dropped request was refused by our policy."""


def settle_call_outcome(last: PromokitError, earlier: list[BaseException]) -> None:
    """Give ``last`` the call's outcome: an earlier attempt may have reached the provider.

    A retry that never left (its deadline passed during the backoff, on a loaded loop)
    must not make the whole call read ``not_sent`` when an earlier attempt was sent.
    """
    if last.outcome != "not_sent":
        return
    sent = [e.outcome for e in earlier if isinstance(e, PromokitError) and e.outcome != "not_sent"]
    if sent:
        last.outcome = "unknown" if "unknown" in sent else "rejected"
        last.add_note(f"an earlier attempt reached the provider (outcome {last.outcome})")


class Failures:
    """One provider's reading of failures: its error parser, key masking and hint."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        error_parser: ErrorParser,
        secrets: tuple[str, ...],
        credential_hint: str,
        max_body: int,
    ) -> None:
        self.provider = provider
        self.base_url = base_url
        self.error_parser = error_parser
        self.secrets = secrets
        # Every form of every key, worked out once (scrub runs on every validate's
        # message); as bytes, masked in a body before any parser reads it: a parser
        # that cuts a snippet cannot then leave a key's prefix behind.
        self.secret_forms = tuple(form for secret in secrets for form in secret_forms(secret))
        self.secret_bytes = tuple(form.encode() for form in self.secret_forms)
        # Every answer's body is searched for them: two searches, not one per form.
        self.secret_probes = tuple(probe.encode() for probe in secret_probes(self.secret_forms))
        self.credential_hint = credential_hint
        self.max_body = max_body

    def context(self, operation: str, request_id: str) -> dict[str, Any]:
        """What every error of an attempt says about where it happened."""
        return {"provider": self.provider, "operation": operation, "request_id": request_id}

    def scrub(self, text: str) -> str:
        """Provider text with every form of the provider's key masked."""
        for form in self.secret_forms:
            if form in text:
                text = text.replace(form, "****")
        return text

    def check(self, response: Response, request: Request, request_id: str) -> Response:
        """``response`` if it is a success we can read, else its typed error."""
        if 300 <= response.status < 400:
            raise self._redirected(response, request, request_id)
        body = response.body
        for probe in self.secret_probes:
            if probe in body:
                response.body = self.mask(body)
                break
        try:
            info = self.error_parser(response)
        except RecursionError:
            raise self._too_deep(response, request, request_id) from None
        if info is not None:
            raise self._error(self._clean_info(info), response, request.operation)
        if request.expect_json and response.body[:1] not in _JSON_STARTS:
            self._not_json(response, self.context(request.operation, request_id))
        return response

    def mask(self, body: bytes) -> bytes:
        """``body`` with every form of the provider's key replaced by ``****``."""
        for form in self.secret_bytes:
            body = body.replace(form, b"****")
        return body

    def _redirected(self, response: Response, request: Request, request_id: str) -> PromokitError:
        location = self.scrub(response.headers.get("Location", "?"))
        # The provider received the request and answered it: what it did with a
        # write before redirecting is unknown (a 303 after a POST means "done").
        return ConfigurationError(
            f"the provider redirected to {location!r}; check base_url (redirects are not followed)",
            status=response.status,
            outcome="rejected" if request.method in SAFE_METHODS else "unknown",
            **self.context(request.operation, request_id),
        )

    def _too_deep(self, response: Response, request: Request, request_id: str) -> PromokitError:
        # JSON nested past the decoder's limit: neither a failure we can read nor a
        # success we can use.
        return ProviderResponseError(
            f"HTTP {response.status} answer nests JSON too deep to read",
            status=response.status,
            kind="too_deep",
            **self.context(request.operation, request_id),
        )

    def lost(self, error: BaseException, operation: str, request_id: str) -> PromokitError | None:
        """The promokit error for an exception out of the wire, or ``None`` if not ours."""
        context = self.context(operation, request_id)
        if isinstance(error, BodyTooLarge):
            size = "response" if error.length is None else f"response of {error.length} bytes"
            return ProviderResponseError(
                f"{size} exceeds the {self.max_body}-byte cap",
                status=error.status,
                kind="too_large",
                **context,
            )
        if isinstance(error, aiohttp.ClientConnectorCertificateError):
            return ConnectError(
                f"TLS certificate of {error.host} could not be verified",
                retryable=False,
                **context,
            )
        if isinstance(error, aiohttp.ClientConnectorError):
            return ConnectError(f"could not connect to {error.host}:{error.port}", **context)
        if isinstance(error, aiohttp.ConnectionTimeoutError):
            return ConnectError("connection timed out before the request was sent", **context)
        if isinstance(error, TimeoutError):
            return self.timed_out(operation, request_id)
        if isinstance(error, aiohttp.ClientError):
            return TransportError(
                f"connection failed mid-request: {type(error).__name__}", **context
            )
        if isinstance(error, ResendRefused):
            return TransportError(
                f"connection failed mid-request and was not resent: {error}", **context
            )
        return None

    def too_late(self, operation: str, request_id: str) -> RequestTimeout:
        """The deadline passed before an attempt could be sent."""
        return RequestTimeout(
            "deadline passed before the request was sent",
            outcome="not_sent",
            retryable=False,
            **self.context(operation, request_id),
        )

    def timed_out(self, operation: str, request_id: str) -> RequestTimeout:
        """The deadline passed while the request was out: it may have arrived."""
        return RequestTimeout(
            "no complete response before the deadline", **self.context(operation, request_id)
        )

    def _not_json(self, response: Response, context: dict[str, Any]) -> None:
        """A success status whose body is not JSON: a proxy page, maintenance, nothing."""
        body = response.body.lstrip()
        if body[:1] in _JSON_STARTS:
            return
        content_type = response.headers.get("Content-Type", "?")
        kind = "empty" if not body else "not_json"
        snippet = redact_body(body, self.secrets, limit=120)
        raise ProviderResponseError(
            f"HTTP {response.status} answer is {'empty' if not body else 'not JSON'} "
            f"(Content-Type {content_type}): {snippet!r}",
            status=response.status,
            kind=kind,
            **context,
        )

    def _clean_info(self, info: ErrorInfo) -> ErrorInfo:
        """``info`` with every form of our key masked in everything the provider wrote."""
        if not self.secrets:
            return info
        clean = self.scrub
        return msgspec.structs.replace(
            info,
            message=clean(info.message),
            code=None if info.code is None else clean(info.code),
            request_id=None if info.request_id is None else clean(info.request_id),
            fields=tuple(Problem(clean(p.path), clean(p.message)) for p in info.fields),
        )

    def _error(self, info: ErrorInfo, response: Response, operation: str) -> ProviderError:
        cls = error_class_for_status(info.status)
        kwargs: dict[str, Any] = {
            "provider": self.provider,
            "operation": operation,
            "status": info.status,
            "code": info.code,
            "request_id": info.request_id or response.request_id,
            "fields": info.fields,
            "problems": info.fields,
        }
        if cls is RateLimited:
            retry_after = info.retry_after
            if retry_after is None:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            kwargs["retry_after"] = retry_after
        if info.status == 408:
            kwargs["retryable"] = True
            kwargs["outcome"] = "unknown"
        if cls is AuthenticationError and self.credential_hint:
            # Say which key and environment were tried (a hint, never the key itself);
            # the provider's message stays verbatim.
            kwargs["hint"] = f"sent {self.credential_hint} to {self.base_url}"
        return cls(info.message, **kwargs)


__all__ = [
    "ErrorInfo",
    "ErrorParser",
    "Failures",
    "ResendRefused",
    "decode_json_error",
    "default_error_info",
    "parse_retry_after",
    "settle_call_outcome",
]
