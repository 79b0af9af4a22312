"""The promokit exception tree; every failure carries provider, outcome and retry-safety.

::

    PromokitError
    ├── ConfigurationError          bad promokit.toml, unknown provider, key/environment mismatch
    ├── PluginError                 a plugin misbehaved while registering (names the plugin)
    ├── InvalidInput                neutral input is invalid (lists every problem)
    │   ├── InvalidPromotion        a Promotion breaks a model rule
    │   │   └── UnknownFields       a copy would send fields its source did not report
    │   └── InvalidCheckout         a Checkout lacks what the provider needs
    ├── UnsupportedFeature          the provider cannot express it (lists every problem)
    ├── Overloaded                  local back-pressure: queue wait exceeded, nothing sent
    ├── TransportError              no HTTP response was received
    │   ├── ConnectError            the request never left (outcome=not_sent)
    │   └── RequestTimeout          sent, no answer in time (outcome=unknown)
    ├── ProviderError               the provider answered with a failure
    │   ├── BadRequest              400/422 (field errors in ``fields``)
    │   ├── AuthenticationError     401/403
    │   ├── NotFound                404
    │   ├── Conflict                409, duplicate code or label, fingerprint mismatch
    │   ├── RateLimited             429 (``retry_after`` seconds)
    │   ├── ProviderServerError     5xx
    │   └── ProviderResponseError   unusable success body (HTML, empty, too large)
    ├── ResponseValidationError     the body did not match the wire Struct (JSON path kept)
    ├── OutcomeUnknown              a write may or may not have happened; see Client.reconcile
    ├── WriteInProgress             another worker holds the write's lease (``holder``, ``until``)
    ├── StaleRecord                 the ledger says created, the gateway no longer has it
    └── LedgerError                 the ledger store failed (names the store, never a password)

Every error exposes ``provider``, ``operation``, ``status``, ``code``, ``message``,
``request_id``, ``outcome`` (``not_sent`` / ``rejected`` / ``unknown``) and ``retryable``.
``str()`` never contains a secret: messages are built only from redacted parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

Outcome = Literal["not_sent", "rejected", "unknown"]
ResponseKind = Literal["empty", "not_json", "too_large", "too_deep"]
"""Why a :class:`ProviderResponseError`'s body could not be used."""


class Problem:
    """One thing wrong with an input, located by a dotted field path."""

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        return f"Problem({self.path!r}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and (self.path, self.message) == (
            other.path,
            other.message,
        )

    def __hash__(self) -> int:
        return hash((self.path, self.message))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Problem, (self.path, self.message))


class PromokitError(Exception):
    """Root of every error promokit raises."""

    default_outcome: ClassVar[Outcome] = "not_sent"
    default_retryable: ClassVar[bool] = False

    hint: str | None
    """What to do about it, when promokit knows (shown after the message)."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        outcome: Outcome | None = None,
        retryable: bool | None = None,
        problems: Sequence[Problem] = (),
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.operation = operation
        self.status = status
        self.code = code
        self.request_id = request_id
        self.outcome: Outcome = outcome or self.default_outcome
        self.retryable = self.default_retryable if retryable is None else retryable
        self.problems: tuple[Problem, ...] = tuple(problems)
        extra.setdefault("hint", None)
        self.extra = extra
        for name, value in extra.items():
            setattr(self, name, value)

    def _kwargs(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "operation": self.operation,
            "status": self.status,
            "code": self.code,
            "request_id": self.request_id,
            "outcome": self.outcome,
            "retryable": self.retryable,
            "problems": self.problems,
            **self.extra,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # kw-only constructors do not survive the default Exception pickling.
        return (_rebuild, (type(self), self.message, self._kwargs()))

    def __str__(self) -> str:
        head = []
        if self.request_id:
            head.append(f"request_id={self.request_id}")
        if self.provider:
            head.append(self.provider)
        if self.operation:
            head.append(self.operation)
        if self.status is not None:
            head.append(f"HTTP {self.status}")
        if self.code:
            head.append(self.code)
        text = f"[{' '.join(head)}] {self.message}" if head else self.message
        hint = self.hint
        if hint:
            text += f" ({hint})"
        if self.problems:
            text += "".join(f"\n  - {problem}" for problem in self.problems)
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, provider={self.provider!r}, "
            f"status={self.status!r}, code={self.code!r}, request_id={self.request_id!r}, "
            f"outcome={self.outcome!r}, retryable={self.retryable!r})"
        )


def _rebuild(cls: type[PromokitError], message: str, kwargs: dict[str, Any]) -> PromokitError:
    return cls(message, **kwargs)


class ConfigurationError(PromokitError):
    """promokit.toml, environment or a provider setting is wrong.

    Usually raised before anything is sent; a redirect (``base_url`` points at the
    wrong place) is one too, raised after the provider answered, and its
    ``outcome`` says so.
    """


class PluginError(ConfigurationError):
    """A plugin failed to load or register; the message names the plugin."""


class InvalidInput(PromokitError):
    """Neutral input is invalid; ``problems`` lists every one and nothing was sent."""


class InvalidPromotion(InvalidInput):
    """The promotion breaks a rule of the model; ``problems`` lists every one."""


class UnknownFields(InvalidPromotion):
    """The promotion lists fields in ``unknown`` (its source did not report them).

    Sending it would turn placeholders into facts (a Mayar list entry's missing
    quota, a Durianpay e-wallet promo read as "every wallet"), so nothing was sent.
    ``problems`` names each field. Set the field and drop it from ``unknown``, or
    pass ``allow_unknown=True`` to send the placeholders anyway.
    """


class InvalidCheckout(InvalidInput):
    """The checkout lacks something the provider needs to validate a code."""


class UnsupportedFeature(PromokitError):
    """The provider cannot express a field, value or operation; nothing was sent."""


class Overloaded(PromokitError):
    """Too many calls are queued for a provider; the call was refused before sending."""

    default_retryable: ClassVar[bool] = True

    retry_after: float | None
    """Seconds until a queue place is likely free (``None`` when the call was queued)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("retry_after", None)
        super().__init__(message, **kwargs)


class TransportError(PromokitError):
    """No HTTP response was received."""

    default_outcome: ClassVar[Outcome] = "unknown"
    default_retryable: ClassVar[bool] = True


class ConnectError(TransportError):
    """The connection could not be made, so the request never left."""

    default_outcome: ClassVar[Outcome] = "not_sent"


class RequestTimeout(TransportError):
    """The request was sent but no complete answer arrived before the deadline."""


class ProviderError(PromokitError):
    """The provider answered with a failure; ``code`` and ``message`` are its own."""

    default_outcome: ClassVar[Outcome] = "rejected"

    fields: tuple[Problem, ...]

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("fields", ())
        super().__init__(message, **kwargs)


class BadRequest(ProviderError):
    """The provider refused the request as invalid (400, 422)."""


class AuthenticationError(ProviderError):
    """The API key was missing, wrong, or for another environment (401, 403)."""


class NotFound(ProviderError):
    """The resource does not exist for this account (404)."""


class Conflict(ProviderError):
    """The resource already exists or differs from what was expected (409)."""


class RateLimited(ProviderError):
    """The provider asked us to slow down (429); ``retry_after`` is in seconds."""

    default_retryable: ClassVar[bool] = True

    retry_after: float | None

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("retry_after", None)
        super().__init__(message, **kwargs)


class ProviderServerError(ProviderError):
    """The provider failed (5xx); a write may have committed."""

    default_outcome: ClassVar[Outcome] = "unknown"
    default_retryable: ClassVar[bool] = True


class ProviderResponseError(ProviderError):
    """The provider's answer could not be used (not JSON, empty, too large)."""

    default_outcome: ClassVar[Outcome] = "unknown"

    kind: ResponseKind | None
    """``empty``, ``not_json``, ``too_large`` or ``too_deep``."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("kind", None)
        super().__init__(message, **kwargs)


class ResponseValidationError(PromokitError):
    """A response did not match the provider's documented shape; ``path`` locates it."""

    default_outcome: ClassVar[Outcome] = "unknown"

    path: str | None

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("path", None)
        super().__init__(message, **kwargs)


class OutcomeUnknown(PromokitError):
    """A write may or may not have happened and could not be verified.

    ``natural_key`` and ``idempotency_key`` say what :meth:`promokit.Client.reconcile`
    needs to finish the job later.
    """

    default_outcome: ClassVar[Outcome] = "unknown"
    default_retryable: ClassVar[bool] = False

    idempotency_key: str | None
    """The ledger key of the write: pass it to :meth:`promokit.Client.reconcile`."""
    natural_key: str | None
    """The caller-chosen value (code, label) the provider keeps unique, if any."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("idempotency_key", None)
        kwargs.setdefault("natural_key", None)
        super().__init__(message, **kwargs)


class WriteInProgress(PromokitError):
    """Another worker owns this write under a lease and had not finished in time.

    ``holder`` is who (``host:pid:token``), ``until`` when (epoch seconds) its lease
    and its request's settle time end; call again after that. Nothing was sent.
    """

    default_retryable: ClassVar[bool] = True

    holder: str | None
    until: float | None
    idempotency_key: str | None

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("holder", None)
        kwargs.setdefault("until", None)
        kwargs.setdefault("idempotency_key", None)
        super().__init__(message, **kwargs)


class StaleRecord(PromokitError):
    """The ledger records the write as done, but the gateway no longer has the result.

    ``idempotency_key`` and ``provider_id`` say which record; nothing was sent. Forget
    the record (:meth:`promokit.Client.forget`) to create the promotion again.
    """

    idempotency_key: str | None
    provider_id: str | None

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("idempotency_key", None)
        kwargs.setdefault("provider_id", None)
        super().__init__(message, **kwargs)


class LedgerError(PromokitError):
    """The ledger store could not be used (``store`` names it, password masked).

    Raised before any request when the ledger cannot record an intent; nothing was
    sent then. Raised after a request, it notes that the outcome was not recorded.
    """

    store: str | None

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("store", None)
        super().__init__(message, **kwargs)


def error_class_for_status(status: int) -> type[ProviderError]:
    """Map an HTTP status (from the response or the body) to its error class."""
    if status in (400, 422):
        return BadRequest
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFound
    if status == 409:
        return Conflict
    if status == 429:
        return RateLimited
    if status >= 500:
        return ProviderServerError
    return ProviderError


def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 problem"``, ``"2 problems"`` (``many`` for irregular plurals)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
