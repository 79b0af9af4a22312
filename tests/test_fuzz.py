"""Property tests: every Struct round-trips, and no bytes can crash a decoder."""

from __future__ import annotations

import contextlib
import inspect
from datetime import UTC, datetime
from decimal import Decimal
from types import ModuleType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promokit
from promokit import InvalidInput, PromokitError, ResponseValidationError
from promokit.http import codec
from promokit.model import parts, promotion

aware = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
st.register_type_strategy(
    codec.Instant, aware.map(lambda d: codec.Instant.fromtimestamp(d.timestamp(), UTC))
)
# Wire payloads carry finite numbers only; the neutral rules refuse NaN and infinities.
st.register_type_strategy(Decimal, st.decimals(allow_nan=False, allow_infinity=False))
st.register_type_strategy(
    codec.EpochMillis,
    aware.map(lambda d: codec.EpochMillis.fromtimestamp(int(d.timestamp() * 1000) / 1000, UTC)),
)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
st.register_type_strategy(msgspec.UnsetType, st.just(msgspec.UNSET))
st.register_type_strategy(
    msgspec.Raw, JSON.map(lambda value: msgspec.Raw(msgspec.json.encode(value)))
)


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """``st.from_type``, except that free-form JSON (``Any``) becomes generated JSON."""
    if tp is Any:
        return JSON
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        # Constrained numbers (codec.Timestamp's epoch milliseconds): within the bounds.
        meta = next(arg for arg in args[1:] if isinstance(arg, msgspec.Meta))
        return st.integers(min_value=meta.ge, max_value=meta.le)
    if origin in (Union, UnionType):
        return st.one_of(*(strategy_for(arg) for arg in args))
    if origin is list:
        return st.lists(strategy_for(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(strategy_for(args[0]), strategy_for(args[1]), max_size=3)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
    return st.from_type(tp)


def instances(cls: type[msgspec.Struct]) -> st.SearchStrategy[msgspec.Struct]:
    """Any instance of ``cls``, field by field (hypothesis cannot read msgspec defaults)."""
    fields = {field.name: strategy_for(field.type) for field in msgspec.structs.fields(cls)}
    return st.fixed_dictionaries(fields).map(lambda values: _built(cls, values)).filter(_kept)


def _built(cls: type[msgspec.Struct], values: dict[str, Any]) -> msgspec.Struct | None:
    try:
        return cls(**values)
    except InvalidInput:  # refused when built (a percent of NaN, say): not an instance
        return None


def _kept(value: msgspec.Struct | None) -> bool:
    return value is not None


def structs(module: ModuleType) -> list[type[msgspec.Struct]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, msgspec.Struct)
        and value.__module__ == module.__name__
        and value.__struct_fields__
    ]


def wire_modules() -> list[ModuleType]:
    import promokit_durianpay.wire
    import promokit_mayar.wire

    return [promokit_mayar.wire, promokit_durianpay.wire]


NEUTRAL = [*structs(parts), *structs(promotion)]
WIRE = [cls for module in wire_modules() for cls in structs(module)]
for _cls in NEUTRAL + WIRE:
    st.register_type_strategy(_cls, st.deferred(lambda cls=_cls: instances(cls)))
SETTINGS = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)


@pytest.mark.parametrize("cls", NEUTRAL, ids=lambda cls: cls.__name__)
@SETTINGS
@given(data=st.data())
def test_every_neutral_struct_round_trips(cls: type[msgspec.Struct], data: st.DataObject) -> None:
    value = data.draw(instances(cls))
    encoded = msgspec.json.encode(value)
    # Compared as bytes: Decimal("NaN") round-trips but never equals itself.
    assert msgspec.json.encode(msgspec.json.decode(encoded, type=cls)) == encoded


@pytest.mark.parametrize("cls", WIRE, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
@SETTINGS
@given(data=st.data())
def test_every_wire_struct_round_trips(cls: type[msgspec.Struct], data: st.DataObject) -> None:
    value = data.draw(instances(cls))
    encoded = codec.encode(value)
    decoded = codec.decode(encoded, cls, provider="fuzz", operation="round-trip")
    assert codec.encode(decoded) == encoded


@pytest.mark.parametrize("cls", WIRE, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
@SETTINGS
@given(raw=st.binary(max_size=200) | JSON.map(msgspec.json.encode))
def test_no_input_crashes_a_wire_decoder(cls: type[msgspec.Struct], raw: bytes) -> None:
    error: ResponseValidationError | None = None
    try:
        codec.decode(raw, cls, provider="fuzz", operation="decode")
    except ResponseValidationError as caught:
        error = caught
    assert error is None or error.path is not None


def error_parsers() -> list[Any]:
    import promokit_durianpay.provider
    import promokit_mayar.provider

    return [
        promokit_mayar.provider.MayarProvider.parse_error,
        promokit_durianpay.provider.DurianpayProvider.parse_error,
    ]


@pytest.mark.parametrize("parse", error_parsers(), ids=["mayar", "durianpay"])
@SETTINGS
@given(
    status=st.sampled_from([200, 201, 400, 401, 404, 409, 429, 500, 502]),
    raw=st.binary(max_size=200) | JSON.map(msgspec.json.encode),
)
def test_error_parsers_read_any_body_without_raising(parse: Any, status: int, raw: bytes) -> None:
    from promokit.http.transport import ErrorInfo, Response

    response = Response(
        status=status,
        headers={},
        body=raw,
        request_id="pk_1",
        method="GET",
        url="http://127.0.0.1/x",
    )
    info = parse(response)
    assert info is None or isinstance(info, ErrorInfo)
    if status >= 400:
        assert info is not None


@SETTINGS
@given(raw=st.binary(max_size=300) | JSON.map(msgspec.json.encode))
def test_promotion_files_never_crash(raw: bytes, tmp_path_factory: Any) -> None:
    from promokit.workflows.files import load_promotions

    path = tmp_path_factory.mktemp("fuzz") / "promotions.json"
    path.write_bytes(raw)
    with contextlib.suppress(PromokitError):  # typed errors are the allowed outcome
        load_promotions(path)


def test_hypothesis_builds_real_promotions() -> None:
    assert promokit.Promotion in NEUTRAL
    assert len(WIRE) >= 20
