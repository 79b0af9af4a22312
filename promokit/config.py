"""promokit.toml (or a dict) to provider settings; switching gateway is editing ``default``."""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn, Self
from urllib.parse import urlsplit

import msgspec

from promokit.errors import ConfigurationError, Problem, plural
from promokit.http.redact import Secret
from promokit.http.settings import AliasFields, ProviderSettings
from promokit.workflows.checking import table_problems

CONFIG_ENV = "PROMOKIT_CONFIG"
PROVIDER_ENV = "PROMOKIT_PROVIDER"
LEDGER_ENV = "PROMOKIT_LEDGER_URL"
DEFAULT_FILE = "promokit.toml"


class ProviderTable(AliasFields, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One ``[providers.<alias>]`` table, exactly as written (unknown keys are errors).

    Every other key, and its default, is :class:`~promokit.http.settings.AliasFields`'s.
    """

    api_key: str | None = None
    api_key_env: str | None = None

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        # The key is a plain string until it is resolved into a Secret: show its hint.
        fields = [(name, getattr(self, name)) for name in self.__struct_fields__]
        return [
            (name, Secret(value) if name == "api_key" and value is not None else value)
            for name, value in fields
        ]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.__rich_repr__())
        return f"{type(self).__name__}({shown})"


class ConfigFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole ``promokit.toml``."""

    default: str | None = None
    ledger: str | None = None
    providers: dict[str, ProviderTable] = msgspec.field(default_factory=dict)


class Config(msgspec.Struct, frozen=True, kw_only=True):
    """Resolved configuration: settings per alias, the default alias, where it came from."""

    providers: dict[str, ProviderSettings]
    default: str | None
    source: str
    ledger_path: str | None = None
    """A SQLite file path or a ``postgresql://`` URL (which may hold a password)."""
    missing_keys: tuple[str, ...] = ()

    def __repr__(self) -> str:
        from promokit.ledger.postgres import masked

        ledger = None if self.ledger_path is None else masked(self.ledger_path)
        return (
            f"Config(providers={self.providers!r}, default={self.default!r}, "
            f"source={self.source!r}, ledger_path={ledger!r}, "
            f"missing_keys={self.missing_keys!r})"
        )

    def settings(self, alias: str | None) -> ProviderSettings:
        """Settings for ``alias`` (the default alias when ``None``)."""
        name = alias or self.default
        if name is None:
            if len(self.providers) == 1:
                return next(iter(self.providers.values()))
            raise ConfigurationError(
                f"no provider given and no default set in {self.source}; "
                f'add default = "<alias>" or set {PROVIDER_ENV}'
            )
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(sorted(self.providers)) or "none"
            raise ConfigurationError(
                f"no provider alias {name!r} in {self.source} (configured: {known})"
            ) from None


class FromConfig:
    """What :class:`~promokit.Client` and :class:`~promokit.SyncClient` are built from."""

    def __init__(self, config: Config, **options: Any) -> None:
        self.config = config

    @classmethod
    def from_config(
        cls,
        source: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Self:
        """Build a client from ``promokit.toml`` (path), a dict, or the usual search."""
        return cls(load_config(source), **options)


def find_config_file(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """``--config``, then ``$PROMOKIT_CONFIG``, then ``./promokit.toml``."""
    if explicit is not None:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    local = Path.cwd() / DEFAULT_FILE
    return local if local.exists() else None


def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read and check a config file or dict; every error names the key at fault."""
    env = os.environ if environ is None else environ
    base_dir: Path | None = None
    if isinstance(source, Mapping):
        raw: Any = dict(source)
        origin = "<dict>"
    else:
        path = find_config_file(source)
        if path is None:
            raise ConfigurationError(
                f"no configuration found: pass --config, set {CONFIG_ENV}, "
                f"or create ./{DEFAULT_FILE}"
            )
        origin = str(path)
        base_dir = path.parent
        import tomllib  # only when a file is read, not at ``import promokit``

        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError(f"config file {origin} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{origin} is not valid TOML: {exc}") from None
    try:
        problems = table_problems(raw, ConfigFile, "")
        if problems:
            _refuse(origin, problems)
        parsed = msgspec.convert(raw, ConfigFile)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # A value msgspec could not even convert (a signalling NaN Decimal, ...).
        raise ConfigurationError(f"{origin}: a value cannot be read ({exc})") from None
    providers: dict[str, ProviderSettings] = {}
    missing: list[str] = []
    for alias, table in parsed.providers.items():
        providers[alias] = _settings(alias, table, env, missing, problems)
    if problems:
        _refuse(origin, problems)
    default = env.get(PROVIDER_ENV) or parsed.default
    if default is not None and default not in providers:
        where = PROVIDER_ENV if env.get(PROVIDER_ENV) else f"default in {origin}"
        raise ConfigurationError(
            f"{where} names {default!r}, which is not a configured provider "
            f"(configured: {', '.join(sorted(providers)) or 'none'})"
        )
    ledger = env.get(LEDGER_ENV) or parsed.ledger
    if ledger is not None and (
        ledger == ":memory:" or ledger.startswith(("postgresql://", "postgres://"))
    ):
        pass  # a server or this process's memory, not a path
    elif ledger is not None and base_dir is not None and not Path(ledger).is_absolute():
        ledger = str(base_dir / ledger)
    elif ledger is None and base_dir is not None:
        ledger = str(base_dir / ".promokit-ledger.sqlite3")
    return Config(
        providers=providers,
        default=default,
        source=origin,
        ledger_path=ledger,
        missing_keys=tuple(missing),
    )


def _refuse(origin: str, problems: list[Problem]) -> NoReturn:
    raise ConfigurationError(f"{origin} has {plural(len(problems), 'problem')}", problems=problems)


def _settings(
    alias: str,
    table: ProviderTable,
    env: Mapping[str, str],
    missing: list[str],
    problems: list[Problem],
) -> ProviderSettings:
    """The settings of one alias; what is wrong with them goes to ``problems``."""
    where = f"providers.{alias}"
    if table.api_key is not None and table.api_key_env is not None:
        problems.append(Problem(where, "set api_key or api_key_env, not both"))
    key: str | None = table.api_key
    if table.api_key_env is not None:
        key = env.get(table.api_key_env)
        if key is None:
            missing.append(f"{alias}: environment variable {table.api_key_env} is not set")
    if key is not None:
        if key != key.strip() or any(c.isspace() for c in key):
            problems.append(
                Problem(
                    f"{where}.api_key",
                    "the API key contains whitespace or a newline; copy it again without spaces",
                )
            )
        if not key:
            problems.append(Problem(f"{where}.api_key", "the API key is empty"))
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
            # No HTTP header can carry it (aiohttp would refuse it at the first request).
            problems.append(
                Problem(
                    f"{where}.api_key", "contains a control character (a NUL byte?); copy it again"
                )
            )
    if table.base_url is not None:
        try:
            check_base_url(table.base_url, f"{where}.base_url")
        except ConfigurationError as error:
            problems.append(Problem(f"{where}.base_url", error.message.partition(": ")[2]))
    for name in ("timeout", "connect_timeout", "max_queue_wait", "rate_limit"):
        value = getattr(table, name)
        # nan passes every comparison and inf never ends: both refused by name.
        if value is not None and not (math.isfinite(value) and value > 0):
            unit = "requests per minute" if name == "rate_limit" else "seconds"
            problems.append(
                Problem(
                    f"{where}.{name}", f"must be a positive, finite number of {unit}, got {value!r}"
                )
            )
    if table.max_retries < 0:
        problems.append(Problem(f"{where}.max_retries", "must be 0 or more"))
    if table.max_concurrency < 1:
        problems.append(Problem(f"{where}.max_concurrency", "must be 1 or more"))
    if table.settle_margin < 0 or not math.isfinite(table.settle_margin):
        problems.append(Problem(f"{where}.settle_margin", "is seconds and must be finite, >= 0"))
    if not (math.isfinite(table.rate_period) and table.rate_period > 0):
        problems.append(Problem(f"{where}.rate_period", "is seconds and must be finite, > 0"))
    shared = {name: getattr(table, name) for name in AliasFields.__struct_fields__}
    return ProviderSettings(alias=alias, api_key=None if key is None else Secret(key), **shared)


def check_base_url(url: str, where: str) -> None:
    """https anywhere; plain http only for loopback hosts (emulators, tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise ConfigurationError(
        f"{where}: base_url {url!r} must be https (plain http is allowed only for "
        "loopback hosts such as 127.0.0.1)"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
