"""Reading Durianpay's error bodies, in every documented shape and any undocumented one."""

from __future__ import annotations

import re

import msgspec

from promokit.sdk import ErrorInfo, Problem, Response, redact_body
from promokit_durianpay.wire import ErrorBody

UNAUTHORIZED = "DPAY_UNAUTHORIZED_ACCESS"
INVALID_REQUEST = "DPAY_INVALID_REQUEST"
INTERNAL_ERROR = "DPAY_INTERNAL_ERROR"

_DUPLICATE_LABEL = re.compile(
    r"label\b.*\b(already|duplicate|taken|unique)|\b(duplicate|unique)\b.*\blabel",
    re.IGNORECASE,
)
_DUPLICATE_FIELD = re.compile(r"\b(already|duplicate|taken|unique)\b", re.IGNORECASE)
# The create docs' 400 example ends its object with a trailing comma (invalid JSON);
# removing such commas lets that exact body be read instead of shown raw.
_TRAILING_COMMA = re.compile(rb",(\s*[}\]])")
_ERROR_DECODER = msgspec.json.Decoder(ErrorBody)


def _read(body: bytes) -> ErrorBody | None:
    for candidate in (body, _TRAILING_COMMA.sub(rb"\1", body)):
        try:
            return _ERROR_DECODER.decode(candidate)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue
    return None


def _message(parsed: ErrorBody, fields: tuple[Problem, ...]) -> str | None:
    if parsed.error:
        return parsed.error
    if parsed.message:
        return parsed.message
    if parsed.data is not None and parsed.data.reason:
        return parsed.data.reason
    if fields:
        return "; ".join(str(problem) for problem in fields)
    return None


def _is_duplicate_label(message: str, fields: tuple[Problem, ...]) -> bool:
    if _DUPLICATE_LABEL.search(message):
        return True
    return any(
        problem.path == "label" and _DUPLICATE_FIELD.search(problem.message) is not None
        for problem in fields
    )


def _unreadable(response: Response) -> str:
    content_type = str(response.headers.get("Content-Type", "")).split(";")[0].strip()
    kind = content_type or "no content type"
    if not response.body.strip():
        return f"HTTP {response.status} with an empty body"
    snippet = redact_body(response.body, limit=120)
    return f"HTTP {response.status} with a body that is not a Durianpay error ({kind}): {snippet}"


def error_info(response: Response) -> ErrorInfo | None:
    """The failure described by ``response``, or ``None`` for a success.

    Understands ``error``/``error_code``/``request_id``, ``errors[]`` field errors
    (which may come without ``error``), ``message``, and 422 ``data.reason``. A
    400 or 409 naming an existing label becomes a 409 (Conflict), and
    ``DPAY_UNAUTHORIZED_ACCESS`` is a 401 whatever the status. Bodies in any
    other shape (HTML, empty, a JSON array) still give an error for the HTTP
    status, never a decoding failure.
    """
    status = response.status
    if status < 400:
        return None
    parsed = _read(response.body)
    if parsed is None:
        return ErrorInfo(status=status, message=_unreadable(response))
    fields = tuple(
        Problem(entry.field or "$", entry.message or "is invalid") for entry in parsed.errors or ()
    )
    message = _message(parsed, fields) or _unreadable(response)
    if status in (400, 409, 422) and _is_duplicate_label(message, fields):
        status = 409
    elif parsed.error_code == UNAUTHORIZED and status not in (401, 403):
        # The code is explicit about the cause whatever status carried it.
        status = 401
    return ErrorInfo(
        status=status,
        message=message,
        code=parsed.error_code or None,
        request_id=parsed.request_id or None,
        fields=fields,
    )
