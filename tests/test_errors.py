"""The error tree: documented, picklable, carrying outcome and retry-safety."""

from __future__ import annotations

import inspect
import pickle

import pytest

import promokit
from promokit import errors


def error_classes() -> list[type[errors.PromokitError]]:
    return [
        value
        for value in vars(errors).values()
        if inspect.isclass(value) and issubclass(value, errors.PromokitError)
    ]


def test_every_error_class_is_drawn_in_the_module_docstring() -> None:
    doc = errors.__doc__ or ""
    for cls in error_classes():
        assert cls.__name__ in doc, cls.__name__


def test_every_error_class_is_exported() -> None:
    for cls in error_classes():
        assert getattr(promokit, cls.__name__) is cls


@pytest.mark.parametrize("cls", error_classes())
def test_every_error_pickles_with_its_facts(cls: type[errors.PromokitError]) -> None:
    error = cls(
        "went wrong",
        provider="shop",
        operation="create",
        status=503,
        code="X",
        request_id="req-1",
        problems=[errors.Problem("name", "bad")],
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert (copy.provider, copy.operation, copy.status, copy.code, copy.request_id) == (
        "shop",
        "create",
        503,
        "X",
        "req-1",
    )
    assert copy.outcome == error.outcome
    assert copy.retryable == error.retryable
    assert copy.problems == error.problems
    assert str(copy) == str(error)


def test_str_leads_with_request_id_and_lists_problems() -> None:
    error = errors.BadRequest(
        "Validation Error",
        provider="shop",
        status=400,
        request_id="r-9",
        problems=[errors.Problem("name", "too short")],
    )
    assert str(error).startswith("[request_id=r-9 shop HTTP 400]")
    assert "  - name: too short" in str(error)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequest),
        (422, errors.BadRequest),
        (401, errors.AuthenticationError),
        (403, errors.AuthenticationError),
        (404, errors.NotFound),
        (409, errors.Conflict),
        (429, errors.RateLimited),
        (500, errors.ProviderServerError),
        (503, errors.ProviderServerError),
        (418, errors.ProviderError),
    ],
)
def test_status_maps_to_one_class(status: int, cls: type[errors.ProviderError]) -> None:
    assert errors.error_class_for_status(status) is cls


def test_outcomes_say_whether_it_happened() -> None:
    assert errors.ConnectError("x").outcome == "not_sent"
    assert errors.RequestTimeout("x").outcome == "unknown"
    assert errors.ProviderServerError("x").outcome == "unknown"
    assert errors.BadRequest("x").outcome == "rejected"
    assert errors.UnsupportedFeature("x").outcome == "not_sent"
    assert errors.RateLimited("x").retryable
    assert not errors.AuthenticationError("x").retryable


def test_secret_repr_and_pickle_hide_the_key() -> None:
    secret = promokit.Secret("dp_test_abcdefghijkl1234")
    assert repr(secret) == "Secret('dp_test_…1234')"
    assert b"abcdefghijkl" not in pickle.dumps(secret)
