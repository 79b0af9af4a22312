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
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import msgspec
import pytest
import pytest_asyncio

from promokit.client import Client
from promokit.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInput,
    NotFound,
    OutcomeUnknown,
    PromokitError,
    ProviderError,
    RequestTimeout,
    UnsupportedFeature,
    plural,
)
from promokit.http import codec
from promokit.http.call_deadline import deadline
from promokit.http.redact import secret_forms
from promokit.model import (
    CardScope,
    Checkout,
    EwalletScope,
    Percent,
    Promotion,
    Usage,
    Validation,
    VirtualAccountScope,
)
from promokit.model.capabilities import FIELDS, OPERATIONS, require_operation
from promokit.model.evaluate import evaluate
from promokit.plugins import Plugins
from promokit.plugins.emulator import Emulator, EmulatorServer, RecordedRequest, VirtualClock
from promokit.plugins.provider import Provider
from promokit.testing.canned import CannedServer
from promokit.testing.harness import NoSleep, build_emulator, open_client, registered, serve
from promokit.testing.imports import foreign_imports
from promokit.testing.secrets import guard_secrets
from promokit.testing.variants import (
    KINDS,
    base_checkout,
    generate_checkouts,
    invalid_promotion,
    refused_variants,
)

MISSING_ID = "conformance-missing-id"
"""The promotion id error cases and undeclared operations are called with."""
MISSING_CODE = "CONFORMANCE404"
"""The code error cases and undeclared operations are called with."""
MOCK_HOST = "https://api.conformance.invalid"
"""The host canned answers stand for (served on loopback; never contacted)."""
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class ErrorCase:
    """One documented provider failure, answered by a canned loopback server.

    ``operation`` is called on the provider with placeholder arguments while every
    request is answered with ``status``, ``headers`` and ``body`` (bytes, text, or
    JSON-able data). The raised error must be an instance of ``error`` carrying
    ``code`` (the provider's own code, ``None`` when it documents none), the
    ``request_id`` when given (otherwise any non-empty one), and ``expected_status``
    (default: ``status``; set it when the body overrides the HTTP status).
    ``method`` limits the canned answer to one HTTP method.
    """

    operation: str
    status: int
    body: Any
    error: type[PromokitError]
    code: str | None = None
    request_id: str | None = None
    expected_status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str | None = None
    note: str = ""

    def body_bytes(self) -> bytes:
        """The body as sent over the wire."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return codec.encode(self.body)

    def __str__(self) -> str:
        return f"{self.operation} HTTP {self.status} -> {self.error.__name__}({self.code})"


@dataclass
class Harness:
    """A provider wired to its emulator on loopback, through a real :class:`Client`."""

    client: Client
    provider: Provider
    alias: str
    plugins: Plugins
    sleep: NoSleep
    emulator: Emulator | None = None
    server: EmulatorServer | None = None

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the emulator received (always empty without HTTP)."""
        return self.emulator.requests if self.emulator is not None else []

    def writes(self, since: int = 0) -> list[RecordedRequest]:
        """Requests after index ``since`` that are not reads."""
        return [r for r in self.requests[since:] if r.method not in ("GET", "HEAD")]


def code_of(promotion: Promotion) -> str | None:
    """The customer-facing code of a created promotion (its own or its first coupon's)."""
    if promotion.code:
        return promotion.code
    return promotion.coupons[0].code if promotion.coupons else None


def _comparable(promotion: Promotion, name: str, plugin: str) -> Any:
    """``promotion``'s value of neutral field ``name``, normalised for comparison."""
    if name == "discount":
        discount = promotion.discount
        if isinstance(discount, Percent):
            return ("percent", Decimal(discount.value).normalize())
        return ("fixed", discount.amount)
    if name == "discount.max_amount":
        discount = promotion.discount
        return discount.max_amount if isinstance(discount, Percent) else None
    if name == "extensions":
        return promotion.extensions.get(plugin, {})
    value = getattr(promotion, name)
    if isinstance(value, datetime):
        utc = codec.as_utc(value)
        assert utc is not None
        return utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    if isinstance(value, CardScope):
        return ("card", tuple(sorted(value.bins)), tuple(sorted(value.banks)))
    if isinstance(value, EwalletScope):
        return ("ewallet", tuple(sorted(value.wallets)))
    if isinstance(value, VirtualAccountScope):
        return ("virtual_account", tuple(sorted(value.banks)))
    if isinstance(value, tuple):
        return tuple(sorted(map(str, value)))
    return value


def differing_fields(
    sent: Promotion, got: Promotion, names: Sequence[str], plugin: str
) -> list[str]:
    """``"field: sent != got"`` for every field of ``names`` that did not survive."""
    return [
        f"{name}: sent {_comparable(sent, name, plugin)!r}, got {_comparable(got, name, plugin)!r}"
        for name in names
        if _comparable(sent, name, plugin) != _comparable(got, name, plugin)
    ]


_VALID_SUPPORT = ("native", "emulated", "unsupported")


def manifest_problems(provider_class: type[Provider]) -> list[str]:
    """Everything inconsistent between a provider's manifest and its class, as sentences.

    An operation declared native or emulated must be implemented (overridden); an
    emulated one needs an ``operation_notes`` entry saying how; field, operation
    and value names must be ones promokit knows (a typo would silently make a
    field unsupported); ``required`` contradicts ``unsupported``; a provider with a
    natural key needs ``find`` (reconciliation); an HTTP provider ships an emulator.
    """
    problems: list[str] = []
    name = getattr(provider_class, "plugin_name", None)
    if not isinstance(name, str) or not name.isidentifier():
        problems.append(f"plugin_name must be an identifier, got {name!r}")
    manifest = provider_class.manifest
    for unknown in sorted(set(manifest.fields) - set(FIELDS)):
        problems.append(f"manifest.fields names {unknown!r}, which is not a neutral field")
    for unknown in sorted(set(manifest.operations) - set(OPERATIONS)):
        problems.append(f"manifest.operations names {unknown!r}, which is not an operation")
    for unknown in sorted(set(manifest.operation_notes) - set(OPERATIONS)):
        problems.append(f"manifest.operation_notes names {unknown!r}, which is not an operation")
    for field_name, support in manifest.fields.items():
        if support.support not in _VALID_SUPPORT:
            problems.append(f"fields[{field_name!r}].support is {support.support!r}")
        if support.required and support.support == "unsupported":
            problems.append(f"fields[{field_name!r}] is both required and unsupported")
        if support.values is None:
            continue
        if field_name in KINDS:
            foreign = sorted(set(support.values) - set(KINDS[field_name]))
            if foreign:
                problems.append(
                    f"fields[{field_name!r}].values names {foreign}; "
                    f"known values: {list(KINDS[field_name])}"
                )
        elif field_name == "currency":
            bad = [c for c in support.values if not (len(c) == 3 and c.isupper())]
            if bad:
                problems.append(f"fields['currency'].values {bad} are not ISO 4217 codes")
        else:
            problems.append(f"fields[{field_name!r}] cannot restrict values")
    for operation in OPERATIONS:
        offered = manifest.operations.get(operation, "unsupported")
        if offered not in _VALID_SUPPORT:
            problems.append(f"operations[{operation!r}] is {offered!r}")
        overridden = getattr(provider_class, operation) is not getattr(Provider, operation)
        if offered != "unsupported" and not overridden:
            problems.append(
                f"{operation} is declared {offered} but {provider_class.__qualname__} "
                f"does not implement {operation}()"
            )
        if offered == "emulated" and not manifest.operation_notes.get(operation):
            problems.append(f"{operation} is emulated but operation_notes does not say how")
    natural_key = provider_class.natural_key is not Provider.natural_key
    if natural_key and provider_class.find is Provider.find:
        problems.append(
            "natural_key() is implemented but find() is not: a create whose answer was "
            "lost could never be reconciled"
        )
    if provider_class.uses_http and not provider_class.emulator:
        problems.append('an HTTP provider must ship an emulator (emulator = "module:factory")')
    return problems


async def call(
    target: Client | Provider,
    operation: str,
    *,
    promotion: Promotion,
    promotion_id: str = MISSING_ID,
    code: str = MISSING_CODE,
    checkout: Checkout | None = None,
) -> Any:
    """Run ``operation`` on a client (its default alias) or directly on a provider."""
    cart = checkout or Checkout(amount=100_000)
    if operation == "create":
        return await target.create(promotion)
    if operation == "get":
        return await target.get(promotion_id)
    if operation == "list":
        return [item async for item in target.list()]
    if operation == "validate":
        return await target.validate(code, cart)
    if operation == "usage":
        return await target.usage(code)
    if operation == "update":
        return await target.update(promotion_id, promotion)
    if operation == "delete":
        return await target.delete(promotion_id)
    if operation == "find" and isinstance(target, Provider):
        return await target.find(promotion)
    raise ValueError(f"unknown operation {operation!r}")


class ProviderConformance:
    """The checks every provider plugin must pass; subclass it in the plugin's tests.

    Required: :attr:`provider`, :attr:`api_key` and :meth:`sample`. Everything else
    has a default that suits a provider whose emulator factory accepts ``api_key``
    and ``clock`` keyword options (as ``promokit emulate`` passes them).

    Providers with ``uses_http = False`` (state kept in-process, like the built-in
    ``memory``) run the same suite without an emulator: the HTTP-only checks then
    prove that no HTTP happens at all instead.
    """

    provider: ClassVar[type[Provider]]
    """The provider class under test (registered temporarily; entry points are not loaded)."""

    api_key: ClassVar[str] = "conformance_test_key_0001"
    """A key the emulator accepts (never a real one)."""

    wrong_api_key: ClassVar[str | None] = None
    """A well-formed key the emulator refuses (default: :attr:`api_key` + ``"0"``)."""

    settings: ClassVar[Mapping[str, Any]] = {}
    """Extra ``[providers.<alias>]`` keys, e.g. ``{"environment": "sandbox"}``."""

    options: ClassVar[Mapping[str, Any]] = {}
    """The provider's ``options`` table, e.g. a small page size."""

    page_size: ClassVar[int | None] = None
    """The list page size :attr:`options` sets; the list check then counts the requests."""

    list_count: ClassVar[int | None] = None
    """How many promotions the list check creates (default: two pages and one more)."""

    checkout_count: ClassVar[int] = 40
    """How many generated checkouts the validation check compares."""

    now: ClassVar[datetime] = datetime.now(UTC).replace(microsecond=0)
    """The emulator's frozen clock (default: when the suite was imported).

    Samples should be running at this moment. Providers that compare against
    their own clock (local validation) agree with it to within the test's
    duration; set a fixed moment and point the provider's clock at the
    emulator's in :meth:`attach` for exact reproducibility.
    """

    idempotent_create: ClassVar[bool] = False
    """True when create sends an idempotency key, so the transport may retry it."""

    error_cases: ClassVar[Sequence[ErrorCase]] = ()
    """The provider's documented failures; each must map to the right typed error."""

    alias: ClassVar[str] = "conformance"
    """The alias the provider is configured under."""

    sdk_only: ClassVar[bool] = True
    """Hold the provider's package to the plugin API: it may import ``promokit.sdk`` and
    no other promokit module. Only test doubles inside promokit's own suite turn it off."""

    # -- what a plugin provides ----------------------------------------------------

    def sample(self, index: int) -> Promotion:
        """A valid promotion using the provider's native fields, unique per ``index``.

        ``sample(0)`` is used for round trips and validation; it should set as many
        native fields as the provider can express and be running at :attr:`now`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must define sample(index) -> promokit.Promotion"
        )

    def revised(self, index: int) -> Promotion:
        """What the update check replaces a promotion with (default: ``sample(1000 + index)``)."""
        return self.sample(1000 + index)

    def emulator_options(self) -> dict[str, Any]:
        """Keyword options for the provider's emulator factory."""
        return {"api_key": self.api_key, "clock": VirtualClock(self.now)}

    def build_emulator(self) -> Emulator:
        """The emulator for one test (default: the provider's ``emulator`` factory)."""
        return build_emulator(self.provider, **self.emulator_options())

    def setup_emulator(self, emulator: Emulator) -> None:
        """Prepare a fresh emulator before any request (e.g. register products)."""

    def attach(self, provider: Provider, emulator: Emulator | None) -> None:
        """Adjust the built provider (e.g. point its clock at ``emulator.clock.now``)."""

    async def prepare_for_validation(self, emulator: Emulator | None, created: Promotion) -> None:
        """Make ``created`` redeemable on the emulator (e.g. activate it), if needed."""

    def adapt_checkout(self, checkout: Checkout) -> Checkout:
        """Add what the provider needs to validate (e.g. a product id); default: unchanged."""
        return checkout

    def expected_validation(
        self, promotion: Promotion, checkout: Checkout, reference: Validation
    ) -> Validation:
        """The answer the provider should give; override only for a documented deviation."""
        return reference

    # -- harnesses -------------------------------------------------------------------

    @property
    def _bad_key(self) -> str:
        """The refused key used by the secret-leak check."""
        return self.wrong_api_key or f"{self.api_key}0"

    @asynccontextmanager
    async def open_harness(self) -> AsyncIterator[Harness]:
        """The provider against a fresh emulator on loopback, through a real client."""
        provider_class = self.provider
        emulator = self.build_emulator() if provider_class.uses_http else None
        if emulator is not None:
            self.setup_emulator(emulator)
        server = serve(emulator, provider_class) if emulator is not None else None
        sleep = NoSleep()
        with registered(provider_class) as plugins:
            if server is not None:
                await server.start()
            try:
                async with open_client(
                    provider_class,
                    plugins=plugins,
                    alias=self.alias,
                    api_key=self.api_key,
                    base_url=server.url if server is not None else None,
                    settings=self.settings,
                    options=self.options,
                    sleep=sleep,
                ) as client:
                    built = client.provider(self.alias)
                    self.attach(built, emulator)
                    yield Harness(client, built, self.alias, plugins, sleep, emulator, server)
            finally:
                if server is not None:
                    await server.stop()

    @asynccontextmanager
    async def open_mocked(self) -> AsyncIterator[tuple[Provider, CannedServer]]:
        """The provider with every request answered by a :class:`CannedServer` on loopback.

        The provider's base URL stands for :data:`MOCK_HOST`, so answers are added
        for ``https://api.conformance.invalid/...`` (or any regex); nothing else is
        reached.
        """
        provider_class = self.provider
        with registered(provider_class) as plugins:
            async with (
                CannedServer() as mock,
                open_client(
                    provider_class,
                    plugins=plugins,
                    alias=self.alias,
                    api_key=self.api_key,
                    base_url=mock.base_for(MOCK_HOST) + provider_class.emulator_prefix
                    if provider_class.uses_http
                    else None,
                    settings=self.settings,
                    options=self.options,
                ) as client,
            ):
                built = client.provider(self.alias)
                self.attach(built, None)
                yield built, mock

    @pytest_asyncio.fixture
    async def promokit_conformance(self) -> AsyncIterator[Harness]:
        """The harness for one conformance test."""
        async with self.open_harness() as harness:
            yield harness

    # -- the checks --------------------------------------------------------------------

    def test_manifest_is_consistent_with_methods(self) -> None:
        """Declared operations are implemented, names are known, the emulator is declared."""
        problems = manifest_problems(self.provider)
        assert not problems, "manifest does not match the provider class:\n  " + "\n  ".join(
            problems
        )

    def test_the_plugin_imports_only_the_sdk(self) -> None:
        """The provider's package imports ``promokit.sdk`` and no other promokit module."""
        if not self.sdk_only:
            pytest.skip("a test double of promokit's own suite")
        foreign = foreign_imports(self.provider)
        assert not foreign, (
            "a plugin builds on promokit.sdk alone; import these names from it instead:\n  "
            + "\n  ".join(foreign)
        )

    @pytest.mark.asyncio
    async def test_undeclared_operations_raise_before_io(
        self, promokit_conformance: Harness
    ) -> None:
        """An operation the manifest does not offer raises UnsupportedFeature, sending nothing."""
        harness = promokit_conformance
        manifest = self.provider.manifest
        undeclared = [op for op in OPERATIONS if not manifest.supports(op)]
        sample = self.sample(0)
        failures: list[str] = []
        for operation in undeclared:
            for target, how in ((harness.client, "client"), (harness.provider, "provider")):
                label = f"{operation}() through the {how}"
                try:
                    await call(target, operation, promotion=sample)
                except UnsupportedFeature as refused:
                    if refused.operation != operation or refused.provider != self.alias:
                        failures.append(
                            f"{label}: refused as {refused.operation!r} of {refused.provider!r}"
                        )
                except Exception as other:  # anything else means it tried to do the work
                    failures.append(f"{label}: raised {type(other).__name__}: {other}")
                else:
                    failures.append(f"{label}: succeeded although the manifest does not offer it")
        assert not failures, "undeclared operations are not refused:\n  " + "\n  ".join(failures)
        for operation in OPERATIONS:
            if operation not in undeclared:
                # Declared operations pass the client's gate (they are exercised elsewhere).
                require_operation(
                    manifest, operation, provider=self.alias, plugin=self.provider.plugin_name
                )
        assert harness.requests == [], "an undeclared operation sent a request"

    @pytest.mark.asyncio
    async def test_declared_operations_work(self, promokit_conformance: Harness) -> None:
        """create, get, list, validate, usage, update and delete each do their job, if declared."""
        harness = promokit_conformance
        client = harness.client
        manifest = self.provider.manifest
        assert manifest.supports("create"), "a provider must offer create"
        created = await client.create(self.sample(0))
        assert created.id, "create must return the provider's id"
        assert created.provider == self.alias, "create must set provider to the alias"
        promotion_id = created.id
        if manifest.supports("get"):
            got = await client.get(promotion_id)
            assert got.id == promotion_id
            assert got.provider == self.alias
        if manifest.supports("list"):
            listed = [item.id async for item in client.list()]
            assert promotion_id in listed, "list does not contain the created promotion"
        code = code_of(created)
        if manifest.supports("validate") or manifest.supports("usage"):
            assert code, "sample(0) must produce a code for validate and usage"
        if manifest.supports("validate"):
            assert code is not None
            checkout = self.adapt_checkout(base_checkout(created))
            validation = await client.validate(code, checkout)
            assert isinstance(validation, Validation)
            missing = await client.validate(MISSING_CODE, checkout)
            assert not missing.valid, "an unknown code must be refused"
        if manifest.supports("usage"):
            assert code is not None
            usage = await client.usage(code)
            assert isinstance(usage, Usage)
            assert usage.code.casefold() == code.casefold()
            assert usage.used == 0, "a promotion nobody used reports used=0"
        if manifest.supports("update"):
            revised = self.revised(0)
            updated = await client.update(promotion_id, revised)
            assert updated.id == promotion_id
            if manifest.supports("get"):
                again = await client.get(promotion_id)
                native = [name for name in FIELDS if manifest.field(name).support == "native"]
                plugin = self.provider.plugin_name
                stale = differing_fields(revised, again, native, plugin)
                assert not stale, "get does not show the update:\n  " + "\n  ".join(stale)
        if manifest.supports("delete"):
            await client.delete(promotion_id)
            if manifest.supports("get"):
                with pytest.raises(NotFound):
                    await client.get(promotion_id)
            if manifest.supports("list"):
                remaining = [item.id async for item in client.list()]
                assert promotion_id not in remaining, "a deleted promotion is still listed"

    @pytest.mark.asyncio
    async def test_create_get_round_trip_preserves_native_fields(
        self, promokit_conformance: Harness
    ) -> None:
        """Every field the manifest calls native comes back from create and get unchanged."""
        harness = promokit_conformance
        manifest = self.provider.manifest
        native = [name for name in FIELDS if manifest.field(name).support == "native"]
        assert native, "the manifest declares no native field"
        sample = self.sample(0)
        created = await harness.client.create(sample)
        plugin = self.provider.plugin_name
        lost = [f"create: {line}" for line in differing_fields(sample, created, native, plugin)]
        if manifest.supports("get"):
            assert created.id is not None
            got = await harness.client.get(created.id)
            lost += [f"get: {line}" for line in differing_fields(sample, got, native, plugin)]
        assert not lost, "native fields changed on the way:\n  " + "\n  ".join(lost)

    @pytest.mark.asyncio
    async def test_unsupported_fields_are_rejected_with_zero_requests(
        self, promokit_conformance: Harness
    ) -> None:
        """Each refused field or value is reported, alone, before any request is sent."""
        harness = promokit_conformance
        manifest = self.provider.manifest
        sample = self.sample(0)
        accepted = harness.client.plan(sample)
        assert accepted.ok, f"sample(0) itself is refused: {[str(p) for p in accepted.problems]}"
        variants = refused_variants(manifest, sample)
        failures: list[str] = []
        for variant in variants:
            writes = ["create"] + (["update"] if manifest.supports("update") else [])
            for operation in writes:
                label = f"{operation} with {variant.field} ({variant.reason})"
                try:
                    await call(harness.client, operation, promotion=variant.promotion)
                except UnsupportedFeature as refused:
                    paths = {problem.path for problem in refused.problems}
                    if variant.field not in paths:
                        failures.append(f"{label}: no problem names {variant.field} ({paths})")
                    elif not paths <= variant.paths:
                        failures.append(f"{label}: unrelated problems too: {sorted(paths)}")
                except PromokitError as other:
                    failures.append(f"{label}: raised {type(other).__name__}: {other.message}")
                else:
                    failures.append(f"{label}: was accepted")
        with pytest.raises((UnsupportedFeature, InvalidInput)) as broken:
            await harness.client.create(invalid_promotion(sample))
        assert any(p.path == "discount.value" for p in broken.value.problems)
        if not variants:
            refusing = [
                name
                for name in FIELDS
                if manifest.field(name).support == "unsupported"
                or manifest.field(name).values is not None
            ]
            assert set(refusing) <= {"name", "discount", "extensions"}, refusing
        assert not failures, "refusals are wrong:\n  " + "\n  ".join(failures)
        assert harness.requests == [], (
            f"{plural(len(harness.requests), 'request')} sent for refused input"
        )

    @pytest.mark.asyncio
    async def test_list_returns_everything_exactly_once(
        self, promokit_conformance: Harness
    ) -> None:
        """Listing walks every page and yields each promotion once."""
        harness = promokit_conformance
        if not self.provider.manifest.supports("list"):
            with pytest.raises(UnsupportedFeature):
                await call(harness.client, "list", promotion=self.sample(0))
            assert harness.requests == []
            return
        count = self.list_count or (2 * self.page_size + 1 if self.page_size else 5)
        created = [await harness.client.create(self.sample(index)) for index in range(1, count + 1)]
        created_ids = [item.id for item in created]
        assert len(set(created_ids)) == count, "samples must be distinct promotions"
        before = len(harness.requests)
        listed = [item.id async for item in harness.client.list()]
        repeated = sorted(str(i) for i, seen in Counter(listed).items() if seen > 1)
        missing = sorted(str(i) for i in set(created_ids) - set(listed))
        assert not repeated, f"listed more than once: {repeated}"
        assert not missing, f"never listed: {missing}"
        assert len(listed) == count, f"listed {len(listed)} promotions, created {count}"
        if self.page_size and self.provider.uses_http:
            pages = len(harness.requests) - before
            assert pages >= math.ceil(count / self.page_size), (
                f"{count} promotions at {self.page_size} per page took only "
                f"{plural(pages, 'request')}"
            )

    @pytest.mark.asyncio
    async def test_validation_agrees_with_reference_evaluator(
        self, promokit_conformance: Harness
    ) -> None:
        """validate() gives the reference evaluator's verdict, reason and amount."""
        harness = promokit_conformance
        manifest = self.provider.manifest
        if not manifest.supports("validate"):
            with pytest.raises(UnsupportedFeature):
                await harness.client.validate(MISSING_CODE, Checkout(amount=100_000))
            assert harness.requests == []
            return
        created = await harness.client.create(self.sample(0))
        assert created.id is not None
        await self.prepare_for_validation(harness.emulator, created)
        stored = await harness.client.get(created.id) if manifest.supports("get") else created
        code = code_of(created)
        assert code, "sample(0) must produce a code to validate"
        checkouts = [
            self.adapt_checkout(c) for c in generate_checkouts(stored, self.checkout_count)
        ]
        verdicts: list[bool] = []
        mismatches: list[str] = []
        for checkout in checkouts:
            reference = evaluate(stored, checkout, now=self.now)
            expected = self.expected_validation(stored, checkout, reference)
            verdicts.append(expected.valid)
            got = await harness.client.validate(code, checkout)
            want = (expected.valid, expected.reason, expected.discount_amount)
            have = (got.valid, got.reason, got.discount_amount)
            if want != have:
                mismatches.append(f"{msgspec.json.encode(checkout).decode()}: {have} != {want}")
        why = reference_reason(stored, checkouts[0], self.now)
        assert verdicts[0], (
            f"the base checkout is refused by the reference ({why}); "
            "sample(0) must be running at `now` (see prepare_for_validation)"
        )
        assert not all(verdicts), "no generated checkout is refused; sample(0) needs some rules"
        assert not mismatches, (
            f"{len(mismatches)} of {len(checkouts)} validations disagree "
            "(checkout: provider != reference):\n  " + "\n  ".join(mismatches)
        )

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

    @pytest.mark.asyncio
    async def test_retries_happen_only_where_safe(self, promokit_conformance: Harness) -> None:
        """Reads are retried (honouring Retry-After); a create is never resent blindly."""
        harness = promokit_conformance
        client, provider = harness.client, harness.provider
        if harness.emulator is None:
            with pytest.raises(ConfigurationError):
                _ = provider.http
            first = await client.create(self.sample(1))
            again = await client.create(self.sample(1))
            assert again.id == first.id, "the same create twice must not write twice"
            return
        emulator = harness.emulator
        # Learn which request a create writes with.
        start = len(harness.requests)
        created = await client.create(self.sample(1))
        assert created.id is not None
        writes = harness.writes(start)
        assert writes, "create sent no write request"
        write = writes[-1]
        # 1. A server error on the write is not retried by the transport.
        emulator.faults.add("status", status=503, body=b"{}", method=write.method, path=write.path)
        start = len(harness.requests)
        failure: PromokitError | None = None
        try:
            await provider.create(self.sample(2))
        except PromokitError as error:
            failure = error
        sent = [
            r for r in harness.requests[start:] if (r.method, r.path) == (write.method, write.path)
        ]
        if not self.idempotent_create:
            assert len(sent) == 1, f"a failed create was sent {len(sent)} times by the transport"
            assert failure is not None, "a create answered 503 did not raise"
            assert failure.outcome == "unknown", "a 503 after sending leaves the outcome unknown"
        # 2. A write whose answer is lost is reconciled by natural key, not resent.
        sample = self.sample(3)
        emulator.faults.add("drop_after", method=write.method, path=write.path)
        start = len(harness.requests)
        if provider.natural_key(sample) is None:
            with pytest.raises(OutcomeUnknown):
                await client.create(sample)
        else:
            recovered = await client.create(sample)
            assert recovered.reconciled, "the lost create was not reconciled by its natural key"
        resent = [
            r for r in harness.requests[start:] if (r.method, r.path) == (write.method, write.path)
        ]
        if not self.idempotent_create:
            assert len(resent) == 1, f"a create whose answer was lost was sent {len(resent)} times"
        # 3. Reads are retried after a server error and after 429 + Retry-After.
        read = await self._read_operation(harness, created)
        emulator.faults.add("status", status=503, body=b"{}", method="GET")
        harness.sleep.calls.clear()
        await read()
        assert harness.sleep.calls, "a read that failed with 503 was not retried"
        emulator.faults.add("rate_limit", method="GET", retry_after="7")
        harness.sleep.calls.clear()
        await read()
        assert harness.sleep.calls, "a read answered 429 was not retried"
        assert max(harness.sleep.calls) >= 7, (
            f"Retry-After: 7 was not honoured (slept {harness.sleep.calls})"
        )

    @pytest.mark.asyncio
    async def test_reads_end_by_the_callers_deadline(self, promokit_conformance: Harness) -> None:
        """A read under ``promokit.deadline()`` ends by it even when the gateway stalls.

        Requests sent through ``self.http`` get the caller's deadline for free; one
        sent any other way would wait for the stalled gateway.
        """
        harness = promokit_conformance
        created = await harness.client.create(self.sample(1))
        read = await self._read_operation(harness, created)
        if harness.emulator is None:
            with deadline(0.5):  # no HTTP, nothing to stall: the read just works
                await read()
            return
        harness.emulator.faults.add("delay", delay=3.0, method="GET", count=3)
        started = time.monotonic()
        try:
            with deadline(0.3):
                await read()
        except RequestTimeout:
            pass
        else:
            raise AssertionError(
                "a read under a 0.3 s deadline waited out a 3 s stall: "
                "send every request through self.http"
            )
        took = time.monotonic() - started
        # Far below the stall (3 s) and the provider's own timeout (30 s): slack for CI.
        assert took < 2.0, f"a read under a 0.3 s deadline took {took:.1f} s"

    async def _read_operation(self, harness: Harness, created: Promotion) -> Any:
        manifest = self.provider.manifest
        promotion_id = created.id or MISSING_ID
        client = harness.client

        async def get() -> Any:
            return await client.get(promotion_id)

        async def listing() -> Any:
            return [item async for item in client.list()]

        if manifest.supports("get"):
            return get
        if manifest.supports("list"):
            return listing
        raise AssertionError("declare get or list: promokit needs a way to read promotions back")

    @pytest.mark.asyncio
    async def test_api_key_never_appears_in_logs_or_errors(self) -> None:
        """The key goes on the wire, and nowhere else: logs, errors, reprs, tracebacks."""
        keys = (self.api_key, self._bad_key)
        with guard_secrets(keys) as guard:
            async with self.open_harness() as harness:
                client, provider = harness.client, harness.provider
                created = await client.create(self.sample(0))
                assert created.id is not None
                guard.observe(repr(client))
                guard.observe(repr(provider))
                guard.observe(repr(provider.settings))
                if harness.emulator is None or harness.server is None:
                    await client.get(created.id)
                    return
                guard.observe(repr(provider.http))
                forms = secret_forms(self.api_key)
                carried = [
                    r
                    for r in harness.requests
                    if any(form in value for value in r.headers.values() for form in forms)
                ]
                assert carried, "no request carried the API key: is auth_headers() used?"
                harness.emulator.faults.add("status", status=500, body=b"{}", count=10)
                with pytest.raises(PromokitError) as failed:
                    await call(
                        provider,
                        "get" if provider.manifest.supports("get") else "list",
                        promotion=self.sample(0),
                        promotion_id=created.id,
                    )
                guard.observe(str(failed.value))
                harness.emulator.faults.clear()
                async with open_client(
                    self.provider,
                    plugins=harness.plugins,
                    alias=self.alias,
                    api_key=self._bad_key,
                    base_url=harness.server.url,
                    settings=self.settings,
                    options=self.options,
                ) as intruder:
                    self.attach(intruder.provider(self.alias), harness.emulator)
                    try:
                        accepted = await intruder.create(self.sample(7))
                    except AuthenticationError as refused:
                        guard.observe(str(refused))
                        wrong_alias = refused.provider != self.alias
                    else:
                        raise AssertionError(
                            f"a wrong key was accepted (created {accepted.id}): the emulator "
                            "must check credentials and the provider map 401 to "
                            "AuthenticationError"
                        )
                    guard.observe(repr(intruder))
                assert not wrong_alias, "the authentication error does not name the alias"


_ANY_URL = re.compile(r"^https?://.*$")


def reference_reason(promotion: Promotion, checkout: Checkout, now: datetime) -> str:
    """Why the reference evaluator refuses ``checkout`` (for failure messages)."""
    verdict = evaluate(promotion, checkout, now=now)
    return f"{verdict.reason}: {verdict.message}" if not verdict.valid else "accepted"


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


__all__ = [
    "MISSING_CODE",
    "MISSING_ID",
    "ErrorCase",
    "Harness",
    "ProviderConformance",
    "call",
    "code_of",
    "differing_fields",
    "manifest_problems",
]
