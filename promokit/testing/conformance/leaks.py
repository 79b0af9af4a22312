"""The check that the API key reaches the wire and nothing else."""

from __future__ import annotations

import pytest

from promokit.errors import AuthenticationError, PromokitError
from promokit.http.redact import secret_forms
from promokit.testing.conformance.base import ConformanceBase
from promokit.testing.conformance.kit import call
from promokit.testing.harness import open_client
from promokit.testing.secrets import guard_secrets


class LeakChecks(ConformanceBase):
    """The key never shows in logs, errors, reprs or tracebacks."""

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
