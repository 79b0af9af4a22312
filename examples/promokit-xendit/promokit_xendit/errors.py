"""Reading a Xendit failure out of a response: ``{"error_code", "message"}``."""

from __future__ import annotations

from promokit.sdk import ErrorInfo, Response, decode_json_error


def error_info(response: Response) -> ErrorInfo | None:
    """Xendit's ``{"error_code", "message"}`` body, or the HTTP status alone."""
    if response.status < 400:
        return None
    parsed = decode_json_error(response.body)
    fields = parsed if isinstance(parsed, dict) else {}
    code, message = fields.get("error_code"), fields.get("message")
    return ErrorInfo(
        status=response.status,
        code=code if isinstance(code, str) and code else None,
        message=message if isinstance(message, str) and message else f"HTTP {response.status}",
    )
