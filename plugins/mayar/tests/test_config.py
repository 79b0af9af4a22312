"""Settings, hosts and auth: no I/O, every mistake named."""

from __future__ import annotations

from typing import Any

import pytest
from promokit_mayar.provider import MayarProvider

from promokit import Client, ConfigurationError, ProviderSettings, Secret
from promokit.plugins import Plugins

from .conftest import KEY


def settings(**changes: Any) -> ProviderSettings:
    values: dict[str, Any] = {"alias": "shop", "plugin": "mayar", "api_key": Secret(KEY)}
    values.update(changes)
    return ProviderSettings(**values)


@pytest.mark.parametrize(
    ("changes", "url"),
    [
        ({"environment": "production"}, "https://api.mayar.id/hl/v2"),
        ({"environment": "sandbox"}, "https://api.mayar.club/hl/v2"),
        (
            {"environment": "sandbox", "options": {"sandbox_host": "api.mayar.io"}},
            "https://api.mayar.io/hl/v2",
        ),
        ({"base_url": "http://127.0.0.1:8080/hl/v2/"}, "http://127.0.0.1:8080/hl/v2"),
        (
            {"environment": "production", "base_url": "http://127.0.0.1:9/hl/v2"},
            "http://127.0.0.1:9/hl/v2",
        ),
    ],
)
def test_base_url_per_environment(changes: dict[str, Any], url: str) -> None:
    configured = settings(**changes)

    MayarProvider.check_settings(configured)

    assert MayarProvider.base_url(configured) == url


def test_environment_is_required_because_keys_have_no_prefix() -> None:
    with pytest.raises(ConfigurationError) as caught:
        MayarProvider.check_settings(settings())

    text = str(caught.value)
    assert 'environment = "production" or "sandbox"' in text
    assert "[providers.shop]" in text
    assert "no prefix" in text


def test_environment_is_required_through_client_config_too(plugins: Plugins) -> None:
    client = Client.from_config(
        {"providers": {"shop": {"plugin": "mayar", "api_key": KEY}}}, plugins=plugins
    )

    with pytest.raises(ConfigurationError, match="environment"):
        client.provider("shop")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"api_key": None, "environment": "sandbox"}, "no API key"),
        ({"environment": "sandbox", "options": {"sandbox_host": "evil.example"}}, "sandbox_host"),
        ({"environment": "sandbox", "options": {"sandbox": True}}, "unknown option(s) sandbox"),
        ({"environment": "sandbox", "options": {"page_size": 51}}, "page_size"),
        ({"environment": "sandbox", "options": {"page_size": True}}, "page_size"),
        ({"environment": "sandbox", "options": {"list_detail": "yes"}}, "list_detail"),
    ],
)
def test_bad_settings_are_named(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        MayarProvider.check_settings(settings(**changes))

    assert words in str(caught.value)
    assert KEY not in str(caught.value)


def test_auth_headers_are_bearer_plus_json() -> None:
    headers = MayarProvider.auth_headers(settings(environment="production"))

    assert headers == {
        "Authorization": f"Bearer {KEY}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


def test_client_builds_the_sandbox_provider_without_io(plugins: Plugins) -> None:
    client = Client.from_config(
        {
            "providers": {
                "shop": {
                    "plugin": "mayar",
                    "api_key": KEY,
                    "environment": "sandbox",
                    "options": {"sandbox_host": "api.mayar.io", "page_size": 20},
                }
            }
        },
        plugins=plugins,
    )

    provider = client.provider("shop")

    assert isinstance(provider, MayarProvider)
    assert provider.http.base_url == "https://api.mayar.io/hl/v2"
    assert provider.page_size == 20
    assert provider.http.rate_limiter is not None
    assert provider.http.rate_limiter.rate == 20  # Mayar's published 20 requests per minute
    assert KEY not in repr(provider) + repr(provider.http) + repr(provider.settings)
