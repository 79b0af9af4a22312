"""The conformance suite: one test base class every provider plugin subclasses.

After Omnipay's ``GatewayTestCase`` and Hyperswitch's connector test traits: a
plugin's test module subclasses :class:`ProviderConformance`, names its provider
class, an API key its emulator accepts and a way to build sample promotions, and
inherits a test for every promise promokit makes about a provider::

    from promokit.testing import ErrorCase, ProviderConformance

    class TestAcmeConformance(ProviderConformance):
        provider = AcmeProvider
        api_key = "acme_test_key_0001"
        options = {"page_size": 2}
        page_size = 2

        def sample(self, index: int) -> promokit.Promotion:
            return promokit.Promotion(name=f"Promo {index}", code=f"PROMO{index}", ...)

Each check adapts to the manifest: it exercises what the provider declares and
proves that what it does not declare is refused before any I/O, so no check is
ever skipped. The suite needs ``pytest-asyncio``; canned answers come from a real
loopback server (:class:`~promokit.testing.canned.CannedServer`), so it runs on any
aiohttp release.

The checks live in one module per group on :mod:`~promokit.testing.conformance.base`
(what a plugin sets and overrides, and the harnesses): ``manifest``, ``operations``,
``errors``, ``faults`` and ``leaks``; ``kit`` holds what they share.
"""

from __future__ import annotations

from promokit.testing.conformance.errors import ErrorChecks
from promokit.testing.conformance.faults import FaultChecks
from promokit.testing.conformance.kit import (
    MISSING_CODE,
    MISSING_ID,
    MOCK_HOST,
    ErrorCase,
    Harness,
    call,
    code_of,
    differing_fields,
    reference_reason,
)
from promokit.testing.conformance.leaks import LeakChecks
from promokit.testing.conformance.manifest import ManifestChecks, manifest_problems
from promokit.testing.conformance.operations import OperationChecks


class ProviderConformance(ManifestChecks, OperationChecks, ErrorChecks, FaultChecks, LeakChecks):
    """The checks every provider plugin must pass; subclass it in the plugin's tests.

    Required: :attr:`provider`, :attr:`api_key` and :meth:`sample`. Everything else
    has a default that suits a provider whose emulator factory accepts ``api_key``
    and ``clock`` keyword options (as ``promokit emulate`` passes them).

    Providers with ``uses_http = False`` (state kept in-process, like the built-in
    ``memory``) run the same suite without an emulator: the HTTP-only checks then
    prove that no HTTP happens at all instead.
    """


__all__ = [
    "MISSING_CODE",
    "MISSING_ID",
    "MOCK_HOST",
    "ErrorCase",
    "Harness",
    "ProviderConformance",
    "call",
    "code_of",
    "differing_fields",
    "manifest_problems",
    "reference_reason",
]
