"""Checks that a gateway's failures, documented or not, become typed promokit errors."""

from __future__ import annotations

import re

import pytest

from promokit.errors import ConfigurationError, PromokitError, ProviderError
from promokit.model.capabilities import OPERATIONS
from promokit.testing.conformance.base import ConformanceBase
from promokit.testing.conformance.kit import ErrorCase, call
from promokit.testing.variants import base_checkout

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_ANY_URL = re.compile(r"^https?://.*$")


class ErrorChecks(ConformanceBase):
    """Documented error bodies map to their classes; any other body is still typed."""

    @pytest.mark.asyncio
    async def test_documented_errors_map_to_typed_errors(self) -> None:
        """Each documented failure becomes its error class, with provider code and request id."""
        if not self.provider.uses_http:
            assert not self.error_cases, "a provider without HTTP has no HTTP errors to map"
            async with self.open_mocked() as (provider, mock):
                created = await provider.create(self.sample(0))
                assert created.id is not None
                await provider.get(created.id)
            assert not mock.requests, "a provider with uses_http = False sent HTTP requests"
            return
        assert self.error_cases, "declare error_cases: the provider's documented failures"
        failures: list[str] = []
        for case in self.error_cases:
            async with self.open_mocked() as (provider, mock):
                for method in (case.method,) if case.method else _METHODS:
                    mock.add(
                        _ANY_URL,
                        method=method,
                        status=case.status,
                        body=case.body_bytes(),
                        headers=dict(case.headers) or None,
                        repeat=True,
                    )
                try:
                    result = await call(
                        provider,
                        case.operation,
                        promotion=self.sample(0),
                        checkout=self.adapt_checkout(base_checkout(self.sample(0))),
                    )
                except PromokitError as error:
                    failures += _error_mismatches(case, error, self.alias)
                else:
                    failures.append(f"{case}: no error; returned {result!r}"[:300])
                if not mock.requests:
                    failures.append(f"{case}: no request was sent")
        assert not failures, "documented errors are not mapped:\n  " + "\n  ".join(failures)

    @pytest.mark.asyncio
    async def test_undocumented_error_bodies_are_still_typed(self) -> None:
        """HTML, empty and garbage answers give promokit errors, never a crash."""
        if not self.provider.uses_http:
            async with self.open_mocked() as (provider, mock):
                with pytest.raises(ConfigurationError):
                    _ = provider.http
            assert not mock.requests
            return
        answers = (
            (502, b"<html><body>Bad Gateway</body></html>", "text/html", ProviderError),
            (500, b"", "application/json", ProviderError),
            (200, b"<html>maintenance</html>", "text/html", PromokitError),
        )
        failures: list[str] = []
        declared = [op for op in OPERATIONS if self.provider.manifest.supports(op)]
        for operation in declared:
            for status, body, content_type, expected in answers:
                if operation == "delete" and status == 200:
                    continue  # a delete may legitimately ignore its success body
                async with self.open_mocked() as (provider, mock):
                    for method in _METHODS:
                        mock.add(
                            _ANY_URL,
                            method=method,
                            status=status,
                            body=body,
                            content_type=content_type,
                            repeat=True,
                        )
                    label = f"{operation} answered HTTP {status} {body[:20]!r}"
                    try:
                        await call(
                            provider,
                            operation,
                            promotion=self.sample(0),
                            checkout=self.adapt_checkout(base_checkout(self.sample(0))),
                        )
                    except PromokitError as error:
                        if not isinstance(error, expected):
                            failures.append(f"{label}: {type(error).__name__}, not {expected}")
                        elif error.provider != self.alias:
                            failures.append(f"{label}: error.provider is {error.provider!r}")
                    except Exception as crash:  # the point: nothing untyped may escape
                        failures.append(f"{label}: crashed with {type(crash).__name__}: {crash}")
                    else:
                        failures.append(f"{label}: no error raised")
        assert not failures, "untyped failures:\n  " + "\n  ".join(failures)


def _error_mismatches(case: ErrorCase, error: PromokitError, alias: str) -> list[str]:
    found: list[str] = []
    if not isinstance(error, case.error):
        found.append(f"{case}: raised {type(error).__name__} ({error.message})")
        return found
    if error.code != case.code:
        found.append(f"{case}: code is {error.code!r}")
    status = case.expected_status if case.expected_status is not None else case.status
    if error.status != status:
        found.append(f"{case}: status is {error.status!r}, expected {status}")
    if case.request_id is not None and error.request_id != case.request_id:
        found.append(f"{case}: request_id is {error.request_id!r}, expected {case.request_id!r}")
    if not error.request_id:
        found.append(f"{case}: the error carries no request id")
    if error.provider != alias:
        found.append(f"{case}: error.provider is {error.provider!r}")
    if error.operation not in (case.operation, None):
        found.append(f"{case}: error.operation is {error.operation!r}")
    return found
