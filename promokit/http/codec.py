"""The only msgspec policy: lenient named types, hooks, cached decoders, error translation."""

from __future__ import annotations

import re
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec

from promokit.errors import Problem, ResponseValidationError

T = TypeVar("T")

StrInt = int | str | None
"""An integer a provider may send as a number, a numeric string, or ``""`` for absent.

Declare the wire field with this alias and read it with :func:`to_int`.
"""

StrDecimal = int | float | str | None
"""A decimal a provider may send as a number or a string (``""`` = absent); read with
:func:`to_decimal`. Floats are converted through their shortest repr, never used as money."""


_FIRST_MS = -62135596800000  # 0001-01-01T00:00:00Z, datetime's first instant
_LAST_MS = 253402300799999  # 9999-12-31T23:59:59.999Z, its last

Timestamp = Annotated[int, msgspec.Meta(ge=_FIRST_MS, le=_LAST_MS)] | datetime
"""A timestamp decoded natively (in C): epoch milliseconds or RFC 3339 text.

About five times cheaper than :class:`Instant`, whose hook runs in Python for
every value. Read it with :func:`as_utc`, which turns both forms into an aware
UTC datetime (RFC 3339 without a zone reads as UTC). Out-of-range milliseconds
and other text (e.g. ``2015-05-05T12:30``, no seconds) fail decoding with their
JSON path; use :class:`Instant` where a provider sends such text.
"""


class Instant(datetime):
    """A provider timestamp: epoch milliseconds (int) or ISO 8601 text.

    ISO text may carry a zone or not, and a fraction or not; text without a zone is
    read as UTC (Durianpay's older examples omit it). The decoded value is always an
    aware datetime: :func:`decode` reads RFC 3339 text with a zone in C (a plain
    ``datetime``, its zone as sent) and everything else through this type's hook
    (UTC); read it with :func:`as_utc`.
    """

    __slots__ = ()  # no per-instance __dict__: cheaper to build, and one is built per field


class EpochMillis(datetime):
    """A timestamp a provider sends strictly as integer milliseconds since the epoch."""

    __slots__ = ()


_EPOCHS: dict[type[datetime], datetime] = {
    Instant: Instant(1970, 1, 1, tzinfo=UTC),
    EpochMillis: EpochMillis(1970, 1, 1, tzinfo=UTC),
}
_MILLISECOND = timedelta(milliseconds=1)
_PATH = re.compile(r" - at `(?P<path>[^`]*)`$")


def _instant_from(tp: type[datetime], obj: Any) -> datetime:
    # Built directly as ``tp`` (one construction per timestamp: this runs for every
    # timestamp of every response); the subclass keeps the wire form for encoding.
    kind = type(obj)
    if kind is str and tp is Instant:
        value = tp.fromisoformat(obj)
        zone = value.tzinfo
        if zone is UTC:
            return value
        return value.replace(tzinfo=UTC) if zone is None else value.astimezone(UTC)
    if kind is int:
        # Exact integer arithmetic, and cheaper than tp.fromtimestamp(obj / 1000, UTC).
        millis: int = obj
        return _EPOCHS[tp] + _MILLISECOND * millis
    if tp is EpochMillis:
        raise ValueError("expected epoch milliseconds")
    raise ValueError("expected a timestamp (epoch ms or ISO 8601)")


def dec_hook(tp: type[Any], obj: Any) -> Any:
    """Build promokit's named lenient types from what the JSON decoder found."""
    if tp is Instant or tp is EpochMillis:
        try:
            return _instant_from(tp, obj)
        except (ValueError, OverflowError, OSError) as exc:
            raise ValueError(f"invalid timestamp {str(obj)[:40]!r}: {exc}") from None
    raise NotImplementedError(f"promokit has no decoder for {tp!r}")


def enc_hook(obj: Any) -> Any:
    """Encode the few values msgspec does not know natively."""
    if isinstance(obj, Problem):
        return {"path": obj.path, "message": obj.message}
    if isinstance(obj, EpochMillis):
        return int(obj.timestamp() * 1000)
    if isinstance(obj, Instant):
        return obj.isoformat().replace("+00:00", "Z")
    raise NotImplementedError(f"promokit cannot encode {type(obj).__name__}")


# One decoder per type, keyed by the type alone: decode() runs on every response.
_STRICT: dict[Any, msgspec.json.Decoder[Any]] = {}


def decoder(tp: type[T]) -> msgspec.json.Decoder[T]:
    """The one JSON decoder for ``tp``, built on first use and reused after."""
    built = _STRICT.get(tp)
    if built is None:
        built = _STRICT[tp] = msgspec.json.Decoder(tp, dec_hook=dec_hook)
    return built


_ENCODER = msgspec.json.Encoder(enc_hook=enc_hook, decimal_format="number")


def encode(obj: Any) -> bytes:
    """Encode a wire Struct (or plain data) to JSON; decimals travel as numbers."""
    return _ENCODER.encode(obj)


def decode(
    data: bytes,
    tp: type[T],
    *,
    provider: str,
    operation: str,
    request_id: str | None = None,
) -> T:
    """Decode ``data`` into ``tp``; any mismatch becomes :class:`ResponseValidationError`.

    Every plugin's Structs get the fast path here: when ``tp`` holds
    :class:`Instant` fields, the body is first decoded as :func:`native_type` of
    ``tp`` (timestamps with a zone parsed in C, no Python hook per value), and only
    a body that fails it is decoded with ``tp`` itself, whose leniency and error
    paths are the ones that count.
    """
    native = _NATIVE.get(tp) or native_type(tp)
    if native is not tp:
        try:
            result: T = (_FAST.get(native) or _fast(native)).decode(data)
        except msgspec.DecodeError:  # ValidationError included: the lenient type decides
            pass
        except RecursionError:
            raise _too_deep(provider, operation, request_id) from None
        else:
            return result
    built: msgspec.json.Decoder[T] = _STRICT.get(tp) or decoder(tp)
    try:
        return built.decode(data)
    except msgspec.ValidationError as exc:
        raise _validation_error(str(exc), provider, operation, request_id) from None
    except msgspec.DecodeError as exc:
        raise ResponseValidationError(
            f"response is not valid JSON: {exc}",
            provider=provider,
            operation=operation,
            request_id=request_id,
            path="$",
        ) from None
    except RecursionError:
        raise _too_deep(provider, operation, request_id) from None


# What an Instant field is read as on the fast path: text with a zone, parsed in C.
_AWARE = Annotated[datetime, msgspec.Meta(tz=True)]
_NATIVE: dict[Any, Any] = {}
_FAST: dict[Any, msgspec.json.Decoder[Any]] = {}


def _fast(tp: Any) -> msgspec.json.Decoder[Any]:
    built = _FAST.get(tp)
    if built is None:
        built = _FAST[tp] = msgspec.json.Decoder(tp)
    return built


def native_type(tp: Any) -> Any:
    """``tp`` with every :class:`Instant` read natively, or ``tp`` itself if it has none.

    A Struct becomes a subclass of the same name whose :class:`Instant` fields (also
    inside unions, lists, tuples, dicts and nested Structs) are aware ``datetime``;
    built once per type and cached. Its instances are instances of ``tp``, their
    timestamps plain aware datetimes (the same instants :class:`Instant` gives).
    """
    found = _NATIVE.get(tp)
    if found is None:
        _NATIVE[tp] = tp  # a Struct that refers to itself reads itself leniently
        found = _NATIVE[tp] = _nativize(tp)
    return found


def _same_fields(self: msgspec.Struct, other: object) -> object:
    if not isinstance(other, msgspec.Struct) or not (
        isinstance(other, type(self)) or isinstance(self, type(other))
    ):
        return NotImplemented
    return msgspec.structs.asdict(self) == msgspec.structs.asdict(other)


def _nativize(tp: Any) -> Any:
    if tp is Instant:
        return _AWARE
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = get_args(tp)
        native = tuple(_nativize(arg) for arg in args)
        return tp if native == args else Union[native]  # noqa: UP007 (built at run time)
    if origin in (list, tuple, dict, frozenset, set):
        args = get_args(tp)
        native = tuple(_nativize(arg) if arg is not Ellipsis else arg for arg in args)
        return tp if native == args else origin[native]
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        changed: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        for info in msgspec.structs.fields(tp):
            native_field = native_type(info.type)
            if native_field is info.type:
                continue
            if info.default is not msgspec.NODEFAULT:
                changed.append((info.name, native_field, info.default))
            elif info.default_factory is not msgspec.NODEFAULT:
                factory = msgspec.field(default_factory=info.default_factory)
                changed.append((info.name, native_field, factory))
            else:
                changed.append((info.name, native_field))
        if not changed:
            return tp
        return msgspec.defstruct(
            tp.__name__,
            changed,
            bases=(tp,),
            module=tp.__module__,
            kw_only=True,
            # Equal to the Struct it was derived from when the values are: a decoded
            # body compares as the lenient decode of it would.
            namespace={"__eq__": _same_fields, "__hash__": tp.__hash__},
        )
    return tp


def _too_deep(provider: str, operation: str, request_id: str | None) -> ResponseValidationError:
    """JSON nested deeper than the decoder's recursion limit (a hostile or broken body)."""
    return ResponseValidationError(
        "response nests JSON deeper than promokit decodes (no documented shape does)",
        provider=provider,
        operation=operation,
        request_id=request_id,
        path="$",
    )


def convert(obj: Any, tp: type[T], *, provider: str, operation: str) -> T:
    """Convert already-parsed data into ``tp`` with the same policy as :func:`decode`."""
    try:
        return msgspec.convert(obj, tp, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        raise _validation_error(str(exc), provider, operation, None) from None
    except RecursionError:
        raise _too_deep(provider, operation, None) from None


def _validation_error(
    text: str, provider: str, operation: str, request_id: str | None
) -> ResponseValidationError:
    match = _PATH.search(text)
    path = match.group("path") if match else "$"
    reason = _PATH.sub("", text)
    return ResponseValidationError(
        f"response does not match the documented shape at {path}: {reason}",
        provider=provider,
        operation=operation,
        request_id=request_id,
        path=path,
    )


def field_error(
    path: str, reason: str, *, provider: str, operation: str, request_id: str | None = None
) -> ResponseValidationError:
    """The error for a value that decoded but cannot mean anything at ``path``."""
    return ResponseValidationError(
        f"response does not match the documented shape at {path}: {reason}",
        provider=provider,
        operation=operation,
        request_id=request_id,
        path=path,
    )


def to_int(value: StrInt, *, path: str, provider: str, operation: str) -> int | None:
    """Read a :data:`StrInt`: ``""``/``None`` are absent, numeric text is an int."""
    if value is None or value == "":
        return None
    if type(value) is int:
        return value
    if type(value) is str:
        try:
            return int(value)  # "100", " 7 ": the common case
        except ValueError:
            pass  # "10.0", "1e3": whole numbers written otherwise, read below
    if isinstance(value, bool):
        raise field_error(
            path, "expected an integer, got a boolean", provider=provider, operation=operation
        )
    if isinstance(value, int):
        return value
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise field_error(
            path,
            f"expected an integer, got {value[:40]!r}",
            provider=provider,
            operation=operation,
        ) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise field_error(
            path,
            f"expected a whole number, got {str(value)[:40]!r}",
            provider=provider,
            operation=operation,
        )
    return int(number)


def to_decimal(value: StrDecimal, *, path: str, provider: str, operation: str) -> Decimal | None:
    """Read a :data:`StrDecimal`: ``""``/``None`` are absent, otherwise an exact Decimal."""
    if value is None or value == "":
        return None
    if type(value) is int:  # the common whole number: no text round trip
        return Decimal(value)
    if isinstance(value, bool):
        raise field_error(
            path, "expected a number, got a boolean", provider=provider, operation=operation
        )
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise field_error(
            path,
            f"expected a number, got {str(value)[:40]!r}",
            provider=provider,
            operation=operation,
        ) from None
    if not number.is_finite():
        raise field_error(path, "expected a finite number", provider=provider, operation=operation)
    return number


def at_precision_of(read: Any, value: Any) -> Any:
    """``value`` cut to whole seconds when the gateway answered ``read`` in whole seconds.

    The one precision rule for comparing what was asked with what a gateway read
    back (diffs and reconciliation): Durianpay keeps ``starts_at``/``ends_at`` to the
    second, so the milliseconds sent are not a difference there, they are the
    gateway's precision. (Finer than milliseconds no provider keeps at all.)
    """
    if isinstance(read, datetime) and isinstance(value, datetime) and read.microsecond == 0:
        return value.replace(microsecond=0)
    return value


def as_utc(value: datetime | int | None) -> datetime | None:
    """A plain aware UTC datetime: naive means UTC, named timestamp subclasses unwrap.

    An ``int`` is epoch milliseconds (a decoded :data:`Timestamp`).
    """
    if value is None:
        return None
    if type(value) is int:
        return _EPOCH + _MILLISECOND * value
    assert isinstance(value, datetime)
    zone = value.tzinfo
    if zone is UTC and type(value) is datetime:
        return value  # what msgspec decodes from "...Z": nothing to do
    if zone is None:
        value = value.replace(tzinfo=UTC)
    # Exact timedelta arithmetic: converts any zone to UTC and yields a plain datetime
    # (not a subclass) in one step, about 5x cheaper than astimezone + a constructor.
    return _EPOCH + (value - _EPOCH)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_millis(value: datetime) -> str:
    """``2030-01-01T09:06:14.933Z``: the ISO 8601 form both providers' docs send."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def to_builtins(obj: Any) -> Any:
    """Neutral or wire Struct to JSON-ready builtins (for CLI output and fixtures)."""
    return msgspec.to_builtins(obj, enc_hook=enc_hook)
