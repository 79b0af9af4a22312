"""Checks of the manifest against the class: declared operations exist, undeclared ones refuse."""

from __future__ import annotations

import pytest

from promokit.errors import UnsupportedFeature
from promokit.model.capabilities import FIELDS, OPERATIONS, require_operation
from promokit.plugins.provider import Provider
from promokit.testing.conformance.base import ConformanceBase
from promokit.testing.conformance.kit import Harness, call
from promokit.testing.imports import foreign_imports
from promokit.testing.variants import KINDS

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


class ManifestChecks(ConformanceBase):
    """The manifest, the plugin's imports, and operations refused before any I/O."""

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
