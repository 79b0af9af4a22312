"""The only module that touches pluggy: loads plugins and exposes the provider registry."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pluggy

from promokit.errors import ConfigurationError, PluginError
from promokit.http.observe import RequestEvent, RequestObserver, guarded
from promokit.plugins import hookspecs
from promokit.plugins.provider import Provider

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

log = logging.getLogger("promokit.plugins")

ENTRY_POINT_GROUP = "promokit"
DEFAULT_PLUGINS: tuple[str, ...] = ("promokit.plugins.memory",)
"""Built-in plugins, registered after the installed ones."""


class ProviderRegistry:
    """What ``promokit_register_providers`` receives: a checked map of provider classes."""

    def __init__(self, describe: Callable[[str], str] = repr) -> None:
        self._classes: dict[str, type[Provider]] = {}
        self._origin: dict[str, str] = {}
        self._describe = describe
        self.current_plugin = "?"

    def add(self, provider_class: type[Provider]) -> None:
        """Register ``provider_class`` under its ``plugin_name``; duplicates are refused."""
        if not (isinstance(provider_class, type) and issubclass(provider_class, Provider)):
            raise PluginError(
                f"plugin {self.current_plugin!r} registered {provider_class!r}, "
                "which is not a promokit.Provider subclass"
            )
        name = getattr(provider_class, "plugin_name", None)
        if not isinstance(name, str) or not name.isidentifier():
            raise PluginError(
                f"plugin {self.current_plugin!r}: {provider_class.__qualname__}.plugin_name "
                f"must be an identifier, got {name!r}"
            )
        if not hasattr(provider_class, "manifest"):
            raise PluginError(
                f"plugin {self.current_plugin!r}: {provider_class.__qualname__} has no manifest"
            )
        existing = self._classes.get(name)
        if existing is not None and existing is not provider_class:
            raise PluginError(
                f"two plugins register a provider named {name!r}: "
                f"{_qualified(existing)} (from {self._describe(self._origin[name])}) and "
                f"{_qualified(provider_class)} (from {self._describe(self.current_plugin)})"
            )
        self._classes[name] = provider_class
        self._origin[name] = self.current_plugin

    def get(self, name: str) -> type[Provider]:
        """The class registered as ``name``, or a :class:`ConfigurationError` listing choices."""
        try:
            return self._classes[name]
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise ConfigurationError(
                f"no provider plugin named {name!r} is installed (installed: {known})"
            ) from None

    def discard(self, plugin: str) -> None:
        """Forget every provider ``plugin`` registered (it failed part-way)."""
        for name in [name for name, origin in self._origin.items() if origin == plugin]:
            del self._classes[name]
            del self._origin[name]

    def from_plugin(self, plugin: str) -> list[str]:
        """The provider names ``plugin`` registered, sorted."""
        return sorted(name for name, origin in self._origin.items() if origin == plugin)

    def origin(self, name: str) -> str:
        """The plugin (entry point or module) that registered ``name``."""
        return self._origin[name]

    def names(self) -> list[str]:
        """Registered provider names, sorted."""
        return sorted(self._classes)

    def __iter__(self) -> Iterator[type[Provider]]:
        return iter(self._classes[name] for name in self.names())

    def __contains__(self, name: object) -> bool:
        return name in self._classes


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _names(variable: str) -> set[str] | None:
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


@dataclass
class PluginInfo:
    """One plugin as ``promokit plugins`` lists it."""

    name: str
    distribution: str
    version: str
    hooks: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    problem: str | None = None


class Plugins:
    """A typed facade over the pluggy plugin manager; nothing else calls ``pm.hook``.

    ``PROMOKIT_LOAD_PLUGINS`` (comma-separated entry-point names; empty = none)
    restricts which installed plugins load; ``PROMOKIT_DISABLE_PLUGINS`` blocks some.
    Built-ins always load. ``PROMOKIT_TRACE_PLUGINS=1`` traces every hook call to
    stderr.

    An installed plugin that cannot work — its entry point fails to import, it is
    built for another promokit release, its name or a provider name it registers is
    taken, its hook raises — is skipped with one line naming its distribution
    (logged as a warning and kept in :attr:`problems`); the others keep working.
    Plugins registered with :meth:`register` (tests) raise instead.
    """

    def __init__(self, *, load_entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.versions: dict[str, str] = {}
        self.distributions: dict[str, str] = {}
        """Installed plugin name -> the distribution that provides it."""
        self.problems: list[str] = []
        """One line per installed plugin that was skipped, and why."""
        self._skipped: dict[str, PluginInfo] = {}
        self.tracing = bool(os.environ.get("PROMOKIT_TRACE_PLUGINS"))
        if load_entry_points:
            self._load_entry_points()
        for module_name in DEFAULT_PLUGINS:
            self.pm.register(importlib.import_module(module_name), name=module_name)
        self.pm.check_pending()
        if self.tracing:
            self.pm.trace.root.setwriter(_to_stderr)
            self.pm.enable_tracing()
        self._registry: ProviderRegistry | None = None

    def _load_entry_points(self) -> None:
        allowed = _names("PROMOKIT_LOAD_PLUGINS")
        blocked = _names("PROMOKIT_DISABLE_PLUGINS") or set()
        for name in blocked:
            self.pm.set_blocked(name)
        from importlib import metadata  # ~9 ms to import; only needed here (lazy)

        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if allowed is not None and entry_point.name not in allowed:
                continue
            if entry_point.name in blocked:
                continue
            distribution, version = _distribution(entry_point)
            label = f"{distribution} {version}".strip()
            if self.pm.has_plugin(entry_point.name) or entry_point.name in self._skipped:
                first = self.distributions.get(entry_point.name, "another distribution")
                self._skip(
                    entry_point.name,
                    distribution,
                    version,
                    f"{label}: the plugin name {entry_point.name!r} is taken by {first}; skipped",
                )
                continue
            wrong = _incompatible(entry_point)
            if wrong is not None:
                self._skip(entry_point.name, distribution, version, f"{label}: {wrong}; skipped")
                continue
            try:
                plugin = entry_point.load()
                self.pm.register(plugin, name=entry_point.name)
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
                self._skip(
                    entry_point.name,
                    distribution,
                    version,
                    f"{label}: plugin {entry_point.name!r} ({entry_point.value}) failed to "
                    f"load: {reason}; skipped",
                )
                continue
            self.distributions[entry_point.name] = label
            self.versions[entry_point.name] = version

    def _skip(self, name: str, distribution: str, version: str, line: str) -> None:
        log.warning("%s", line)
        self.problems.append(line)
        self._skipped.setdefault(name, PluginInfo(name, distribution, version, problem=line))

    def describe(self, plugin: str) -> str:
        """``'name' (distribution version)`` for an installed plugin, ``'name'`` otherwise."""
        label = self.distributions.get(plugin)
        return f"{plugin!r} ({label})" if label else repr(plugin)

    def register(self, plugin: object, name: str) -> None:
        """Register a plugin object (a module or instance with hook implementations)."""
        self.pm.register(plugin, name=name)
        self.pm.check_pending()
        self._registry = None

    def unregister(self, name: str) -> None:
        """Remove a plugin registered under ``name``."""
        self.pm.unregister(name=name)
        self._registry = None

    def _caller(self, name: str, plugin: object) -> Any:
        """A hook caller for one plugin's implementation, through pluggy (so traced)."""
        others = [p for p in self.pm.get_plugins() if p is not plugin]
        return self.pm.subset_hook_caller(name, remove_plugins=others)

    def providers(self) -> ProviderRegistry:
        """The registry every plugin filled through ``promokit_register_providers``."""
        if self._registry is None:
            registry = ProviderRegistry(self.describe)
            hook = self.pm.hook.promokit_register_providers
            for impl in reversed(hook.get_hookimpls()):
                registry.current_plugin = impl.plugin_name
                try:
                    try:
                        self._caller(hook.name, impl.plugin)(registry=registry)
                    except PluginError:
                        raise
                    except Exception as exc:
                        raise PluginError(
                            f"plugin {self.describe(impl.plugin_name)} failed in "
                            f"promokit_register_providers: {type(exc).__name__}: {exc}"
                        ) from exc
                except PluginError as error:
                    if impl.plugin_name not in self.distributions:
                        raise  # registered by hand (a test): say it loudly
                    registry.discard(impl.plugin_name)
                    label = self.distributions[impl.plugin_name]
                    distribution, _, version = label.rpartition(" ")
                    self._skip(
                        impl.plugin_name, distribution, version, f"{label}: {error}; skipped"
                    )
            self._registry = registry
        return self._registry

    def request_observer(self) -> RequestObserver | None:
        """A function telling every ``promokit_request_done`` implementation of an event.

        ``None`` when no plugin implements the hook: transports then measure and
        build nothing per request. Each implementation is called on its own, so one
        that raises (logged) does not keep the event from the others; under
        ``PROMOKIT_TRACE_PLUGINS`` each call goes through pluggy, so it is traced.
        """
        hook = self.pm.hook.promokit_request_done
        implementations = hook.get_hookimpls()
        if not implementations:
            return None
        # Newest registration first, as pluggy itself calls them.
        observers = [
            guarded(self._caller(hook.name, impl.plugin))
            if self.tracing
            else guarded(impl.function, wants_event="event" in impl.argnames)
            for impl in reversed(implementations)
        ]

        def notify(event: RequestEvent) -> None:
            for observer in observers:
                observer(event)

        return notify

    def info(self) -> list[PluginInfo]:
        """Every plugin: installed, built-in or registered, loaded or skipped, by name."""
        registry = self.providers()
        found: dict[str, PluginInfo] = {}
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None or name in self._skipped:
                continue
            hooks = sorted(
                caller.name for caller in self.pm.get_hookcallers(plugin) or [] if caller.name
            )
            label = self.distributions.get(name)
            if label:
                distribution, _, version = label.rpartition(" ")
            else:
                distribution, version = "promokit (built-in)", _own_version()
            found[name] = PluginInfo(name, distribution, version, hooks, registry.from_plugin(name))
        for name, skipped in self._skipped.items():
            found.setdefault(name, skipped)
        return [found[name] for name in sorted(found)]

    def version_of(self, provider_name: str) -> str:
        """The installed version of the plugin that registered ``provider_name``."""
        registry = self.providers()
        origin = registry.origin(provider_name)
        return self.versions.get(origin) or registry.get(provider_name).version


def _to_stderr(*parts: object) -> None:
    import sys

    print(*parts, file=sys.stderr, end="")


def _own_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("promokit")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "0+unknown"


def _distribution(entry_point: EntryPoint) -> tuple[str, str]:
    dist = entry_point.dist
    if dist is None:  # pragma: no cover - entry points found by metadata have one
        return "an unknown distribution", ""
    return dist.metadata["Name"] or dist.name, dist.version


def _incompatible(entry_point: EntryPoint) -> str | None:
    """Why the plugin's distribution cannot run on this promokit (``None`` if it can)."""
    from packaging.requirements import InvalidRequirement, Requirement

    dist = entry_point.dist
    if dist is None:  # pragma: no cover
        return None
    installed = _own_version()
    for line in dist.requires or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.name != "promokit" or requirement.marker is not None:
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            return f"built for promokit{requirement.specifier} (installed: promokit {installed})"
    return None


_default: Plugins | None = None


def default_plugins() -> Plugins:
    """The process-wide plugin set, loaded on first use (plugins import lazily)."""
    global _default
    if _default is None:
        _default = Plugins()
    return _default


def reset_default_plugins() -> None:
    """Forget the loaded plugin set, so the next use reloads (tests, env changes)."""
    global _default
    _default = None
