"""Reading a Mayar failure out of a response: the body's ``statusCode`` is authoritative."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import msgspec

from promokit.sdk import ErrorInfo, Problem, Response, decode_json_error, default_error_info
from promokit_mayar import messages

_DETAIL_PATH = re.compile(r"/coupons/[^/]+$")


class _Envelope(msgspec.Struct, rename={"status_code": "statusCode"}):
    """Only the keys that tell success from failure; any value type is accepted.

    Decoding into it skips ``data`` (validated as JSON, never built as Python
    objects): every successful response passes through here before its typed
    decode, so building the whole body untyped would be wasted work.
    """

    status_code: Any = None
    messages: Any = None
    message: Any = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)
# Every documented success body starts so (compact JSON, in this key order): such a
# body cannot report a failure, so the envelope need not be parsed at all.
_DOCUMENTED_SUCCESS = b'{"statusCode":200,"messages":"success",'


def error_info(response: Response) -> ErrorInfo | None:
    """The failure ``response`` carries, or ``None`` when it succeeded.

    Mayar can report a failure under HTTP 200: a body ``statusCode`` >= 400, or
    ``messages: "failed"`` (observed with the validator's issue array in ``data``).
    A body in any other shape still gives a typed failure when the HTTP status is
    an error; a 2xx body that is not an envelope is left to the strict decoder.
    """
    if response.status < 400 and response.body.startswith(_DOCUMENTED_SUCCESS):
        return None  # the documented success envelope, without parsing it first
    envelope = _read_envelope(response.body)
    body_status = _int(envelope.status_code) if envelope is not None else None
    text = _text(envelope)
    if response.status < 400 and not _body_failed(envelope, body_status, text):
        return None
    status = _status(response.status, body_status)
    if envelope is None:
        fallback = default_error_info(response)
        message = fallback.message if fallback is not None else f"HTTP {status}"
        return ErrorInfo(status=status, message=message)
    # A failure: now (and only now) the whole body is worth parsing, for its issues.
    parsed = decode_json_error(response.body)
    data = parsed.get("data") if isinstance(parsed, dict) else None
    info = ErrorInfo(status=status, message=text or f"HTTP {status}", fields=_issues(data))
    if _unknown_id_answer(response, body_status, text, parsed):
        return _not_found(info)
    return info


def _read_envelope(body: bytes) -> _Envelope | None:
    """The envelope keys of a JSON object body; ``None`` for anything else."""
    if not body:
        return None
    try:
        return _ENVELOPE.decode(body)
    except msgspec.DecodeError:  # not JSON, or JSON but not an object (ValidationError)
        return None


def _body_failed(envelope: _Envelope | None, body_status: int | None, text: str | None) -> bool:
    if envelope is None:
        return False
    if body_status is not None:
        return body_status >= 400 or (text is not None and text.casefold() == messages.FAILED)
    # No statusCode at all: only the word "success" (any case) means it worked.
    return text is not None and text.casefold() != messages.SUCCESS


def _status(http_status: int, body_status: int | None) -> int:
    if body_status is not None and body_status >= 400:
        return body_status
    if http_status >= 400:
        return http_status
    # HTTP 200 with "failed" and a 2xx statusCode: the validator refused the body.
    return 400


def _unknown_id_answer(
    response: Response, body_status: int | None, text: str | None, parsed: object
) -> bool:
    """Whether ``response`` is Mayar's answer to the detail of an id that does not exist.

    That answer is a 500 (docs-source maintainer note), in the envelope Mayar
    documents for its 500s: ``{"statusCode": 500, "messages": "Internal Server
    Error", "data": null}``. Only exactly that, on ``GET /coupons/{id}``, reads as
    not found; an HTML page, another message or a 502/503 is an outage, and stays a
    :class:`~promokit.errors.ProviderServerError` that a read retries.
    """
    return (
        response.status in (200, 500)  # 200: failures may arrive in the body alone
        and body_status == 500
        and text == messages.INTERNAL_SERVER_ERROR
        and isinstance(parsed, dict)
        and "data" in parsed
        and parsed["data"] is None
        and response.method == "GET"
        and _DETAIL_PATH.search(urlsplit(response.url).path) is not None
    )


def _not_found(info: ErrorInfo) -> ErrorInfo:
    """The unknown-id answer as a 404, which also stops the transport from retrying it."""
    return ErrorInfo(
        status=404,
        message=f"no discount with this id (Mayar answers HTTP 500 for unknown ids: "
        f"{info.message})",
        fields=info.fields,
    )


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(envelope: _Envelope | None) -> str | None:
    """``messages`` (most endpoints) or ``message`` (some write endpoints)."""
    if envelope is None:
        return None
    for value in (envelope.messages, envelope.message):
        if isinstance(value, str) and value.strip():
            return value
    return None


def _issues(data: object) -> tuple[Problem, ...]:
    """The validator's issue array, each ``{"field", "message", "type", ...}``, as Problems."""
    if not isinstance(data, list):
        return ()
    problems: list[Problem] = []
    for item in data:
        if isinstance(item, dict) and isinstance(item.get("message"), str):
            field = item.get("field")
            problems.append(
                Problem(field if isinstance(field, str) and field else "$", item["message"])
            )
        elif isinstance(item, str):
            problems.append(Problem("$", item))
    return tuple(problems)
