"""Secrets that cannot be printed, and masking for headers, bodies and URLs."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote, quote_plus

from promokit.errors import ConfigurationError, Problem

_ENVIRONMENT_PREFIX = re.compile(r"[a-z]{2,4}_(?:test|live|sandbox|prod)_")
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie"})
LOGGED_HEADERS = frozenset({"content-type", "content-length", "retry-after", "x-request-id"})
_SECRET_FIELD = re.compile(
    rb'("(?:[A-Za-z_]*(?:key|secret|token|password|authorization)[A-Za-z_]*)"\s*:\s*)"[^"]*"',
    re.IGNORECASE,
)


class Secret:
    """An API key whose ``repr``/``str`` show only a hint: ``dp_test_…a1b2``.

    Call :meth:`reveal` at the single place the key is put on the wire.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The key itself; use only to build an auth header."""
        return self._value

    @property
    def hint(self) -> str:
        """A display form that identifies the key without disclosing it."""
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.hint!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __copy__(self) -> Secret:
        return self  # immutable: a copy in memory is the same key

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling a Secret must never write the key into a pickle stream. What is
        # unpickled refuses to be used: a placeholder sent as the key would only come
        # back as the gateway's 401, after a request.
        return (_withheld, ())


class _Withheld(Secret):
    """What an unpickled :class:`Secret` is: no key, and an error where one is needed."""

    __slots__ = ()

    def reveal(self) -> str:
        raise ConfigurationError(
            "this API key came from a pickle, which never carries a key; nothing was "
            "sent. Load the config in this process (promokit.Client.from_config, or "
            "promokit.config.load_config) instead of pickling settings",
            problems=[Problem("api_key", "unpickled: a pickle never carries the key")],
        )


def _withheld() -> Secret:
    return _Withheld("<redacted>")


def mask(value: str) -> str:
    """Keep an environment prefix (``dp_test_``, ``sk_live_``) and the last 4 characters.

    The prefix says which environment a key belongs to, which is what a person
    needs to spot a wrong key; it is not secret.
    """
    if len(value) < 12:
        return "****"
    match = _ENVIRONMENT_PREFIX.match(value)
    return f"{match.group(0) if match else ''}…{value[-4:]}"


def secret_forms(value: str) -> tuple[str, ...]:
    """Every form in which a key could leak, longest first.

    Raw; Basic-auth base64 of ``key:`` (with and without its ``=`` padding); and
    each URL-encoded (fully, as a path keeping ``/``, as a form), as a gateway
    echoes them in a redirect's ``Location``.
    """
    basic = base64.b64encode(f"{value}:".encode()).decode()
    forms = {value, basic, basic.rstrip("=")}
    for form in (value, basic):
        # Encoded as a path keeps "/", as a form query turns " " into "+".
        forms |= {quote(form, safe=""), quote(form), quote_plus(form)}
    return tuple(sorted(forms, key=len, reverse=True))


_QUOTED_FROM = re.compile(r"[^A-Za-z0-9_.~-]")
"""Where URL quoting first changes a form: every quoted form keeps what precedes it."""


def secret_probes(forms: tuple[str, ...], *, shortest: int = 8) -> tuple[str, ...]:
    """Fewer strings to look for than ``forms``: a text holding any form holds one of these.

    Each form starts with its unquoted head (what URL quoting leaves alone), so a key
    and its quoted forms share one head, and the Basic-auth forms another: two
    searches of a body instead of one per form. Heads shorter than ``shortest`` would
    match by chance, so then the forms themselves are the probes.
    """
    heads = {
        form[: match.start()] if (match := _QUOTED_FROM.search(form)) else form for form in forms
    }
    if min(map(len, heads), default=shortest) < shortest:
        return forms
    # A head holding another is found by that one: keep only the ones holding none.
    return tuple(head for head in heads if not any(other in head for other in heads - {head}))


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every form of every secret in ``secrets`` replaced by ``****``."""
    for secret in secrets:
        for form in secret_forms(secret):
            if form in text:
                text = text.replace(form, "****")
    return text


def redact_headers(headers: Any) -> dict[str, str]:
    """Only allow-listed headers, for logs; sensitive ones are never included."""
    return {k: v for k, v in headers.items() if k.lower() in LOGGED_HEADERS}


def redact_body(body: bytes | None, secrets: tuple[str, ...] = (), limit: int = 2048) -> str:
    """A log-safe snippet of a JSON body: secret-like fields and known secrets masked.

    Masked first, cut to ``limit`` characters after: a secret straddling the cut
    would otherwise leave its prefix behind.
    """
    if not body:
        return ""
    masked = _SECRET_FIELD.sub(rb'\1"****"', body)
    longest = max((len(form) for secret in secrets for form in secret_forms(secret)), default=0)
    # Only the part that can reach the snippet is decoded (a body may be megabytes).
    window = masked[: (limit + longest) * 4]
    text = scrub(window.decode("utf-8", errors="replace"), secrets)
    cut = text[:limit]
    return cut + ("…" if len(text) > limit or len(window) < len(masked) else "")
