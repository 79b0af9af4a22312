"""The plugin author kit itself: wrong providers fail the suite loudly; helpers behave."""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import msgspec
import pytest

import promokit
from promokit.http.transport import Response
from promokit.model.capabilities import FieldSupport, Limits, Manifest
from promokit.model.evaluate import evaluate
from promokit.plugins.emulator import EmulatorServer
from promokit.plugins.memory import MemoryProvider
from promokit.testing import (
    ErrorCase,
    Exchange,
    ProviderConformance,
    Recorder,
    SecretLeak,
    load_exchanges,
    manifest_problems,
    replay,
)
from promokit.testing.canned import CannedServer
from promokit.testing.harness import NoSleep
from promokit.testing.pytest_plugin import CANARY_KEY
from promokit.testing.variants import base_checkout, generate_checkouts, refused_variants

from . import test_conformance_builtin as builtin
from .conftest import EchoEmulator, EchoProvider

log = logging.getLogger("tests.leaky")
NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


async def run_check(suite: type[ProviderConformance], name: str) -> None:
    """Run one inherited check of ``suite`` the way pytest would."""
    instance = suite()
    method = getattr(instance, name)
    if "promokit_conformance" in inspect.signature(method).parameters:
        async with instance.open_harness() as harness:
            await method(harness)
        return
    result = method()
    if inspect.isawaitable(result):
        await result


def echo_suite(provider: type[promokit.Provider], **attributes: Any) -> type[ProviderConformance]:
    """The passing echo conformance class, with ``provider`` swapped in."""
    return type("Suite", (builtin.TestEchoConformance,), {"provider": provider, **attributes})


# -- wrong providers fail, each with a message naming the fault ---------------------------


class UndeclaredListEcho(builtin.ShippedEchoProvider):
    manifest = msgspec.structs.replace(
        EchoProvider.manifest, operations={"create": "native", "get": "native", "list": "native"}
    )


async def test_a_declared_but_unimplemented_operation_fails_the_manifest_check() -> None:
    with pytest.raises(AssertionError, match=r"list is declared native .* does not implement"):
        await run_check(echo_suite(UndeclaredListEcho), "test_manifest_is_consistent_with_methods")


class TypoManifestEcho(builtin.ShippedEchoProvider):
    manifest = msgspec.structs.replace(
        EchoProvider.manifest,
        fields={
            **EchoProvider.manifest.fields,
            "min_purchse": FieldSupport(),
            "discount": FieldSupport(values=("fixed", "flat")),
        },
        operations={**EchoProvider.manifest.operations, "remove": "native"},
    )


def test_unknown_names_and_values_in_a_manifest_are_reported() -> None:
    problems = "\n".join(manifest_problems(TypoManifestEcho))
    assert "'min_purchse', which is not a neutral field" in problems
    assert "'remove', which is not an operation" in problems
    assert "fields['discount'].values names ['flat']" in problems


class NoFindEcho(builtin.ShippedEchoProvider):
    emulator: ClassVar[str | None] = None
    find = promokit.Provider.find


def test_natural_key_without_find_and_missing_emulator_are_reported() -> None:
    problems = "\n".join(manifest_problems(NoFindEcho))
    assert "natural_key() is implemented but find() is not" in problems
    assert "must ship an emulator" in problems


class EagerEcho(builtin.ShippedEchoProvider):
    """Implements delete over HTTP without declaring it."""

    async def delete(self, promotion_id: str) -> None:
        await self.http.request("DELETE", self.http.path("items", promotion_id), operation="delete")


async def test_an_undeclared_operation_that_does_io_fails() -> None:
    with pytest.raises(AssertionError, match=r"delete\(\) through the provider: raised"):
        await run_check(echo_suite(EagerEcho), "test_undeclared_operations_raise_before_io")


class ForgetfulEcho(builtin.ShippedEchoProvider):
    """Loses the code when reading a promotion back."""

    async def get(self, promotion_id: str) -> promokit.Promotion:
        found = await super().get(promotion_id)
        return msgspec.structs.replace(found, code=None)


async def test_a_native_field_lost_on_get_fails_the_round_trip() -> None:
    with pytest.raises(AssertionError, match=r"get: code: sent 'ECHO0', got None"):
        await run_check(
            echo_suite(ForgetfulEcho), "test_create_get_round_trip_preserves_native_fields"
        )


class NoisyPlanEcho(builtin.ShippedEchoProvider):
    """Blames the name for every refusal: the plan names fields that are fine."""

    def plan_problems(self, promotion: promokit.Promotion) -> list[promokit.Problem]:
        if promotion.description is not None:
            return [promokit.Problem("name", "is unacceptable with a description")]
        return []


async def test_a_refusal_naming_other_fields_fails() -> None:
    with pytest.raises(AssertionError, match=r"with description .* unrelated problems"):
        await run_check(
            echo_suite(NoisyPlanEcho), "test_unsupported_fields_are_rejected_with_zero_requests"
        )


class RetryingEcho(builtin.ShippedEchoProvider):
    """Marks its create idempotent although the gateway has no idempotency key."""

    async def create(self, promotion: promokit.Promotion) -> promokit.Promotion:
        assert isinstance(promotion.discount, promokit.Fixed)
        body = msgspec.json.encode(
            {"name": promotion.name, "amount": promotion.discount.amount, "code": promotion.code}
        )
        response = await self.http.request(
            "POST", "/items", operation="create", body=body, idempotent=True
        )
        return self._neutral(response.body, "create")


async def test_a_blindly_retried_create_fails() -> None:
    with pytest.raises(AssertionError, match=r"a failed create was sent 2 times"):
        await run_check(echo_suite(RetryingEcho), "test_retries_happen_only_where_safe")


class BypassingEcho(builtin.ShippedEchoProvider):
    """Fetches with a session of its own instead of ``self.http`` (no deadline, no retries)."""

    async def get(self, promotion_id: str) -> promokit.Promotion:
        headers = self.auth_headers(self.settings)
        url = self.http.base_url + self.http.path("items", promotion_id)
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as got:
            return self._neutral(await got.read(), "get")


async def test_a_read_that_bypasses_the_transport_fails_the_deadline_check() -> None:
    with pytest.raises(AssertionError, match="waited out a 3 s stall"):
        await run_check(echo_suite(BypassingEcho), "test_reads_end_by_the_callers_deadline")


class FlatErrorsEcho(builtin.ShippedEchoProvider):
    """Reports every failure as a 400, whatever the gateway said."""

    @classmethod
    def parse_error(cls, response: Response) -> promokit.http.transport.ErrorInfo | None:
        if response.status < 400:
            return None
        return promokit.http.transport.ErrorInfo(status=400, message="failed")


async def test_a_wrongly_mapped_documented_error_fails() -> None:
    with pytest.raises(
        AssertionError, match=r"get HTTP 404 -> NotFound\(None\): raised BadRequest"
    ):
        await run_check(echo_suite(FlatErrorsEcho), "test_documented_errors_map_to_typed_errors")


async def test_an_empty_error_table_fails() -> None:
    with pytest.raises(AssertionError, match="declare error_cases"):
        await run_check(
            echo_suite(builtin.ShippedEchoProvider, error_cases=()),
            "test_documented_errors_map_to_typed_errors",
        )


class LeakyEcho(builtin.ShippedEchoProvider):
    """Logs its key while fetching (the kind of debugging line that ends up in production)."""

    async def get(self, promotion_id: str) -> promokit.Promotion:
        key = self.settings.require_key().reveal()
        log.debug("fetching %s with key %s", promotion_id, key)
        return await super().get(promotion_id)


@pytest.mark.leaks_on_purpose
async def test_a_key_in_a_log_line_fails() -> None:
    with pytest.raises(SecretLeak, match="leaked into log"):
        await run_check(echo_suite(LeakyEcho), "test_api_key_never_appears_in_logs_or_errors")


class KeylessEcho(builtin.ShippedEchoProvider):
    """Forgets to authenticate at all."""

    @classmethod
    def auth_headers(cls, settings: promokit.ProviderSettings) -> dict[str, str]:
        return {}


async def test_a_provider_that_never_sends_its_key_fails() -> None:
    suite = echo_suite(KeylessEcho)
    suite.build_emulator = lambda self: EchoEmulator()  # type: ignore[method-assign]
    with pytest.raises(AssertionError, match="no request carried the API key"):
        await run_check(suite, "test_api_key_never_appears_in_logs_or_errors")


class OpenDoorEchoSuite(builtin.TestEchoConformance):
    def build_emulator(self) -> EchoEmulator:
        return EchoEmulator()


async def test_an_emulator_that_accepts_any_key_fails() -> None:
    with pytest.raises(AssertionError, match="a wrong key was accepted"):
        await run_check(OpenDoorEchoSuite, "test_api_key_never_appears_in_logs_or_errors")


class DoubleListingEcho(builtin.ShippedEchoProvider):
    """Lists every promotion it made, and the first one twice (a pagination bug)."""

    manifest = msgspec.structs.replace(
        EchoProvider.manifest, operations={"create": "native", "get": "native", "list": "native"}
    )
    made: ClassVar[list[str]] = []

    async def create(self, promotion: promokit.Promotion) -> promokit.Promotion:
        created = await super().create(promotion)
        assert created.id is not None
        self.made.append(created.id)
        return created

    async def list(
        self,
        *,
        status: str | None = None,
        search: str | None = None,
        product_id: str | None = None,
    ) -> AsyncIterator[promokit.Promotion]:
        for promotion_id in [*self.made, *self.made[:1]]:
            yield await self.get(promotion_id)


async def test_a_promotion_listed_twice_fails() -> None:
    DoubleListingEcho.made = []
    with pytest.raises(AssertionError, match="listed more than once"):
        await run_check(echo_suite(DoubleListingEcho), "test_list_returns_everything_exactly_once")


class SloppyMemory(MemoryProvider):
    """Rounds every discount up by one rupiah."""

    plugin_name = "sloppy_memory"

    async def validate(self, code: str, checkout: promokit.Checkout) -> promokit.Validation:
        result = await super().validate(code, checkout)
        if not result.valid:
            return result
        return msgspec.structs.replace(result, discount_amount=result.discount_amount + 1)


async def test_a_validation_that_disagrees_with_the_reference_fails() -> None:
    suite = type("Suite", (builtin.TestMemoryConformance,), {"provider": SloppyMemory})
    with pytest.raises(AssertionError, match=r"validations disagree"):
        await run_check(suite, "test_validation_agrees_with_reference_evaluator")


class AlwaysValidMemory(MemoryProvider):
    """Says yes to everything."""

    plugin_name = "always_valid_memory"

    async def validate(self, code: str, checkout: promokit.Checkout) -> promokit.Validation:
        return promokit.Validation(valid=True, discount_amount=1, provider=self.alias)


async def test_a_validation_that_ignores_rules_fails() -> None:
    suite = type("Suite", (builtin.TestMemoryConformance,), {"provider": AlwaysValidMemory})
    with pytest.raises(AssertionError, match=r"'MIN_PURCHASE_NOT_MET'|MIN_PURCHASE_NOT_MET"):
        await run_check(suite, "test_validation_agrees_with_reference_evaluator")


def test_every_check_is_inherited_by_a_subclass() -> None:
    checks = sorted(name for name in dir(ProviderConformance) if name.startswith("test_"))
    assert len(checks) == 13
    assert all(hasattr(builtin.TestEchoConformance, name) for name in checks)


# -- variants and checkouts ---------------------------------------------------------------

CARD_ONLY = Manifest(
    fields={
        "name": FieldSupport(),
        "code": FieldSupport(),
        "discount": FieldSupport(values=("percent",)),
        "discount.max_amount": FieldSupport(support="unsupported"),
        "currency": FieldSupport(),
        "coupon_type": FieldSupport(values=("reusable",)),
        "customers": FieldSupport(values=("all",)),
        "reward": FieldSupport(values=("discount",)),
        "applies_to": FieldSupport(values=("order",)),
        "ends_at": FieldSupport(required=True),
        "payment": FieldSupport(values=("card",)),
    },
    operations={"create": "native"},
    limits=Limits(max_name_length=20, currencies=("IDR",), max_percent=Decimal(90)),
)
CARD_SAMPLE = promokit.Promotion(
    name="Card promo",
    discount=promokit.Percent(value=Decimal(10)),
    ends_at=NOW + timedelta(days=3),
)


def test_variants_cover_each_refusal_once() -> None:
    variants = refused_variants(CARD_ONLY, CARD_SAMPLE)
    reasons = {(v.field, v.reason) for v in variants}
    assert ("discount", "'fixed' is outside values=('percent',)") in reasons
    assert ("payment", "'ewallet' is outside values=('card',)") in reasons
    assert ("ends_at", "required but unset") in reasons
    assert ("discount.max_amount", "declared unsupported") in reasons
    assert ("limit", "declared unsupported") in reasons
    assert ("name", "longer than max_name_length=20") in reasons
    assert ("currency", "outside currencies=('IDR',)") in reasons
    assert ("discount.value", "above max_percent=90") in reasons
    assert not any(v.field == "extensions" for v in variants)
    for variant in variants:
        plan = promokit.model.capabilities.plan(
            variant.promotion, CARD_ONLY, provider="cards", plugin="cards"
        )
        paths = {problem.path for problem in plan.problems}
        assert variant.field in paths, variant
        assert paths <= variant.paths, variant


def test_a_manifest_that_refuses_nothing_has_no_variants() -> None:
    assert refused_variants(MemoryProvider.manifest, CARD_SAMPLE) == []


PROMOTIONS = [
    promokit.Promotion(name="plain", discount=promokit.Fixed(amount=5_000)),
    promokit.Promotion(
        name="rules",
        discount=promokit.Percent(value=Decimal("12.5"), max_amount=20_000),
        min_purchase=150_000,
        customers="returning",
        products=("sku-9",),
        payment=promokit.EwalletScope(wallets=("OVO",)),
        applies_to="items",
    ),
    promokit.Promotion(
        name="va",
        discount=promokit.Fixed(amount=10_000),
        payment=promokit.VirtualAccountScope(banks=("BNI",)),
        applies_to="shipping",
    ),
    promokit.Promotion(
        name="card banks",
        discount=promokit.Percent(value=Decimal(5)),
        payment=promokit.CardScope(banks=("BCA",)),
    ),
]


@pytest.mark.parametrize("promotion", PROMOTIONS, ids=lambda p: p.name)
def test_generated_checkouts_start_valid_and_change_one_thing(
    promotion: promokit.Promotion,
) -> None:
    base = base_checkout(promotion)
    assert evaluate(promotion, base, now=NOW).valid
    checkouts = generate_checkouts(promotion, 30, seed=3)
    assert len(checkouts) == 30
    assert checkouts[0] == base
    assert checkouts == generate_checkouts(promotion, 30, seed=3), "deterministic"
    base_fields = msgspec.structs.asdict(base)
    for checkout in checkouts[1:]:
        changed = {k for k, v in msgspec.structs.asdict(checkout).items() if base_fields[k] != v}
        assert changed, checkout
        assert changed <= {"amount", "items_amount"} or "amount" not in changed, checkout
    verdicts = [evaluate(promotion, c, now=NOW).valid for c in checkouts]
    if promotion.name == "rules":
        assert not all(verdicts)


# -- the recorder ---------------------------------------------------------------------------


def test_redaction_masks_keys_secret_fields_and_replaced_text() -> None:
    recorder = Recorder(("sk_live_realKEY12345",), replace={"ayu@example.id": "customer@test"})
    exchange = Exchange(
        operation="create",
        method="POST",
        path="/items",
        status=200,
        request_body={"name": "x", "api_key": "anything", "email": "ayu@example.id"},
        response_headers={"X-Request-Id": "req_1"},
        response_body={"echo": "Bearer sk_live_realKEY12345", "nested": [{"token": "t0k"}]},
    )
    clean = recorder.redact(exchange)
    text = json.dumps(msgspec.to_builtins(clean))
    assert "sk_live_realKEY12345" not in text
    assert clean.request_body == {"name": "x", "api_key": "****", "email": "customer@test"}
    assert clean.response_body == {"echo": "Bearer ****", "nested": [{"token": "****"}]}
    with pytest.raises(SecretLeak):
        recorder.check("Basic " + "c2tfbGl2ZV9yZWFsS0VZMTIzNDU6")


async def test_record_then_replay_gives_the_same_answers(
    promokit_serve: Any, promokit_client: Any, promokit_recorder: Recorder, tmp_path: Path
) -> None:
    server: EmulatorServer = await promokit_serve(EchoEmulator())
    client = promokit_client(EchoProvider, base_url=server.url)
    promokit_recorder.attach(client.provider())
    created = await client.create(builtin.TestEchoConformance().sample(4))
    assert created.id is not None
    fetched = await client.get(created.id)
    with pytest.raises(promokit.NotFound):
        await client.get("it_999")
    written = promokit_recorder.save(tmp_path)
    assert [p.name for p in written] == [
        "001_create_200.json",
        "002_get_200.json",
        "003_get_404.json",
    ]
    for path in written:
        assert CANARY_KEY not in path.read_text()
    exchanges = load_exchanges(tmp_path)
    assert exchanges[0].request_body == {"name": "Echo 4", "amount": 1004, "code": "ECHO4"}
    assert exchanges[2].response_body == {"error": "not found", "code": "NF"}

    async with CannedServer() as canned:
        replay(canned, exchanges, "https://echo.example")
        offline = promokit_client(
            EchoProvider, base_url=canned.base_for("https://echo.example"), alias="offline"
        )
        again = await offline.create(builtin.TestEchoConformance().sample(4))
        assert msgspec.structs.replace(again, provider="test") == created
        refetched = await offline.get(created.id)
        assert msgspec.structs.replace(refetched, provider="test") == fetched
        with pytest.raises(promokit.NotFound):
            await offline.get("it_999")


# -- the pytest plugin's fixtures --------------------------------------------------------------


def test_register_fixture_ignores_installed_plugins(promokit_register: Any) -> None:
    plugins = promokit_register(EchoProvider)
    assert plugins.providers().names() == ["echo", "memory"]


async def test_client_fixture_never_really_sleeps(
    promokit_serve: Any, promokit_client: Any
) -> None:
    emulator = EchoEmulator()
    server = await promokit_serve(emulator)
    client = promokit_client(EchoProvider, base_url=server.url)
    emulator.faults.add("rate_limit", retry_after="20")
    with pytest.raises(promokit.NotFound):
        await client.get("it_404")
    assert isinstance(promokit_client.sleep, NoSleep)
    assert max(promokit_client.sleep.calls) >= 20


async def test_aioresponses_fixture_leaves_loopback_reachable(
    promokit_aioresponses: Any, promokit_serve: Any, promokit_client: Any
) -> None:
    server = await promokit_serve(EchoEmulator())
    local = promokit_client(EchoProvider, base_url=server.url, alias="local")
    remote = promokit_client(EchoProvider, alias="remote")
    promokit_aioresponses.get(
        "https://echo.invalid/items/it_7",
        payload={"id": "it_7", "name": "Mocked", "amount": 700, "code": None},
    )
    mocked = await remote.get("it_7")
    assert mocked.name == "Mocked"
    created = await local.create(builtin.TestEchoConformance().sample(1))
    assert created.id == "it_1"


def test_error_case_bodies_encode_any_shape() -> None:
    assert ErrorCase("get", 404, b"raw", promokit.NotFound).body_bytes() == b"raw"
    assert ErrorCase("get", 404, "text", promokit.NotFound).body_bytes() == b"text"
    assert ErrorCase("get", 404, {"a": 1}, promokit.NotFound).body_bytes() == b'{"a":1}'
    assert str(ErrorCase("get", 404, b"", promokit.NotFound, code="NF")) == (
        "get HTTP 404 -> NotFound(NF)"
    )


def test_the_package_exports_resolve_lazily() -> None:
    import promokit.testing as testing

    for name in testing.__all__:
        assert getattr(testing, name) is not None
    with pytest.raises(AttributeError):
        _ = testing.DoesNotExist
