"""promokit.toml: discovery, strictness, secrets, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import rich.pretty

from promokit import ConfigurationError
from promokit.config import ConfigFile, ProviderTable, load_config

TOML = """
default = "shop"

[providers.shop]
plugin = "memory"

[providers.gateway]
plugin = "echo"
api_key_env = "ECHO_KEY"
environment = "sandbox"
base_url = "http://127.0.0.1:8080/v1"
timeout = 12.5
rate_limit = 20

[providers.gateway.options]
sandbox_host = "api.example.io"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "promokit.toml"
    path.write_text(TOML)
    return path


def test_reads_a_file_with_env_key(config_file: Path) -> None:
    config = load_config(config_file, environ={"ECHO_KEY": "sk_test_abcdefghijkl"})
    gateway = config.settings("gateway")
    assert gateway.api_key is not None
    assert gateway.api_key.reveal() == "sk_test_abcdefghijkl"
    assert (gateway.timeout, gateway.rate_limit, gateway.environment) == (12.5, 20, "sandbox")
    assert gateway.options == {"sandbox_host": "api.example.io"}
    assert config.settings(None).alias == "shop"
    assert config.ledger_path == str(config_file.parent / ".promokit-ledger.sqlite3")
    assert config.missing_keys == ()


def test_missing_env_key_is_reported_by_name(config_file: Path) -> None:
    config = load_config(config_file, environ={})
    assert config.missing_keys == ("gateway: environment variable ECHO_KEY is not set",)
    with pytest.raises(ConfigurationError, match="api_key_env"):
        config.settings("gateway").require_key()


def test_found_through_env_var_and_cwd(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMOKIT_CONFIG", str(config_file))
    assert load_config(environ={}).source == str(config_file)
    monkeypatch.delenv("PROMOKIT_CONFIG")
    monkeypatch.chdir(tmp_path)
    assert load_config(environ={}).source.endswith("promokit.toml")


def test_no_config_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PROMOKIT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="--config"):
        load_config()


def test_provider_env_var_switches_the_default(config_file: Path) -> None:
    config = load_config(config_file, environ={"PROMOKIT_PROVIDER": "gateway"})
    assert config.default == "gateway"
    with pytest.raises(ConfigurationError, match="PROMOKIT_PROVIDER names 'nope'"):
        load_config(config_file, environ={"PROMOKIT_PROVIDER": "nope"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"providers": {"a": {"plugin": "memory", "api_kye": "x"}}},
            "providers.a.api_kye: unknown key; did you mean 'api_key'",
        ),
        ({"defualt": "a"}, "defualt: unknown key; did you mean 'default'"),
        ({"providers": {"a": {"plugin": "m", "base_url": "http://example.com"}}}, "must be https"),
        ({"providers": {"a": {"plugin": "m", "api_key": "sk_test_abc def1234"}}}, "whitespace"),
        ({"providers": {"a": {"plugin": "m", "api_key": "sk_test_abcdef1234\n"}}}, "newline"),
        ({"providers": {"a": {"plugin": "m", "api_key": "k", "api_key_env": "K"}}}, "not both"),
        ({"providers": {"a": {"plugin": "m", "environment": "staging"}}}, "environment"),
        ({"providers": {"a": {"plugin": "m", "timeout": 0}}}, "timeout"),
        ({"default": "b", "providers": {"a": {"plugin": "m"}}}, "not a configured provider"),
    ],
)
def test_bad_config_names_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_config(data, environ={})


def test_whitespace_error_never_shows_the_key() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_config({"providers": {"a": {"plugin": "m", "api_key": "sk_test_SECRETVALUE \n"}}})
    assert "SECRETVALUE" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9999",
        "http://localhost/x",
        "http://[::1]:80",
        "https://api.mayar.id/hl/v2",
    ],
)
def test_loopback_http_and_any_https_are_allowed(url: str) -> None:
    load_config({"providers": {"a": {"plugin": "m", "base_url": url}}}, environ={})


def test_invalid_toml_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "promokit.toml"
    path.write_text("default = ")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_config(path)


def test_every_problem_is_reported_at_once_with_its_path_and_near_miss() -> None:
    data = {
        "defualt": "shop",
        "provider": {"x": {}},
        "providers": {
            "shop": {"plugin": "mayar", "enviroment": "sandbox", "timeout": "slow"},
            "cards": {"api_key": "k", "api_key_env": "K", "max_retries": -1},
        },
    }
    with pytest.raises(ConfigurationError) as caught:
        load_config(data, environ={})
    assert [str(problem) for problem in caught.value.problems] == [
        "defualt: unknown key; did you mean 'default'?",
        "provider: unknown key; did you mean 'providers'?",
        "providers.shop.enviroment: unknown key; did you mean 'environment'?",
        "providers.shop.timeout: Expected `float`, got `str`",
        "providers.cards.plugin: required",
    ]
    assert "has 5 problems" in caught.value.message


def test_value_problems_of_every_provider_are_reported_together() -> None:
    data = {
        "providers": {
            "a": {"plugin": "m", "api_key": "k", "api_key_env": "K", "timeout": 0},
            "b": {"plugin": "m", "base_url": "http://example.com", "rate_limit": -1},
        }
    }
    with pytest.raises(ConfigurationError) as caught:
        load_config(data, environ={"K": "v"})
    paths = [problem.path for problem in caught.value.problems]
    assert paths == [
        "providers.a",
        "providers.a.timeout",
        "providers.b.base_url",
        "providers.b.rate_limit",
    ]


def test_a_table_as_written_shows_its_key_only_as_a_hint() -> None:
    key = "sk_live_table0000secret9876"
    table = ProviderTable(plugin="mayar", api_key=key, timeout=12.0)
    for shown in (
        repr(table),
        repr(ConfigFile(providers={"shop": table})),
        rich.pretty.pretty_repr(table),
    ):
        assert key not in shown
        assert "Secret('sk_live_…9876')" in shown
        assert "timeout=12.0" in shown
